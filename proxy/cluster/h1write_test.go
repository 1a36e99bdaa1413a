package cluster

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestWriteRequest(t *testing.T) {
	req := func(method, target string, body io.Reader, n int64) *http.Request {
		r, err := http.NewRequest(method, target, body)
		if err != nil {
			t.Fatal(err)
		}
		r.ContentLength = n
		r.Header = http.Header{"X-A": {"1", "2"}, "User-Agent": nil}
		return r
	}
	chunked := req("POST", "http://up/c", strings.NewReader("hello"), -1)
	chunked.Trailer = http.Header{"X-Sum": {"5"}, "Content-Length": {"9"}}
	opaque := req("GET", "http://up/", nil, 0)
	opaque.URL = &url.URL{Scheme: "http", Host: "up", Opaque: "/a%2Fb", RawQuery: "x=1"}
	withHost := req("GET", "http://up/p%20q?", nil, 0)
	withHost.Host = "svc:80"
	withHost.URL.ForceQuery = true
	closing := req("DELETE", "http://up/", nil, 0)
	closing.Close = true
	hdr := "X-A: 1\r\nX-A: 2\r\n"
	for _, tt := range []struct {
		name string
		r    *http.Request
		want string
	}{
		{"GET without body", req("GET", "http://up/x?y=1", nil, 0), "GET /x?y=1 HTTP/1.1\r\nHost: up\r\n" + hdr + "\r\n"},
		{"POST without body", req("POST", "http://up/", nil, 0), "POST / HTTP/1.1\r\nHost: up\r\n" + hdr + "Content-Length: 0\r\n\r\n"},
		{"PUT with length", req("PUT", "http://up/", strings.NewReader("abc"), 3),
			"PUT / HTTP/1.1\r\nHost: up\r\n" + hdr + "Content-Length: 3\r\n\r\nabc"},
		{"chunked with trailers", chunked, "POST /c HTTP/1.1\r\nHost: up\r\n" + hdr + "Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
			"5\r\nhello\r\n0\r\nX-Sum: 5\r\n\r\n"},
		{"opaque target", opaque, "GET /a%2Fb?x=1 HTTP/1.1\r\nHost: up\r\n" + hdr + "\r\n"},
		{"Host and forced query", withHost, "GET /p%20q? HTTP/1.1\r\nHost: svc:80\r\n" + hdr + "\r\n"},
		{"close", closing, "DELETE / HTTP/1.1\r\nHost: up\r\n" + hdr + "Connection: close\r\n\r\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			bw := bufio.NewWriter(&out)
			if err := checkRequest(tt.r); err != nil {
				t.Fatal(err)
			}
			if err := writeRequest(bw, tt.r); err != nil {
				t.Fatal(err)
			}
			bw.Flush()
			if out.String() != tt.want {
				t.Errorf("wrote\n%q\nwant\n%q", out.String(), tt.want)
			}
			// net/http reads back what was written
			back, err := http.ReadRequest(bufio.NewReader(&out))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadAll(back.Body); err != nil {
				t.Fatal(err)
			}
		})
	}
	short := req("PUT", "http://up/", strings.NewReader("ab"), 3)
	if err := writeRequest(bufio.NewWriter(io.Discard), short); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short body: %v", err)
	}
}
