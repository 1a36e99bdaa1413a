package oci

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRef(t *testing.T) {
	d := "sha256:" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		in   string
		want Ref
	}{
		{"oci://ghcr.io/acme/filter:1.0", Ref{"ghcr.io", "acme/filter", "1.0", ""}},
		{"ghcr.io/acme/filter", Ref{"ghcr.io", "acme/filter", "latest", ""}},
		{"oci://127.0.0.1:5000/filters/hello:v1", Ref{"127.0.0.1:5000", "filters/hello", "v1", ""}},
		{"oci://localhost/x@" + d, Ref{"localhost", "x", "", d}},
		{"oci://[::1]:5000/a/b:t@" + strings.ToUpper(d[:7]) + d[7:], Ref{"[::1]:5000", "a/b", "t", d}},
		{"filter", Ref{"docker.io", "library/filter", "latest", ""}},
		{"acme/filter:2", Ref{"docker.io", "acme/filter", "2", ""}},
		{"registry.example.com:443/a/b/c-d_e.f:v1.2-rc_3", Ref{"registry.example.com:443", "a/b/c-d_e.f", "v1.2-rc_3", ""}},
	} {
		got, err := ParseRef(tc.in)
		if err != nil {
			t.Errorf("ParseRef(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseRef(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		again, err := ParseRef(got.String())
		if err != nil || again != got {
			t.Errorf("ParseRef(%q) = %+v, %v; want the same ref back", got.String(), again, err)
		}
	}
}

func TestParseRefErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://ghcr.io/a/b", "scheme must be oci://"},
		{"oci://ghcr.io/a/b@sha256:12", "digest must be sha256"},
		{"oci://ghcr.io/a/b@md5:" + strings.Repeat("0", 32), "digest must be sha256"},
		{"oci://ghcr.io/A/b", `repository component "A"`},
		{"oci://ghcr.io/a//b", `repository component ""`},
		{"oci://ghcr.io/a/b:-x", `tag "-x"`},
		{"oci://ghcr.io:0/a", `bad port "0"`},
		{"oci://ghcr.io:99999/a", `bad port`},
		{"oci://gh_cr.io/a", `bad host`},
		{"oci://[1.2.3.4]/a", "not an IPv6 address"},
		{"oci://ghcr.io/", "no repository"},
		{"oci://ghcr.io/a/b:", `tag ""`},
	} {
		_, err := ParseRef(tc.in)
		if !errors.Is(err, ErrBadRef) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRef(%q) = %v, want ErrBadRef containing %q", tc.in, err, tc.want)
		}
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"oci://ghcr.io/acme/filter:1.0", "filter", "oci://[::1]:5000/a/b:t@sha256:" + strings.Repeat("0", 64),
		"localhost:5000/x", "a/b/c:d@e", "oci://", "@", ":", "oci://h:/a", "[::1]/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !errors.Is(err, ErrBadRef) {
				t.Fatalf("ParseRef(%q): error %v is not ErrBadRef", s, err)
			}
			return
		}
		if r.Registry == "" || r.Repository == "" || (r.Tag == "" && r.Digest == "") {
			t.Fatalf("ParseRef(%q) = %+v: incomplete", s, r)
		}
		again, err := ParseRef(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRef(%q) = %+v; its String %q parses to %+v, %v", s, r, r.String(), again, err)
		}
	})
}
