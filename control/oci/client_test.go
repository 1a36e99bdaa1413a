package oci_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/oci"
	"github.com/wasmesh/wasmesh/control/oci/ocitest"
)

// module is a Wasm binary module (the header and a custom section naming it).
func module(name string) []byte {
	b := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00, byte(1 + len(name)), byte(len(name))}
	return append(b, name...)
}

func pull(t *testing.T, c *oci.Client, ref string) (*oci.Module, error) {
	t.Helper()
	r, err := oci.ParseRef(ref)
	if err != nil {
		t.Fatal(err)
	}
	return c.Pull(context.Background(), r)
}

func TestPullBothFormats(t *testing.T) {
	for _, auth := range []ocitest.Auth{ocitest.Anonymous, ocitest.Token} {
		reg := ocitest.New(t, ocitest.Options{Auth: auth})
		art, compat := module("artifact"), module("compat")
		artDigest := reg.PushArtifact("filters/a", "v1", art)
		compatDigest := reg.PushCompat("filters/c", "v1", compat)
		c := oci.New(oci.Options{})
		for _, tc := range []struct {
			ref    string
			want   []byte
			format oci.Format
			digest string
		}{
			{"oci://" + reg.Host() + "/filters/a:v1", art, oci.FormatArtifact, artDigest},
			{reg.Host() + "/filters/c:v1", compat, oci.FormatCompat, compatDigest},
			{"oci://" + reg.Host() + "/filters/a@" + artDigest, art, oci.FormatArtifact, artDigest},
			{"oci://" + reg.Host() + "/filters/c:v1@" + compatDigest, compat, oci.FormatCompat, compatDigest},
		} {
			m, err := pull(t, c, tc.ref)
			if err != nil {
				t.Errorf("auth %d: %s: %v", auth, tc.ref, err)
				continue
			}
			if !bytes.Equal(m.Wasm, tc.want) || m.Format != tc.format || m.Digest != tc.digest {
				t.Errorf("auth %d: %s: got %q %s %s, want %q %s %s", auth, tc.ref, m.Wasm, m.Format, m.Digest, tc.want, tc.format, tc.digest)
			}
		}
	}
}

func TestPullCredentials(t *testing.T) {
	for _, auth := range []ocitest.Auth{ocitest.Token, ocitest.Basic} {
		reg := ocitest.New(t, ocitest.Options{Auth: auth, Username: "u", Password: "p"})
		reg.PushArtifact("f", "v1", module("x"))
		ref := "oci://" + reg.Host() + "/f:v1"
		creds := func(pass string) func(string) (oci.Credentials, bool) {
			return func(r string) (oci.Credentials, bool) {
				return oci.Credentials{Username: "u", Password: pass}, r == reg.Host()
			}
		}
		if _, err := pull(t, oci.New(oci.Options{Credentials: creds("p")}), ref); err != nil {
			t.Errorf("auth %d with credentials: %v", auth, err)
		}
		for _, c := range []*oci.Client{oci.New(oci.Options{}), oci.New(oci.Options{Credentials: creds("wrong")})} {
			_, err := pull(t, c, ref)
			if !errors.Is(err, oci.ErrUnauthorized) || !strings.Contains(err.Error(), ref) {
				t.Errorf("auth %d: %v, want ErrUnauthorized naming %s", auth, err, ref)
			}
		}
	}
}

