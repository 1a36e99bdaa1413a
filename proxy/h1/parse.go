package h1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// requestError is a request the server refuses, answered with code before
// the connection is closed.
type requestError struct {
	code int
	msg  string
}

func (e *requestError) Error() string { return "h1: " + e.msg }

func badRequest(msg string) error { return &requestError{code: http.StatusBadRequest, msg: msg} }

var (
	errHeadTooLarge = &requestError{code: http.StatusRequestHeaderFieldsTooLarge, msg: "request header too large"}
	errVersion      = &requestError{code: http.StatusHTTPVersionNotSupported, msg: "unsupported protocol version"}
	errExpect       = &requestError{code: http.StatusExpectationFailed, msg: "unsupported Expect"}
	errTE           = &requestError{code: http.StatusNotImplemented, msg: "unsupported transfer encoding"}
)

// maxLeadingBlankLines is how many empty lines before a request line are
// ignored (RFC 9112 section 2.2).
const maxLeadingBlankLines = 4

// readHead reads a request head (request line, header lines and the empty
// line) into buf, growing it, and returns it. io.EOF means the connection was
// closed cleanly before a request started.
func readHead(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	buf = buf[:0]
	blank, start := 0, 0 // start: where the current line begins in buf
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return buf, errHeadTooLarge
		}
		buf = append(buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(buf) == 0 {
				return buf, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
		if line := buf[start:]; len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			if start > 0 {
				return buf, nil
			}
			if blank++; blank > maxLeadingBlankLines {
				return buf, badRequest("too many empty lines before request")
			}
			buf = buf[:0]
		}
		start = len(buf)
	}
}

// framing is how a request's body is delimited.
type framing struct {
	chunked     bool
	length      int64 // with !chunked
	continue100 bool
}

// parser holds the scratch space reused across the requests of a connection.
type parser struct {
	fields []h1wire.Field
}

// headerRoom is the room left in a request's header map for the fields the
// proxy adds (X-Request-Id, X-Forwarded-Proto, ...) without growing it.
const headerRoom = 4

// zeroRequest is copied by WithContext into each new request.
var zeroRequest http.Request

// parse turns a head read by readHead into a request (without body, context
// or connection facts) and its body framing. Header keys are canonicalised
// in place in head.
func (p *parser) parse(head []byte, ctx context.Context) (*http.Request, framing, error) {
	var fr framing
	// request line
	eol := h1wire.IndexLF(head, 0)
	line := h1wire.TrimCR(head[:eol])
	sp1 := h1wire.IndexByte(line, ' ')
	if sp1 <= 0 {
		return nil, fr, badRequest("malformed request line")
	}
	sp2 := h1wire.IndexByte(line[sp1+1:], ' ')
	if sp2 <= 0 {
		return nil, fr, badRequest("malformed request line")
	}
	sp2 += sp1 + 1
	for _, c := range line[:sp1] {
		if !h1wire.IsToken(c) {
			return nil, fr, badRequest("invalid method")
		}
	}
	for _, c := range line[sp1+1 : sp2] {
		if c <= ' ' || c == 0x7f {
			return nil, fr, badRequest("invalid request target")
		}
	}
	major, minor, ok := h1wire.ParseVersion(line[sp2+1:])
	if !ok {
		return nil, fr, badRequest("malformed HTTP version")
	}
	if major != 1 || minor > 1 {
		return nil, fr, errVersion
	}
	// header lines: validate and canonicalise keys in place
	var problem string
	if p.fields, problem = h1wire.ParseFields(head, eol+1, p.fields[:0]); problem != "" {
		return nil, fr, badRequest(problem)
	}
	// one string holds the whole head; keys and values are slices of it
	s := string(head)
	r := zeroRequest.WithContext(ctx)
	r.Method = s[:sp1]
	r.RequestURI = s[sp1+1 : sp2]
	r.ProtoMajor, r.ProtoMinor = 1, minor
	r.Proto = "HTTP/1.1"
	if minor == 0 {
		r.Proto = "HTTP/1.0"
	}
	r.Header = h1wire.BuildHeader(s, p.fields, headerRoom)
	if err := setURL(r); err != nil {
		return nil, fr, err
	}
	if err := setHost(r); err != nil {
		return nil, fr, err
	}
	if err := setFraming(r, &fr); err != nil {
		return nil, fr, err
	}
	r.Close = h1wire.ShouldClose(r.Header, r.ProtoMinor)
	return r, fr, nil
}

