package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/net/http/httpguts"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// errBadRequest is wrapped by every refusal to write a request upstream
// (nothing has been written then).
var errBadRequest = errors.New("cluster: invalid upstream request")

func badRequest(msg string) error { return fmt.Errorf("%w: %s", errBadRequest, msg) }

// chunkBufs hold the data of one chunk of a request body of unknown length.
var chunkBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// checkRequest refuses a request that cannot be written as HTTP/1.1
// without injecting something: a method that is not a token, an invalid
// Host, header fields with invalid names or control bytes in values.
func checkRequest(req *http.Request) error {
	method := req.Method
	for i := 0; i < len(method); i++ {
		if !h1wire.IsToken(method[i]) {
			return badRequest("invalid method")
		}
	}
	if req.URL == nil {
		return badRequest("no URL")
	}
	if !httpguts.ValidHostHeader(requestHost(req)) {
		return badRequest("invalid Host")
	}
	if !validTarget(req.URL.RawQuery) {
		return badRequest("invalid request target")
	}
	return checkHeader(req.Header)
}

func requestHost(req *http.Request) string {
	if req.Host != "" {
		return req.Host
	}
	return req.URL.Host
}

// writeRequest writes req, checked by checkRequest, as an HTTP/1.1 request
// into bw (not flushed): request line, Host, the header fields, then the
// body with Content-Length when its length is known and chunked (with
// req.Trailer) otherwise.
func writeRequest(bw *bufio.Writer, req *http.Request) error {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := requestHost(req)
	hasBody := req.Body != nil && req.Body != http.NoBody
	chunked := hasBody && (req.ContentLength < 0 || len(req.Trailer) > 0)
	if req.ContentLength > 0 && !hasBody {
		return badRequest("Content-Length without body")
	}

	bw.WriteString(method)
	bw.WriteByte(' ')
	if err := writeTarget(bw, req, host); err != nil {
		return err
	}
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	if req.Close {
		bw.WriteString("Connection: close\r\n")
	}
	switch {
	case chunked:
		bw.WriteString("Transfer-Encoding: chunked\r\n")
		sep := "Trailer: "
		for k, vs := range req.Trailer {
			if validTrailer(k, vs) {
				bw.WriteString(sep)
				bw.WriteString(k)
				sep = ","
			}
		}
		if sep == "," {
			bw.WriteString("\r\n")
		}
	case req.ContentLength > 0 && hasBody:
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), req.ContentLength, 10))
		bw.WriteString("\r\n")
	case methodWantsLength(method):
		bw.WriteString("Content-Length: 0\r\n")
	}
	_, err := bw.WriteString("\r\n")
	if err != nil || !hasBody {
		return err
	}
	if chunked {
		return writeChunked(bw, req)
	}
	return writeLength(bw, req.Body, req.ContentLength)
}

func methodWantsLength(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

// writeTarget writes the request target in origin form (authority form for
// CONNECT) without building it as a string first.
func writeTarget(bw *bufio.Writer, req *http.Request, host string) error {
	u := req.URL
	if req.Method == http.MethodConnect && u.Path == "" && u.Opaque == "" {
		bw.WriteString(host)
		return nil
	}
	var path string
	switch {
	case u.Opaque != "":
		path = u.Opaque
		if len(path) > 1 && path[0] == '/' && path[1] == '/' {
			bw.WriteString(u.Scheme)
			bw.WriteByte(':')
		}
	default:
		path = u.EscapedPath()
		if path == "" {
			path = "/"
		}
	}
	if !validTarget(path) {
		return badRequest("invalid request target")
	}
	bw.WriteString(path)
	if u.ForceQuery || u.RawQuery != "" {
		bw.WriteByte('?')
		bw.WriteString(u.RawQuery)
	}
	return nil
}

func validTarget(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// checkHeader refuses field names that are not tokens and values with
// control bytes (a CR or LF would inject fields into the upstream request).
func checkHeader(h http.Header) error {
	for k, vs := range h {
		if !validField(k, vs) {
			return badRequest("invalid header field " + strconv.Quote(k))
		}
	}
	return nil
}

func validField(k string, vs []string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !h1wire.IsToken(k[i]) {
			return false
		}
	}
	for _, v := range vs {
		for i := 0; i < len(v); i++ {
			if h1wire.IsCTL(v[i]) {
				return false
			}
		}
	}
	return true
}

// writeLength copies exactly n bytes of body into bw.
func writeLength(bw *bufio.Writer, body io.Reader, n int64) error {
	for n > 0 {
		if bw.Available() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		buf := bw.AvailableBuffer()
		buf = buf[:min(int64(cap(buf)), n)]
		m, err := body.Read(buf)
		if m > 0 {
			if _, werr := bw.Write(buf[:m]); werr != nil {
				return werr
			}
			n -= int64(m)
		}
		if err == io.EOF && n > 0 {
			return fmt.Errorf("cluster: request body shorter than its Content-Length: %w", io.ErrUnexpectedEOF)
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// writeChunked writes body as chunks, each flushed as it is read (the body
// may be a stream), then the last chunk with req.Trailer.
func writeChunked(bw *bufio.Writer, req *http.Request) error {
	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)
	buf := *bp
	for {
		m, err := req.Body.Read(buf)
		if m > 0 {
			bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(m), 16))
			bw.WriteString("\r\n")
			bw.Write(buf[:m])
			bw.WriteString("\r\n")
			if ferr := bw.Flush(); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	bw.WriteString("0\r\n")
	for k, vs := range req.Trailer {
		if !validTrailer(k, vs) {
			continue
		}
		for _, v := range vs {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

func validTrailer(k string, vs []string) bool {
	return !forbiddenTrailer(http.CanonicalHeaderKey(k)) && validField(k, vs)
}
