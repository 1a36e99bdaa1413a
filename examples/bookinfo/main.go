// Command bookinfo is the demo mesh's application: one small binary playing
// any of Istio's bookinfo services (productpage, details, reviews v1/v2/v3,
// ratings). Services reach each other through their sidecar: every call
// goes to --outbound (the local meshproxy's outbound listener) with the
// target service as the Host, and the request headers that matter for
// routing and tracing (end-user, x-request-id, traceparent, b3) are passed on.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bookinfo:", err)
		os.Exit(1)
	}
}

type app struct {
	role, version, outbound, namespace string
	client                             *http.Client
	log                                *slog.Logger
}

func run(args []string) error {
	fs := flag.NewFlagSet("bookinfo", flag.ContinueOnError)
	a := &app{}
	listen := fs.String("listen", "127.0.0.1:9080", "address to serve on")
	fs.StringVar(&a.role, "role", "", "productpage, details, reviews or ratings")
	fs.StringVar(&a.version, "version", "v1", "version label (reviews: v1 no stars, v2 black, v3 red)")
	fs.StringVar(&a.outbound, "outbound", "", "the sidecar's outbound listener, e.g. http://127.0.0.1:15001")
	fs.StringVar(&a.namespace, "namespace", "bookinfo", "namespace of the services called")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch a.role {
	case "productpage", "details", "reviews", "ratings":
	default:
		return fmt.Errorf("--role must be productpage, details, reviews or ratings, got %q", a.role)
	}
	a.client = &http.Client{Timeout: 10 * time.Second}
	a.log = slog.New(slog.NewTextHandler(os.Stderr, nil)).With("app", a.role+"-"+a.version)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // exiting anyway
	}()
	a.log.Info("serving", "addr", ln.Addr().String())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-served-by", a.role+"-"+a.version)
	if r.URL.Path == "/healthz" {
		fmt.Fprintln(w, "ok")
		return
	}
	var body any
	var err error
	switch a.role {
	case "details":
		body = map[string]any{"id": 0, "author": "William Shakespeare", "year": 1595, "type": "paperback", "pages": 200, "publisher": "PublisherA", "language": "English", "ISBN-10": "1234567890"}
	case "ratings":
		body = map[string]any{"id": 0, "ratings": map[string]int{"Reviewer1": 5, "Reviewer2": 4}}
	case "reviews":
		body, err = a.reviews(r)
	case "productpage":
		body, err = a.productpage(r)
	}
	if err != nil {
		a.log.Warn("upstream call failed", "err", err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("content-type", "application/json")
	json.NewEncoder(w).Encode(body) //nolint:errcheck // client went away
}

func (a *app) reviews(r *http.Request) (any, error) {
	out := map[string]any{"id": 0, "version": a.version, "reviews": []map[string]any{
		{"reviewer": "Reviewer1", "text": "An extremely entertaining play by Shakespeare."},
		{"reviewer": "Reviewer2", "text": "Absolutely fun and entertaining."},
	}}
	if a.version == "v1" {
		return out, nil
	}
	var ratings map[string]any
	if err := a.call(r, "ratings", "/ratings/0", &ratings); err != nil {
		out["ratingsError"] = err.Error()
		return out, nil
	}
	color := "black"
	if a.version == "v3" {
		color = "red"
	}
	out["ratings"] = ratings["ratings"]
	out["stars"] = color
	return out, nil
}

func (a *app) productpage(r *http.Request) (any, error) {
	var details, reviews map[string]any
	page := map[string]any{"product": "The Comedy of Errors"}
	if err := a.call(r, "details", "/details/0", &details); err != nil {
		page["detailsError"] = err.Error()
	} else {
		page["details"] = details
	}
	if err := a.call(r, "reviews", "/reviews/0", &reviews); err != nil {
		page["reviewsError"] = err.Error()
	} else {
		page["reviews"] = reviews
	}
	return page, nil
}

// forwarded are the request headers passed on to upstream calls.
var forwarded = []string{"end-user", "x-request-id", "traceparent", "tracestate", "x-b3-traceid", "x-b3-spanid",
	"x-b3-parentspanid", "x-b3-sampled", "b3", "cookie"}

// call GETs path on service through the sidecar and decodes its JSON.
func (a *app) call(in *http.Request, service, path string, into any) error {
	if a.outbound == "" {
		return fmt.Errorf("no --outbound sidecar configured to reach %s", service)
	}
	req, err := http.NewRequestWithContext(in.Context(), http.MethodGet, strings.TrimSuffix(a.outbound, "/")+path, nil)
	if err != nil {
		return err
	}
	req.Host = fmt.Sprintf("%s.%s.svc.cluster.local:9080", service, a.namespace)
	for _, h := range forwarded {
		if v := in.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d: %s", service, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, into)
}