func TestPullTLS(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	reg.PushArtifact("f", "v1", module("tls"))
	// a TLS front for the same registry: https is tried first and kept
	srv := httptest.NewTLSServer(reg.Handler())
	defer srv.Close()
	ref := "oci://" + strings.TrimPrefix(srv.URL, "https://") + "/f:v1"
	m, err := pull(t, oci.New(oci.Options{HTTPClient: srv.Client()}), ref)
	if err != nil || !bytes.Equal(m.Wasm, module("tls")) {
		t.Fatalf("%s: %v", ref, err)
	}
	// without the test CA the certificate is refused: no silent fallback
	if _, err := pull(t, oci.New(oci.Options{}), ref); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestPullErrors(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{Auth: ocitest.Token})
	host := reg.Host()
	good := reg.PushArtifact("f", "v1", module("good"))

	// a manifest served under a digest it does not hash to
	reg.SetManifest("f", "sha256:"+strings.Repeat("1", 64), "application/vnd.oci.image.manifest.v1+json", []byte(`{}`))
	// a layer whose blob differs from its descriptor
	cfg := reg.PutBlob(oci.MediaTypeWasmConfig, []byte("{}"))
	layer := reg.PutBlob(oci.MediaTypeWasmLayer, module("aaaa"))
	reg.SetBlob(layer.Digest, module("bbbb"))
	reg.PushImage("f", "corrupt", cfg, layer)
	// a layer whose blob is missing
	reg.PushImage("f", "noblob", cfg, oci.Descriptor{MediaType: oci.MediaTypeWasmLayer, Size: 9, Digest: "sha256:" + strings.Repeat("2", 64)})
	// not Wasm images
	reg.PushImage("f", "container", cfg, reg.PutBlob("application/vnd.oci.image.layer.v1.tar+zstd", []byte("z")))
	reg.PushImage("f", "compat-empty", reg.PutBlob("application/vnd.oci.image.config.v1+json", []byte("{}")), reg.PutBlob(oci.MediaTypeOCILayerGzip, ocitest.CompatLayer(map[string][]byte{"other.wasm": module("o")})))
	reg.PushImage("f", "notwasm", cfg, reg.PutBlob(oci.MediaTypeWasmLayer, []byte("#!/bin/sh\n")))
	// too big, as a layer and inside a compat layer
	big := append(module("big"), make([]byte, 4096)...)
	reg.PushArtifact("f", "big", big)
	reg.PushCompat("f", "bigcompat", big)
	reg.PushManifest("f", "index", oci.MediaTypeOCIIndex, []byte(`{"schemaVersion":2,"manifests":[]}`))

	c := oci.New(oci.Options{MaxSize: 1024})
	for _, tc := range []struct {
		ref  string
		is   error
		want string
	}{
		{"f:v9", oci.ErrNotFound, `no such tag "v9"`},
		{"nope:v1", oci.ErrNotFound, `no such tag "v1" in repository nope`},
		{"f@sha256:" + strings.Repeat("3", 64), oci.ErrNotFound, "no manifest sha256:333"},
		{"f@sha256:" + strings.Repeat("1", 64), oci.ErrDigestMismatch, "hashes to sha256:44136fa"},
		{"f:v1@sha256:" + strings.Repeat("1", 64), oci.ErrDigestMismatch, "hashes to"},
		{"f:corrupt", oci.ErrDigestMismatch, "blob " + layer.Digest + " hashes to"},
		{"f:noblob", oci.ErrNotFound, "blob sha256:2222"},
		{"f:container", oci.ErrNotWasm, "tar+zstd"},
		{"f:compat-empty", oci.ErrNotWasm, "no plugin.wasm"},
		{"f:notwasm", oci.ErrNotWasm, "does not start with the Wasm binary header"},
		{"f:big", oci.ErrTooLarge, "limit 1024"},
		{"f:bigcompat", oci.ErrTooLarge, "plugin.wasm is 4110 bytes, limit 1024"},
		{"f:index", oci.ErrBadManifest, "index: no manifests"},
	} {
		ref := "oci://" + host + "/" + tc.ref
		_, err := pull(t, c, ref)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strings.SplitN(ref, "@", 2)[0]) {
			t.Errorf("%s: %v\nwant %v containing %q and the ref", tc.ref, err, tc.is, tc.want)
		}
	}
	if m, err := pull(t, c, "oci://"+host+"/f:v1"); err != nil || m.Digest != good {
		t.Errorf("good image after the errors: %v", err)
	}
}

func TestPullIndex(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	wasm := module("indexed")
	img := reg.PushArtifact("f", "", wasm)
	other := reg.PushArtifact("f", "", module("other"))
	att := reg.PushArtifact("f", "", module("attestation"))
	wasi := reg.Entry("f", img, &oci.Platform{OS: "wasip1", Architecture: "wasm"})
	unknown := reg.Entry("f", att, &oci.Platform{OS: "unknown", Architecture: "unknown"})
	linux := func(d, arch string) oci.IndexEntry {
		return reg.Entry("f", d, &oci.Platform{OS: "linux", Architecture: arch})
	}
	buildx := reg.PushIndex("f", "buildx", linux(img, "amd64"), unknown)
	reg.PushIndex("f", "multi", linux(other, "amd64"), wasi, unknown)
	reg.PushIndex("f", "linux", linux(img, "amd64"), linux(other, "arm64"))
	bad := wasi
	bad.Size++
	reg.PushIndex("f", "badsize", bad)

	c := oci.New(oci.Options{})
	for _, tag := range []string{"buildx", "multi"} {
		m, err := pull(t, c, "oci://"+reg.Host()+"/f:"+tag)
		if err != nil || !bytes.Equal(m.Wasm, wasm) {
			t.Errorf("%s: %v", tag, err)
		}
	}
	if m, err := pull(t, c, "oci://"+reg.Host()+"/f@"+buildx); err != nil || m.Digest != buildx {
		t.Errorf("index by digest: %v", err)
	}
	if _, err := pull(t, c, "oci://"+reg.Host()+"/f:linux"); !errors.Is(err, oci.ErrNotWasm) || !strings.Contains(err.Error(), "2 images, none for a Wasm platform (linux/amd64, linux/arm64)") {
		t.Errorf("linux-only index: %v", err)
	}
	if _, err := pull(t, c, "oci://"+reg.Host()+"/f:badsize"); !errors.Is(err, oci.ErrDigestMismatch) || !strings.Contains(err.Error(), "the index says") {
		t.Errorf("index entry of the wrong size: %v", err)
	}
}

func TestPlainHTTPRedirectRefused(t *testing.T) {
	reg := ocitest.New(t, ocitest.Options{})
	reg.PushArtifact("f", "v1", module("x"))
	// blobs redirect to plain http on a host that is neither loopback nor
	// listed: refused before any connection is made
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") {
			http.Redirect(w, r, "http://blobs.example.invalid/x", http.StatusTemporaryRedirect)
			return
		}
		reg.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	ref := "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/f:v1"
	if _, err := pull(t, oci.New(oci.Options{}), ref); !errors.Is(err, oci.ErrInsecure) || !strings.Contains(err.Error(), "blobs.example.invalid") {
		t.Errorf("redirect to plain http: %v, want ErrInsecure", err)
	}
}