func setURL(r *http.Request) error {
	t := r.RequestURI
	if r.Method == http.MethodConnect && !strings.HasPrefix(t, "/") {
		if _, _, ok := strings.Cut(t, ":"); !ok || strings.ContainsAny(t, "/?#@") {
			return badRequest("invalid CONNECT target")
		}
		r.URL = &url.URL{Host: t}
		return nil
	}
	u, err := url.ParseRequestURI(t)
	if err != nil {
		return badRequest("invalid request target")
	}
	if u.Host == "" && (u.Scheme != "" || strings.HasPrefix(t, "//")) {
		return badRequest("invalid request target")
	}
	r.URL = u
	return nil
}

func setHost(r *http.Request) error {
	hosts, ok := r.Header["Host"]
	if len(hosts) > 1 {
		return badRequest("too many Host headers")
	}
	if ok {
		delete(r.Header, "Host")
	}
	if r.ProtoMinor == 1 && !ok {
		return badRequest("missing required Host header")
	}
	if ok && !httpguts.ValidHostHeader(hosts[0]) {
		return badRequest("malformed Host header")
	}
	if r.URL.Host != "" { // absolute-form (or CONNECT authority): the target wins
		if !httpguts.ValidHostHeader(r.URL.Host) {
			return badRequest("malformed request target host")
		}
		r.Host = r.URL.Host
	} else if ok {
		r.Host = hosts[0]
	}
	return nil
}

// setFraming applies RFC 9112 section 6: a chunked Transfer-Encoding or one
// Content-Length, never both; anything ambiguous is refused.
func setFraming(r *http.Request, fr *framing) error {
	te, hasTE := r.Header["Transfer-Encoding"]
	cl, hasCL := r.Header["Content-Length"]
	switch {
	case hasTE && hasCL:
		return badRequest("both Transfer-Encoding and Content-Length")
	case hasTE:
		if r.ProtoMinor == 0 {
			return badRequest("Transfer-Encoding in HTTP/1.0")
		}
		if len(te) != 1 {
			return badRequest("too many Transfer-Encoding headers")
		}
		if !strings.EqualFold(te[0], "chunked") {
			return errTE
		}
		delete(r.Header, "Transfer-Encoding")
		r.TransferEncoding = []string{"chunked"}
		r.ContentLength = -1
		fr.chunked = true
	case hasCL:
		n, ok := h1wire.ParseContentLength(cl[0])
		if !ok {
			return badRequest("invalid Content-Length")
		}
		for _, v := range cl[1:] {
			if v != cl[0] {
				return badRequest("conflicting Content-Length headers")
			}
		}
		if len(cl) > 1 {
			r.Header["Content-Length"] = cl[:1]
		}
		r.ContentLength, fr.length = n, n
	}
	if ex, ok := r.Header["Expect"]; ok {
		if len(ex) != 1 || !strings.EqualFold(ex[0], "100-continue") {
			return errExpect
		}
		fr.continue100 = r.ProtoMinor == 1 && (fr.chunked || fr.length > 0)
	}
	return nil
}

// parseTrailer parses the trailer section of a chunked body (header lines
// and the empty line) into dst, refusing what a header would refuse.
func parseTrailer(b []byte, dst http.Header) error {
	var p parser
	head := make([]byte, 0, len(b)+16)
	head = append(head, "GET / HTTP/1.1\r\nHost: t\r\n"...)
	head = append(head, b...)
	r, _, err := p.parse(head, context.Background())
	if err != nil {
		return err
	}
	for k, v := range r.Header {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Host", "Trailer":
			continue
		}
		dst[k] = append(dst[k], v...)
	}
	return nil
}

var errTrailerTooLarge = errors.New("h1: chunked trailer too large")
