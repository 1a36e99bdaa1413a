package cluster

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// nginxResponse is what the benchmark backend (nginx) answers: a 1 KiB body.
var nginxResponse = "HTTP/1.1 200 OK\r\nServer: nginx/1.26.3\r\nDate: Thu, 26 Nov 2026 00:00:00 GMT\r\n" +
	"Content-Type: application/octet-stream\r\nContent-Length: 1024\r\nLast-Modified: Wed, 25 Nov 2026 10:00:00 GMT\r\n" +
	"Connection: keep-alive\r\nETag: \"6925f0a0-400\"\r\nAccept-Ranges: bytes\r\n\r\n" + strings.Repeat("x", 1024)

// BenchmarkReadResponse reads a response head and its 1 KiB body with the
// pool's parser and with net/http.ReadResponse.
func BenchmarkReadResponse(b *testing.B) {
	src := strings.NewReader(nginxResponse)
	br := bufio.NewReaderSize(src, 16<<10)
	body := make([]byte, 4096)
	b.Run("lean", func(b *testing.B) {
		var head []byte
		var fields []h1wire.Field
		b.ReportAllocs()
		for b.Loop() {
			src.Reset(nginxResponse)
			br.Reset(src)
			var err error
			if head, err = readHead(br, head, maxResponseHead); err != nil {
				b.Fatal(err)
			}
			resp := new(http.Response) // the pool allocates it with the body
			_, f, err := parseResponse(head, "GET", fields, resp)
			fields = f
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := io.ReadFull(br, body[:resp.ContentLength]); n != 1024 {
				b.Fatal(n)
			}
		}
	})
	b.Run("net-http", func(b *testing.B) {
		req, _ := http.NewRequest("GET", "http://x/", nil)
		b.ReportAllocs()
		for b.Loop() {
			src.Reset(nginxResponse)
			br.Reset(src)
			resp, err := http.ReadResponse(br, req)
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := io.ReadFull(resp.Body, body[:1024]); n != 1024 {
				b.Fatal(n)
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkWriteRequest writes a proxied GET with the pool's writer and
// with net/http's Request.Write.
func BenchmarkWriteRequest(b *testing.B) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1:18080/some/path?q=1", nil)
	req.Host = "bench.example"
	for k, v := range map[string]string{"Accept": "*/*", "X-Forwarded-Proto": "http",
		"X-Request-Id": "6f1c1a36-8f0c-4c55-9d8b-2f3c9f0e7c11", "X-Envoy-Expected-Rq-Timeout-Ms": "15000"} {
		req.Header.Set(k, v)
	}
	req.Header["User-Agent"] = nil
	bw := bufio.NewWriterSize(io.Discard, 8<<10)
	b.Run("lean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := checkRequest(req); err != nil {
				b.Fatal(err)
			}
			if err := writeRequest(bw, req); err != nil {
				b.Fatal(err)
			}
			bw.Flush()
		}
	})
	b.Run("net-http", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := req.Write(bw); err != nil {
				b.Fatal(err)
			}
			bw.Flush()
		}
	})
	var out bytes.Buffer
	bw.Reset(&out)
	_ = writeRequest(bw, req)
	bw.Flush()
	if !strings.HasPrefix(out.String(), "GET /some/path?q=1 HTTP/1.1\r\nHost: bench.example\r\n") {
		b.Fatalf("wrote %q", out.String())
	}
}
