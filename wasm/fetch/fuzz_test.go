package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

// FuzzParseURI checks that any string either fails with a typed error or yields a URI the
// fetcher can use: a supported scheme, an absolute file path or an http(s) host that is not
// always refused.
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"file:///var/lib/wasm/m.wasm", "http://127.0.0.1:8080/m.wasm", "https://example.com/a.wasm",
		"oci://ghcr.io/x/y:1", "http://169.254.169.254/", "http://[fe80::1%25eth0]/", "http://[::ffff:a9fe:a9fe]/",
		"http://metadata.google.internal./", "file://host/x", "HTTP://EXAMPLE.com", "%", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ParseURI(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidURI) && !errors.Is(err, ErrNotSupported) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		switch u.Scheme {
		case "file":
			if u.Path == "" || u.Path[0] != '/' {
				t.Fatalf("file uri %q accepted without an absolute path", raw)
			}
		case "http", "https":
			host := u.Hostname()
			if host == "" || blockedName(host) != "" {
				t.Fatalf("http uri %q accepted with host %q", raw, host)
			}
			if ip, err := netip.ParseAddr(host); err == nil && blockedIP(ip, true) != "" {
				t.Fatalf("http uri %q accepted with refused ip %s", raw, ip)
			}
		default:
			t.Fatalf("scheme %q accepted", u.Scheme)
		}
	})
}
