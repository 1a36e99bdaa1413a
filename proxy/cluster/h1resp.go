package cluster

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// errBadResponse is wrapped by every refusal of an upstream response head.
var errBadResponse = errors.New("cluster: malformed upstream response")

func badResponse(msg string) error { return fmt.Errorf("%w: %s", errBadResponse, msg) }

// maxResponseHead bounds a response head (status line and header fields).
const maxResponseHead = 1 << 20

// keptHeadBytes is the largest head buffer a connection keeps between responses.
const keptHeadBytes = 16 << 10

// maxTrailerBytes bounds the trailer section of a chunked response body.
const maxTrailerBytes = 16 << 10

// bodyKind is how a response body is delimited (RFC 9112 section 6.3).
type bodyKind uint8

const (
	bodyNone    bodyKind = iota // HEAD, 1xx, 204, 304, Content-Length: 0
	bodyLength                  // Content-Length
	bodyChunked                 // Transfer-Encoding: chunked
	bodyClose                   // read until the server closes
)

// readHead reads a message head (start line, field lines and the empty
// line) into buf, growing it up to max. io.EOF means nothing was read.
func readHead(br *bufio.Reader, buf []byte, max int) ([]byte, error) {
	buf = buf[:0]
	start := 0 // where the current line begins in buf
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return buf, badResponse("head too large")
		}
		buf = append(buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(buf) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
		if line := buf[start:]; len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			if start == 0 {
				return buf, badResponse("empty status line")
			}
			return buf, nil
		}
		start = len(buf)
	}
}

// parseResponse turns a head read by readHead into resp (without body), a
// response to a request with the given method, and tells how its body is
// framed. fields is scratch space, returned for reuse.
func parseResponse(head []byte, method string, fields []h1wire.Field, resp *http.Response) (bodyKind, []h1wire.Field, error) {
	eol := h1wire.IndexLF(head, 0)
	line := h1wire.TrimCR(head[:eol])
	if len(line) < 12 || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return 0, fields, badResponse("malformed status line")
	}
	major, minor, ok := h1wire.ParseVersion(line[:8])
	if !ok || major != 1 || minor > 1 {
		return 0, fields, badResponse("unsupported protocol version")
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, fields, badResponse("malformed status code")
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 {
		return 0, fields, badResponse("malformed status code")
	}
	for _, c := range line[12:] {
		if h1wire.IsCTL(c) {
			return 0, fields, badResponse("invalid reason phrase")
		}
	}
	fields, problem := h1wire.ParseFields(head, eol+1, fields[:0])
	if problem != "" {
		return 0, fields, badResponse(problem)
	}
	s := string(head) // one string holds the whole head
	*resp = http.Response{
		Status: s[9:len(line)], StatusCode: code,
		Proto: s[:8], ProtoMajor: 1, ProtoMinor: minor,
		Header: h1wire.BuildHeader(s, fields, 0),
	}
	kind, err := setResponseFraming(resp, method)
	if err != nil {
		return 0, fields, err
	}
	if kind == bodyChunked {
		declareTrailer(resp)
	}
	resp.Close = kind == bodyClose || h1wire.ShouldClose(resp.Header, minor)
	return kind, fields, nil
}

// setResponseFraming applies RFC 9112 section 6.3 and refuses what could be
// read two ways (response smuggling): both Transfer-Encoding and
// Content-Length, a coding other than chunked, Transfer-Encoding in
// HTTP/1.0, an invalid or conflicting Content-Length.
func setResponseFraming(r *http.Response, method string) (bodyKind, error) {
	te, hasTE := r.Header["Transfer-Encoding"]
	cl, hasCL := r.Header["Content-Length"]
	if hasTE && hasCL {
		return 0, badResponse("both Transfer-Encoding and Content-Length")
	}
	n := int64(-1)
	if hasCL {
		var ok bool
		if n, ok = h1wire.ParseContentLength(cl[0]); !ok {
			return 0, badResponse("invalid Content-Length")
		}
		for _, v := range cl[1:] {
			if v != cl[0] {
				return 0, badResponse("conflicting Content-Length headers")
			}
		}
		if len(cl) > 1 {
			r.Header["Content-Length"] = cl[:1]
		}
	}
	if hasTE {
		if r.ProtoMinor == 0 {
			return 0, badResponse("Transfer-Encoding in HTTP/1.0")
		}
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return 0, badResponse("unsupported transfer encoding")
		}
	}
	code := r.StatusCode
	switch {
	case method == http.MethodHead:
		r.ContentLength = n // what a GET would have carried
		return bodyNone, nil
	case code < 200 || code == http.StatusNoContent || code == http.StatusNotModified:
		return bodyNone, nil
	case hasTE:
		delete(r.Header, "Transfer-Encoding")
		r.TransferEncoding = []string{"chunked"}
		r.ContentLength = -1
		return bodyChunked, nil
	case hasCL:
		r.ContentLength = n
		if n == 0 {
			return bodyNone, nil
		}
		return bodyLength, nil
	}
	r.ContentLength = -1
	return bodyClose, nil
}

// declareTrailer fills r.Trailer with the keys the Trailer header announces
// (values arrive after the body), as net/http does; keys that may not be
// trailers are skipped.
func declareTrailer(r *http.Response) {
	vals, ok := r.Header["Trailer"]
	if !ok {
		return
	}
	delete(r.Header, "Trailer")
	for _, v := range vals {
		for v != "" {
			var k string
			k, v, _ = strings.Cut(v, ",")
			k = http.CanonicalHeaderKey(strings.Trim(k, " \t"))
			if k == "" || forbiddenTrailer(k) {
				continue
			}
			if r.Trailer == nil {
				r.Trailer = http.Header{}
			}
			r.Trailer[k] = nil
		}
	}
}

func forbiddenTrailer(k string) bool {
	switch k {
	case "Content-Length", "Transfer-Encoding", "Trailer", "Host":
		return true
	}
	return false
}

// readTrailer reads the trailer section after the last chunk (field lines
// and the empty line) into r.Trailer, skipping fields that may not be
// trailers.
func readTrailer(br *bufio.Reader, r *http.Response) error {
	buf, err := h1wire.ReadTrailer(br, maxTrailerBytes)
	if errors.Is(err, h1wire.ErrTrailerTooLarge) {
		return badResponse("chunked trailer too large")
	}
	if err != nil || buf == nil {
		return err
	}
	fields, problem := h1wire.ParseFields(buf, 0, nil)
	if problem != "" {
		return badResponse(problem)
	}
	s := string(buf)
	for _, f := range fields {
		k := s[f.KS:f.KE]
		if forbiddenTrailer(k) {
			continue
		}
		if r.Trailer == nil {
			r.Trailer = http.Header{}
		}
		r.Trailer[k] = append(r.Trailer[k], s[f.VS:f.VE])
	}
	return nil
}
