package oci

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseDockerConfig(t *testing.T) {
	b := []byte(`{"auths":{
		"https://index.docker.io/v1/":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("hub:se:cret")) + `"},
		"Reg.Example:5000":{"username":"u","password":"p"},
		"empty.example":{}}}`)
	d, err := ParseDockerConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	for reg, want := range map[string]Credentials{
		"docker.io":         {"hub", "se:cret"},
		"reg.example:5000":  {"u", "p"},
		"REG.EXAMPLE:5000":  {"u", "p"},
		"reg.example":       {},
		"empty.example":     {},
		"registry.other.io": {},
	} {
		got, ok := d.Lookup(reg)
		if ok != (want != Credentials{}) || got != want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v", reg, got, ok, want)
		}
	}
	for _, bad := range []string{`{"auths":{"r":{"auth":"!!"}}}`, `{"auths":{"r":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("nocolon")) + `"}}}`, `[`} {
		if _, err := ParseDockerConfig([]byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "oci: docker config") {
			t.Errorf("ParseDockerConfig(%s) = %v, want an error", bad, err)
		}
	}
}

func FuzzParseDockerConfig(f *testing.F) {
	f.Add([]byte(`{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"r:1":{"username":"u","password":"p"}}}`))
	f.Add([]byte(`{"auths":{"r":{"auth":"bm9jb2xvbg=="}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDockerConfig(b)
		if err != nil {
			return
		}
		for k, c := range d {
			if k != registryKey(k) || (c == Credentials{}) {
				t.Fatalf("entry %q = %+v", k, c)
			}
		}
	})
}
