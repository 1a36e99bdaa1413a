package h1wire

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
)

// ErrTrailerTooLarge is returned by ReadTrailer for a trailer section over
// its limit.
var ErrTrailerTooLarge = errors.New("h1wire: chunked trailer too large")

// ParseContentLength parses a Content-Length value: decimal digits only, at
// most 18 of them.
func ParseContentLength(v string) (int64, bool) {
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// ShouldClose reports whether a connection ends after a message of HTTP/1.minor
// with header h: HTTP/1.0 unless it asks for keep-alive, HTTP/1.1 when it
// says close.
func ShouldClose(h http.Header, minor int) bool {
	conn, ok := h["Connection"]
	if minor == 0 {
		return !ok || !HasToken(conn, "keep-alive")
	}
	return ok && HasToken(conn, "close")
}

// HasToken reports whether a comma-separated header list holds tok
// (case-insensitive).
func HasToken(vals []string, tok string) bool {
	for _, v := range vals {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.Trim(t, " \t"), tok) {
				return true
			}
		}
	}
	return false
}

// ParseVersion parses "HTTP/x.y" with one digit each.
func ParseVersion(v []byte) (major, minor int, ok bool) {
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

// IndexLF returns the index of the first '\n' of b at or after from, or
// len(b).
func IndexLF(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] == '\n' {
			return i
		}
	}
	return len(b)
}

// IndexByte returns the index of the first c in b, or -1.
func IndexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// TrimCR drops one trailing '\r'.
func TrimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// IsCTL reports control bytes not allowed in field values (HTAB is allowed).
func IsCTL(c byte) bool { return (c < ' ' && c != '\t') || c == 0x7f }

// tokenTable marks the bytes allowed in a token (RFC 9110 section 5.6.2).
var tokenTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// IsToken reports whether c may appear in a token.
func IsToken(c byte) bool { return tokenTable[c] }

// ReadTrailer reads a chunked body's trailer section, up to and including
// its empty line (at most max bytes). It returns the section, nil when it
// holds no field line.
func ReadTrailer(br *bufio.Reader, max int) ([]byte, error) {
	var buf []byte
	start := 0
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > max {
			return nil, ErrTrailerTooLarge
		}
		buf = append(buf, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if line := buf[start:]; len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			break
		}
		start = len(buf)
	}
	if start == 0 {
		return nil, nil
	}
	return buf, nil
}
