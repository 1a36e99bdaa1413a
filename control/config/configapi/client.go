package configapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wasmesh/wasmesh/control/config"
)

// Client talks to a Handler, e.g. meshd's admin endpoint.
type Client struct {
	// BaseURL of the server, e.g. "http://127.0.0.1:15014".
	BaseURL string
	// HTTP client; http.DefaultClient when nil.
	HTTP *http.Client
}

func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("configapi: %w", err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("configapi: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("configapi: reading response: %w", err)
	}
	return resp, b, nil
}

// failure turns an error response into an error: a config.ErrorList for
// 422, config.ErrNotFound for 404, config.ErrNotWritable for 409.
func failure(resp *http.Response, body []byte) error {
	switch resp.StatusCode {
	case http.StatusUnprocessableEntity:
		var e errorBody
		if err := json.Unmarshal(body, &e); err == nil && len(e.Errors) > 0 {
			return config.ErrorList(e.Errors)
		}
	case http.StatusNotFound:
		return fmt.Errorf("%w (%s)", config.ErrNotFound, strings.TrimSpace(string(body)))
	case http.StatusConflict:
		return fmt.Errorf("%w (%s)", config.ErrNotWritable, strings.TrimSpace(string(body)))
	}
	return fmt.Errorf("configapi: %s: %s", resp.Status, strings.TrimSpace(string(body)))
}

// Apply sends the documents of a file; name appears in error messages.
func (c *Client) Apply(ctx context.Context, name string, data []byte) (ApplyResult, error) {
	resp, body, err := c.do(ctx, http.MethodPost, "/v1/configs?file="+url.QueryEscape(name), data)
	if err != nil {
		return ApplyResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return ApplyResult{}, failure(resp, body)
	}
	var res ApplyResult
	if err := json.Unmarshal(body, &res); err != nil {
		return ApplyResult{}, fmt.Errorf("configapi: decoding apply result: %w", err)
	}
	return res, nil
}

// Get returns one config as YAML.
func (c *Client) Get(ctx context.Context, kind, namespace, name string) ([]byte, error) {
	resp, body, err := c.do(ctx, http.MethodGet, "/v1/configs/"+url.PathEscape(kind)+"/"+url.PathEscape(namespace)+"/"+url.PathEscape(name), nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, failure(resp, body)
	}
	return body, nil
}

// List returns configs as multi-document YAML; kind and namespace filter
// when not empty.
func (c *Client) List(ctx context.Context, kind, namespace string) ([]byte, error) {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	path := "/v1/configs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, body, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, failure(resp, body)
	}
	return body, nil
}

// Delete removes one config.
func (c *Client) Delete(ctx context.Context, kind, namespace, name string) error {
	resp, body, err := c.do(ctx, http.MethodDelete, "/v1/configs/"+url.PathEscape(kind)+"/"+url.PathEscape(namespace)+"/"+url.PathEscape(name), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusNoContent {
		return failure(resp, body)
	}
	return nil
}

// Status returns the store's status with warnings.
func (c *Client) Status(ctx context.Context) (StatusResult, error) {
	resp, body, err := c.do(ctx, http.MethodGet, "/v1/configs-status", nil)
	if err != nil {
		return StatusResult{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return StatusResult{}, failure(resp, body)
	}
	var res StatusResult
	if err := json.Unmarshal(body, &res); err != nil {
		return StatusResult{}, fmt.Errorf("configapi: decoding status: %w", err)
	}
	return res, nil
}
