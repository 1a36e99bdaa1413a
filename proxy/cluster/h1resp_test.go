package cluster

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readOne parses one response to method from raw and reads its body.
func readOne(raw, method string) (*http.Response, string, error) {
	br := bufio.NewReaderSize(strings.NewReader(raw), 64)
	var resp *http.Response
	var kind bodyKind
	for {
		head, err := readHead(br, nil, 4096)
		if err != nil {
			return nil, "", err
		}
		resp = new(http.Response)
		kind, _, err = parseResponse(head, method, nil, resp)
		if err != nil {
			return nil, "", err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == 101 {
			break
		}
	}
	var body io.Reader
	switch kind {
	case bodyNone:
		return resp, "", nil
	case bodyLength:
		body = io.LimitReader(br, resp.ContentLength)
	case bodyChunked:
		body = &trailerReader{r: newChunkedReader(br), br: br, resp: resp}
	case bodyClose:
		body = br
	}
	b, err := io.ReadAll(body)
	if kind == bodyLength && int64(len(b)) < resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	return resp, string(b), err
}

type trailerReader struct {
	r    io.Reader
	br   *bufio.Reader
	resp *http.Response
}

func (t *trailerReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err == io.EOF {
		if terr := readTrailer(t.br, t.resp); terr != nil {
			return n, terr
		}
	}
	return n, err
}

func TestParseResponse(t *testing.T) {
	type want struct {
		status  string
		code    int
		minor   int
		header  http.Header
		trailer http.Header
		length  int64
		te      []string
		close   bool
		body    string
	}
	tests := []struct {
		name, raw, method string
		want              want
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\ncontent-type: text/plain\r\n\r\nhello", "GET",
			want{status: "200 OK", code: 200, minor: 1, length: 5, body: "hello",
				header: http.Header{"Content-Length": {"5"}, "Content-Type": {"text/plain"}}}},
		{"bare LF, no reason", "HTTP/1.1 404\nContent-Length: 0\n\n", "GET",
			want{status: "404", code: 404, minor: 1, length: 0, header: http.Header{"Content-Length": {"0"}}}},
		{"duplicate equal lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", "GET",
			want{status: "200 OK", code: 200, minor: 1, length: 2, body: "ok", header: http.Header{"Content-Length": {"2"}}}},
		{"chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nTrailer: grpc-status, content-length\r\n\r\n" +
			"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nGrpc-Status: 0\r\nx-extra: y\r\nContent-Length: 9\r\n\r\n", "POST",
			want{status: "200 OK", code: 200, minor: 1, length: -1, te: []string{"chunked"}, body: "abcde", header: http.Header{},
				trailer: http.Header{"Grpc-Status": {"0"}, "X-Extra": {"y"}}}},
		{"close-delimited", "HTTP/1.1 200 OK\r\n\r\nuntil the end", "GET",
			want{status: "200 OK", code: 200, minor: 1, length: -1, close: true, body: "until the end", header: http.Header{}}},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", "GET",
			want{status: "200 OK", code: 200, minor: 0, length: 1, body: "x",
				header: http.Header{"Connection": {"keep-alive"}, "Content-Length": {"1"}}}},
		{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", "GET",
			want{status: "200 OK", code: 200, minor: 0, length: 1, body: "x", close: true, header: http.Header{"Content-Length": {"1"}}}},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: foo, Close\r\nContent-Length: 1\r\n\r\nx", "GET",
			want{status: "200 OK", code: 200, minor: 1, length: 1, body: "x", close: true,
				header: http.Header{"Connection": {"foo, Close"}, "Content-Length": {"1"}}}},
		{"HEAD keeps the length, no body", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", "HEAD",
			want{status: "200 OK", code: 200, minor: 1, length: 1234, header: http.Header{"Content-Length": {"1234"}}}},
		{"204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", "GET",
			want{status: "204 No Content", code: 204, minor: 1, header: http.Header{}}},
		{"304 ignores its length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", "GET",
			want{status: "304 Not Modified", code: 304, minor: 1, header: http.Header{"Content-Length": {"10"}}}},
		{"1xx skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", "POST",
			want{status: "201 Created", code: 201, minor: 1, length: 2, body: "ok", header: http.Header{"Content-Length": {"2"}}}},
		{"101 is final", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "GET",
			want{status: "101 Switching Protocols", code: 101, minor: 1, header: http.Header{"Upgrade": {"websocket"}}}},
		{"repeated fields and odd spacing", "HTTP/1.1 200 OK\r\nSet-Cookie:a=1 \r\nset-cookie: \tb=2\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n", "GET",
			want{status: "200 OK", code: 200, minor: 1,
				header: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-Empty": {""}, "Content-Length": {"0"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, err := readOne(tt.raw, tt.method)
			if err != nil {
				t.Fatal(err)
			}
			got := want{status: resp.Status, code: resp.StatusCode, minor: resp.ProtoMinor, header: resp.Header,
				trailer: resp.Trailer, length: resp.ContentLength, te: resp.TransferEncoding, close: resp.Close, body: body}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if resp.ProtoMajor != 1 || resp.Proto != "HTTP/1."+string(rune('0'+tt.want.minor)) {
				t.Errorf("proto %q %d", resp.Proto, resp.ProtoMajor)
			}
		})
	}
}

