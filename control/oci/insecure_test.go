package oci

import (
	"context"
	"errors"
	"testing"
)

func TestPlainAllowed(t *testing.T) {
	c := New(Options{Insecure: []string{"reg.internal:5000", " Mirror.Local "}})
	for host, want := range map[string]bool{
		"127.0.0.1:5000": true, "[::1]:80": true, "localhost:1": true, "127.9.9.9": true,
		"reg.internal:5000": true, "reg.internal:5001": false, "mirror.local:443": true, "mirror.local": true,
		"ghcr.io": false, "10.0.0.1:5000": false, "[::2]:5000": false,
	} {
		if got := c.plainAllowed(host); got != want {
			t.Errorf("plainAllowed(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPlainHTTPRealmRefused(t *testing.T) {
	c := New(Options{})
	ref, _ := ParseRef("oci://ghcr.io/a/b:1")
	_, err := c.authorize(context.Background(), ref, `Bearer realm="http://auth.example/token",service="x"`, "repository:a/b:pull")
	if !errors.Is(err, ErrInsecure) {
		t.Errorf("plain http token service: %v, want ErrInsecure", err)
	}
}
