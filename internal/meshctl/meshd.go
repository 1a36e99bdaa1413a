package meshctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/control/config/configapi"
)

// httpClient bounds every call meshctl makes.
var httpClient = &http.Client{Timeout: 30 * time.Second}

// baseURL is meshd's monitoring/API URL from --meshd (host:port or a URL).
func (e *env) baseURL() string {
	if strings.Contains(e.meshd, "://") {
		return strings.TrimRight(e.meshd, "/")
	}
	return "http://" + e.meshd
}

func (e *env) configClient() *configapi.Client {
	return &configapi.Client{BaseURL: e.baseURL(), HTTP: httpClient}
}

// reach explains a transport error: meshd is not there.
func (e *env) reach(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return failure{fmt.Errorf("cannot reach meshd at %s: %w\nstart it (meshd --config-dir DIR) or point --meshd at its monitoring address", e.meshd, err)}
	}
	return failure{err}
}

// getJSON GETs path from meshd and decodes the JSON answer into v.
func (e *env) getJSON(ctx context.Context, path string, v any) error {
	return fetchJSON(ctx, e.baseURL()+path, v, e.reach)
}

// fetchJSON GETs url and decodes its JSON answer; explain maps transport errors.
func fetchJSON(ctx context.Context, url string, v any, explain func(error) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return usageError{err}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return explain(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return failure{fmt.Errorf("reading %s: %w", url, err)}
	}
	if resp.StatusCode != http.StatusOK {
		return failure{fmt.Errorf("%s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return failure{fmt.Errorf("%s: decoding: %w", url, err)}
	}
	return nil
}
