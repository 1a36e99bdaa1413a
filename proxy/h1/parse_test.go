package h1

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func parseString(t testing.TB, raw string) (*http.Request, framing, error) {
	t.Helper()
	head, err := readHead(bufio.NewReader(strings.NewReader(raw)), nil, DefaultMaxHeaderBytes)
	if err != nil {
		return nil, framing{}, err
	}
	var p parser
	return p.parse(head, context.Background())
}

func TestParseRequest(t *testing.T) {
	type want struct {
		Method, URI, Path, RawQuery, Host, Proto string
		Header                                   http.Header
		ContentLength                            int64
		Close                                    bool
		Chunked, Continue                        bool
	}
	tests := []struct {
		name string
		raw  string
		want want
	}{
		{"simple", "GET /a?b=1 HTTP/1.1\r\nHost: x.test\r\nuser-agent: t\r\n\r\n",
			want{Method: "GET", URI: "/a?b=1", Path: "/a", RawQuery: "b=1", Host: "x.test", Proto: "HTTP/1.1",
				Header: http.Header{"User-Agent": {"t"}}}},
		{"canonical keys and repeated fields", "GET / HTTP/1.1\r\nHost: h\r\nx-forwarded-FOR: a\r\nX-Forwarded-For: b\r\ncontent-TYPE:  text/plain \t\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1",
				Header: http.Header{"X-Forwarded-For": {"a", "b"}, "Content-Type": {"text/plain"}}}},
		{"bare LF line ends", "GET / HTTP/1.1\nHost: h\nA: b\n\n",
			want{Method: "GET", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"A": {"b"}}}},
		{"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{}}},
		{"http/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Proto: "HTTP/1.0", Header: http.Header{}, Close: true}},
		{"http/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Proto: "HTTP/1.0", Header: http.Header{"Connection": {"Keep-Alive"}}}},
		{"connection close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, close\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"Connection": {"foo, close"}}, Close: true}},
		{"absolute form wins over Host", "GET http://abs.test:8080/p?q HTTP/1.1\r\nHost: other\r\n\r\n",
			want{Method: "GET", URI: "http://abs.test:8080/p?q", Path: "/p", RawQuery: "q", Host: "abs.test:8080", Proto: "HTTP/1.1", Header: http.Header{}}},
		{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
			want{Method: "OPTIONS", URI: "*", Path: "*", Host: "h", Proto: "HTTP/1.1", Header: http.Header{}}},
		{"connect authority", "CONNECT db.test:5432 HTTP/1.1\r\nHost: db.test:5432\r\n\r\n",
			want{Method: "CONNECT", URI: "db.test:5432", Host: "db.test:5432", Proto: "HTTP/1.1", Header: http.Header{}}},
		{"content-length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n",
			want{Method: "POST", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"Content-Length": {"12"}}, ContentLength: 12}},
		{"equal content-lengths fold", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
			want{Method: "POST", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"Content-Length": {"3"}}, ContentLength: 3}},
		{"chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n",
			want{Method: "POST", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{}, ContentLength: -1, Chunked: true}},
		{"expect continue", "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-Continue\r\n\r\n",
			want{Method: "PUT", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"Content-Length": {"1"}, "Expect": {"100-Continue"}}, ContentLength: 1, Continue: true}},
		{"obs-text in value", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\xc3\xa9\r\n\r\n",
			want{Method: "GET", URI: "/", Path: "/", Host: "h", Proto: "HTTP/1.1", Header: http.Header{"X": {"caf\xc3\xa9"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, fr, err := parseString(t, tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got := want{Method: r.Method, URI: r.RequestURI, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host,
				Proto: r.Proto, Header: r.Header, ContentLength: r.ContentLength, Close: r.Close, Chunked: fr.chunked, Continue: fr.continue100}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("-want +got\n%s", d)
			}
			if fr.chunked && (len(r.TransferEncoding) != 1 || r.TransferEncoding[0] != "chunked") {
				t.Fatalf("TransferEncoding %q", r.TransferEncoding)
			}
		})
	}
}

func TestParseRequestRefused(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		code int
	}{
		{"no host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"bad host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"te and cl", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
		{"te in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"two te", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"te list", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"te unknown", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 501},
		{"cl sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", 400},
		{"cl list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\n", 400},
		{"cl conflict", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
		{"cl huge", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
		{"cl empty", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost: h\r\nX : a\r\n\r\n", 400},
		{"no colon", "GET / HTTP/1.1\r\nHost: h\r\nXa\r\n\r\n", 400},
		{"empty name", "GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n", 400},
		{"ctl in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n", 400},
		{"bare cr in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400},
		{"del in value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n", 400},
		{"bad method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"no version", "GET /\r\nHost: h\r\n\r\n", 400},
		{"bad version", "GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400},
		{"http2 preface", "PRI * HTTP/2.0\r\n\r\n", 505},
		{"http/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505},
		{"expect other", "GET / HTTP/1.1\r\nHost: h\r\nExpect: x\r\n\r\n", 417},
		{"relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"scheme without host", "GET http:/x HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"too many empty lines", "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
		{"header too large", "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("a", DefaultMaxHeaderBytes) + "\r\n\r\n", 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseString(t, tt.raw)
			var re *requestError
			if !errors.As(err, &re) || re.code != tt.code {
				t.Fatalf("want %d, got %v", tt.code, err)
			}
		})
	}
}

func TestReadHeadEOF(t *testing.T) {
	if _, err := readHead(bufio.NewReader(strings.NewReader("")), nil, 100); err == nil || err.Error() != "EOF" {
		t.Fatalf("empty: %v", err)
	}
	if _, err := readHead(bufio.NewReader(strings.NewReader("GET / HTTP/1.1\r\nHo")), nil, 100); err == nil || err.Error() != "unexpected EOF" {
		t.Fatalf("cut: %v", err)
	}
	// a head longer than the bufio buffer is read in fragments
	long := "GET / HTTP/1.1\r\nHost: h\r\nX: " + strings.Repeat("b", 9000) + "\r\n\r\n"
	head, err := readHead(bufio.NewReaderSize(strings.NewReader(long), 16), nil, DefaultMaxHeaderBytes)
	if err != nil || string(head) != long {
		t.Fatalf("long head: %v", err)
	}
}

// FuzzParseRequest feeds untrusted bytes to the head reader and parser and
// checks what a request that passes must satisfy.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
		"POST /x?y HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET http://a/b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"CONNECT a:1 HTTP/1.1\r\nHost: a:1\r\n\r\n",
		"\nGET / HTTP/1.1\nHost: h\nX: a\n b\n\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r, fr, err := parseString(t, raw)
		if err != nil {
			return
		}
		if r.URL == nil || r.Method == "" || (r.ProtoMajor != 1 || r.ProtoMinor > 1) {
			t.Fatalf("accepted malformed request %q", raw)
		}
		if fr.chunked && r.Header.Get("Content-Length") != "" {
			t.Fatalf("both framings accepted: %q", raw)
		}
		if !fr.chunked && fr.length < 0 {
			t.Fatalf("negative length: %q", raw)
		}
		if r.ProtoMinor == 1 && r.Host == "" && !strings.Contains(strings.ToLower(raw), "host:") {
			t.Fatalf("no host: %q", raw)
		}
		for k, vv := range r.Header {
			if k != http.CanonicalHeaderKey(k) || !validName(k) {
				t.Fatalf("key %q not canonical", k)
			}
			for _, v := range vv {
				if strings.ContainsAny(v, "\r\n\x00") || v != strings.Trim(v, " \t") {
					t.Fatalf("value %q accepted", v)
				}
			}
		}
	})
}
