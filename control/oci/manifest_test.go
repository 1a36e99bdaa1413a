package oci

import (
	"errors"
	"strings"
	"testing"
)

var testDigest = "sha256:" + strings.Repeat("0", 64)

func TestDecodeManifest(t *testing.T) {
	layer := `{"mediaType":"` + MediaTypeWasmLayer + `","size":8,"digest":"` + testDigest + `"}`
	cfg := `"config":{"mediaType":"` + MediaTypeWasmConfig + `","size":2,"digest":"` + testDigest + `"}`
	good := `{"schemaVersion":2,"mediaType":"` + MediaTypeOCIManifest + `",` + cfg + `,"layers":[` + layer + `]}`
	m, err := DecodeManifest([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if d, f, err := m.WasmLayer(); err != nil || f != FormatArtifact || d.Size != 8 {
		t.Errorf("WasmLayer = %+v, %q, %v", d, f, err)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"schemaVersion":1,` + cfg + `,"layers":[` + layer + `]}`, "schemaVersion 1, want 2"},
		{`{"schemaVersion":2,"manifests":[]}`, "an image index"},
		{`{"schemaVersion":2,"mediaType":"` + MediaTypeDockerList + `"}`, "an image index"},
		{`{"schemaVersion":2,"mediaType":"text/plain",` + cfg + `,"layers":[` + layer + `]}`, `media type "text/plain"`},
		{`{"schemaVersion":2,` + cfg + `,"layers":[]}`, "no layers"},
		{`{"schemaVersion":2,` + cfg + `,"layers":[{"mediaType":"x","size":-1,"digest":"` + testDigest + `"}]}`, "layers[0]: negative size"},
		{`{"schemaVersion":2,` + cfg + `,"layers":[{"mediaType":"x","size":1,"digest":"sha512:00"}]}`, "layers[0]: digest"},
		{`{"schemaVersion":2,"config":{},"layers":[` + layer + `]}`, "config: no mediaType"},
		{good + `x`, "data after the JSON object"},
		{`[`, "unexpected EOF"},
	} {
		_, err := DecodeManifest([]byte(tc.in))
		if !errors.Is(err, ErrBadManifest) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DecodeManifest(%s) = %v, want ErrBadManifest containing %q", tc.in, err, tc.want)
		}
	}
}

func TestWasmLayer(t *testing.T) {
	d := func(mt string) Descriptor { return Descriptor{MediaType: mt, Digest: testDigest} }
	for _, tc := range []struct {
		name   string
		m      Manifest
		format Format
		err    string
	}{
		{"artifact", Manifest{Config: d("application/json"), Layers: []Descriptor{d("x"), d(MediaTypeWasmLayer)}}, FormatArtifact, ""},
		{"compat oci", Manifest{Config: d("c"), Layers: []Descriptor{d(MediaTypeOCILayerGzip)}}, FormatCompat, ""},
		{"compat docker", Manifest{Config: d("c"), Layers: []Descriptor{d(MediaTypeDockerLayer)}}, FormatCompat, ""},
		{"two wasm layers", Manifest{Config: d("c"), Layers: []Descriptor{d(MediaTypeWasmLayer), d(MediaTypeWasmLayer)}}, "", "2 Wasm layers, want one"},
		{"wasm config only", Manifest{Config: d(MediaTypeWasmConfig), Layers: []Descriptor{d(MediaTypeOCILayerGzip)}}, "", "Wasm config but no"},
		{"two tar layers", Manifest{Config: d("c"), Layers: []Descriptor{d(MediaTypeDockerLayer), d(MediaTypeDockerLayer)}}, "", "want one " + MediaTypeWasmLayer},
		{"container image", Manifest{Config: d("c"), Layers: []Descriptor{d("application/vnd.oci.image.layer.v1.tar+zstd")}}, "", "tar+zstd"},
	} {
		_, f, err := tc.m.WasmLayer()
		if tc.err == "" && (err != nil || f != tc.format) {
			t.Errorf("%s: %q, %v; want %q", tc.name, f, err, tc.format)
		}
		if tc.err != "" && (!errors.Is(err, ErrNotWasm) || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %v, want ErrNotWasm containing %q", tc.name, err, tc.err)
		}
	}
}

func TestParseChallenge(t *testing.T) {
	s, p, err := ParseChallenge(`Bearer realm="https://auth.example/token",service="reg.example", scope="repository:a/b:pull,push" , error="x\"y"`)
	if err != nil {
		t.Fatal(err)
	}
	if s != "bearer" || p["realm"] != "https://auth.example/token" || p["service"] != "reg.example" || p["scope"] != "repository:a/b:pull,push" || p["error"] != `x"y` {
		t.Errorf("got %q %q", s, p)
	}
	if s, p, err := ParseChallenge(`Basic realm=registry`); err != nil || s != "basic" || p["realm"] != "registry" {
		t.Errorf("basic: %q %q %v", s, p, err)
	}
	for _, bad := range []string{``, `Bearer realm="x`, `Bearer =x`, `"x" realm=y`, `Bearer realm`} {
		if _, _, err := ParseChallenge(bad); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("ParseChallenge(%q) = %v, want an error", bad, err)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"config":{"mediaType":"c","size":2,"digest":"` + testDigest + `"},"layers":[{"mediaType":"` + MediaTypeWasmLayer + `","size":8,"digest":"` + testDigest + `"}]}`))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[]}`))
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"` + MediaTypeDockerManifest + `","config":{"mediaType":"c","size":0,"digest":"` + testDigest + `"},"layers":[{"mediaType":"` + MediaTypeDockerLayer + `","size":1,"digest":"` + testDigest + `"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeManifest(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error %v is not ErrBadManifest", err)
			}
			return
		}
		if m.SchemaVersion != 2 || len(m.Layers) == 0 {
			t.Fatalf("accepted %+v", m)
		}
		for _, l := range m.Layers {
			if l.Size < 0 || !digestRE.MatchString(l.Digest) {
				t.Fatalf("accepted layer %+v", l)
			}
		}
		if d, _, err := m.WasmLayer(); err == nil && d.MediaType == "" {
			t.Fatalf("WasmLayer picked %+v", d)
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	for _, s := range []string{`Bearer realm="https://a/t",service="s",scope="repository:a:pull"`, `Basic realm="r"`, `Bearer realm="a\"b"`, `x y=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scheme, params, err := ParseChallenge(s)
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("error %v is not ErrUnauthorized", err)
			}
			return
		}
		if scheme == "" || scheme != strings.ToLower(scheme) || params == nil {
			t.Fatalf("ParseChallenge(%q) = %q, %v", s, scheme, params)
		}
	})
}

func FuzzDecodeIndex(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"` + MediaTypeOCIIndex + `","manifests":[{"mediaType":"` + MediaTypeOCIManifest + `","size":10,"digest":"` + testDigest + `","platform":{"os":"wasip1","architecture":"wasm"}}]}`))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"` + MediaTypeDockerManifest + `","size":1,"digest":"` + testDigest + `","platform":{"os":"unknown","architecture":"unknown"}},{"mediaType":"` + MediaTypeDockerManifest + `","size":1,"digest":"` + testDigest + `"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeIndex(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("error %v is not ErrBadManifest", err)
			}
			return
		}
		if d, err := x.Image(); err == nil && !digestRE.MatchString(d.Digest) {
			t.Fatalf("Image picked %+v", d)
		} else if err != nil && !errors.Is(err, ErrNotWasm) {
			t.Fatalf("Image error %v is not ErrNotWasm", err)
		}
		_ = isIndex("", b)
	})
}