func TestParseResponseRefusals(t *testing.T) {
	tests := []struct{ name, raw, method string }{
		{"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET"},
		{"CL and TE on HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "HEAD"},
		{"conflicting CL", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "GET"},
		{"CL list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", "GET"},
		{"signed CL", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", "GET"},
		{"negative CL", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "GET"},
		{"huge CL", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "GET"},
		{"empty CL", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "GET"},
		{"gzip TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "GET"},
		{"two TE fields", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET"},
		{"TE in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "GET"},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", "GET"},
		{"no colon", "HTTP/1.1 200 OK\r\nContent-Length\r\n\r\n", "GET"},
		{"NUL in value", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"CR in value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"HTTP/2 version", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"HTTP/1.2", "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"lower-case version", "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"short code", "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"long code", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"code below 100", "HTTP/1.1 099 Hm\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"letters in code", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"control in reason", "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n", "GET"},
		{"empty status line", "\r\nHTTP/1.1 200 OK\r\n\r\n", "GET"},
		{"head too large", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 5000) + "\r\n\r\n", "GET"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", "GET"},
		{"bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: 1\r\n\r\n", "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body, err := readOne(tt.raw, tt.method)
			if err == nil {
				t.Fatalf("accepted: %d %v body %q", resp.StatusCode, resp.Header, body)
			}
		})
	}
}

func TestParseResponseTruncated(t *testing.T) {
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-A: 1\r\n",
		"HTTP/1.1 200 OK\r\nContent-Le",
	} {
		if _, _, err := readOne(raw, "GET"); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%q: err %v, want unexpected EOF", raw, err)
		}
	}
	if _, _, err := readOne("", "GET"); err != io.EOF {
		t.Errorf("empty: err %v, want EOF", err)
	}
}

func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: a\r\n\r\n3\r\nabc\r\n0\r\nA: 1\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nrest",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX: y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		resp, body, err := readOne(raw, method)
		if err != nil {
			return
		}
		if resp.StatusCode < 100 || resp.StatusCode > 999 || resp.ProtoMajor != 1 || resp.ProtoMinor > 1 {
			t.Fatalf("accepted status %d proto %d.%d", resp.StatusCode, resp.ProtoMajor, resp.ProtoMinor)
		}
		_, te := resp.Header["Transfer-Encoding"]
		cl := resp.Header["Content-Length"]
		if te && len(cl) > 0 {
			t.Fatal("accepted both Transfer-Encoding and Content-Length")
		}
		if len(cl) > 1 {
			t.Fatalf("duplicate Content-Length kept: %q", cl)
		}
		if resp.ContentLength >= 0 && !head && int64(len(body)) != resp.ContentLength &&
			resp.StatusCode >= 200 && resp.StatusCode != 204 && resp.StatusCode != 304 {
			t.Fatalf("body %d bytes, Content-Length %d", len(body), resp.ContentLength)
		}
		for k, vs := range resp.Header {
			if k != http.CanonicalHeaderKey(k) {
				t.Fatalf("key %q not canonical", k)
			}
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("value %q", v)
				}
			}
		}
	})
}
