//go:build linux

package netns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// The pods' apps are this test binary run again with appRoleEnv set: plain
// Go HTTP code that knows nothing of the mesh.
const (
	appRoleEnv   = "WASMESH_NETNS_APP"    // "server" or "get"
	appNameEnv   = "WASMESH_NETNS_NAME"   // server: the name it answers
	appListenEnv = "WASMESH_NETNS_LISTEN" // server: listen address
	appURLEnv    = "WASMESH_NETNS_URL"    // get: the URL
)

// appReply is what the server app answers: who it is and what it saw.
type appReply struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Remote string `json:"remote"` // the peer of the app's connection
}

// getResult is what the get app prints.
type getResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Reason string `json:"reason"` // x-wasmesh-authz-reason
	Err    string `json:"err"`
}

func runApp(role string) int {
	switch role {
	case "server":
		return serveApp(os.Getenv(appNameEnv), os.Getenv(appListenEnv))
	case "get":
		return getApp(os.Getenv(appURLEnv))
	}
	fmt.Fprintf(os.Stderr, "netns app: unknown role %q\n", role)
	return 2
}

func serveApp(name, addr string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netns app:", err)
		return 1
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(appReply{Name: name, Method: r.Method, Path: r.URL.RequestURI(), Remote: r.RemoteAddr})
	})}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "netns app:", err)
		return 1
	}
	return 0
}

func getApp(url string) int {
	var res getResult
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err == nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		res = getResult{Status: resp.StatusCode, Body: string(b), Reason: resp.Header.Get("x-wasmesh-authz-reason")}
		err = rerr
	}
	if err != nil {
		res.Err = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 1
	}
	return 0
}
