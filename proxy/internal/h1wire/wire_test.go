package h1wire

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParseContentLength(t *testing.T) {
	for v, want := range map[string]int64{"0": 0, "1024": 1024, "007": 7, "999999999999999999": 999999999999999999} {
		if n, ok := ParseContentLength(v); !ok || n != want {
			t.Errorf("%q: %d %v, want %d", v, n, ok, want)
		}
	}
	for _, v := range []string{"", "-1", "+1", "1 ", "0x10", "1000000000000000000", "1,2"} {
		if _, ok := ParseContentLength(v); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestShouldClose(t *testing.T) {
	for _, c := range []struct {
		conn  []string
		minor int
		want  bool
	}{
		{nil, 1, false}, {[]string{"close"}, 1, true}, {[]string{"Keep-Alive, Close"}, 1, true},
		{nil, 0, true}, {[]string{"keep-alive"}, 0, false}, {[]string{"upgrade"}, 0, true},
	} {
		h := http.Header{}
		if c.conn != nil {
			h["Connection"] = c.conn
		}
		if got := ShouldClose(h, c.minor); got != c.want {
			t.Errorf("Connection %q HTTP/1.%d: %v, want %v", c.conn, c.minor, got, c.want)
		}
	}
}

func TestParseVersion(t *testing.T) {
	if ma, mi, ok := ParseVersion([]byte("HTTP/1.1")); !ok || ma != 1 || mi != 1 {
		t.Errorf("HTTP/1.1: %d.%d %v", ma, mi, ok)
	}
	for _, v := range []string{"HTTP/1.10", "HTTP/1", "http/1.1", "HTTP/a.1", "HTTP/1,1"} {
		if _, _, ok := ParseVersion([]byte(v)); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestReadTrailer(t *testing.T) {
	read := func(s string, max int) ([]byte, error) {
		return ReadTrailer(bufio.NewReaderSize(strings.NewReader(s), 16), max)
	}
	if b, err := read("\r\nrest", 64); err != nil || b != nil {
		t.Errorf("empty trailer: %q %v", b, err)
	}
	if b, err := read("A: 1\r\nBee: a longer value than the buffer\r\n\r\nrest", 128); err != nil || string(b) != "A: 1\r\nBee: a longer value than the buffer\r\n\r\n" {
		t.Errorf("two fields: %q %v", b, err)
	}
	if _, err := read("A: 1\r\nB: 2\r\n\r\n", 8); !errors.Is(err, ErrTrailerTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := read("A: 1\r\n", 64); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut short: %v", err)
	}
}
