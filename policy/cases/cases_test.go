package cases

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("p.rego", "package p\n\nallow := true\n")
	good := write("good.yaml", `policyFile: p.rego
entrypoint: p/allow
data: {a: [1, 2]}
cases:
  - name: one
    input: {x: 1}
    want: {k: [true]}
  - name: two
    undefined: true
`)
	f, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	file, src, err := f.Source()
	if err != nil || file != filepath.Join(dir, "p.rego") || !strings.HasPrefix(src, "package p") {
		t.Fatalf("Source() = %q, %q, %v", file, src, err)
	}
	if d, _ := f.DataJSON(); string(d) != `{"a":[1,2]}` {
		t.Errorf("data = %s", d)
	}
	if in, _ := f.Cases[0].InputJSON(); string(in) != `{"x":1}` {
		t.Errorf("input = %s", in)
	}
	if w, ok, err := f.Cases[0].WantJSON(); !ok || err != nil || string(w) != `{"k":[true]}` {
		t.Errorf("want = %s, %v, %v", w, ok, err)
	}
	if in, _ := f.Cases[1].InputJSON(); in != nil {
		t.Errorf("absent input = %s", in)
	}
	if _, ok, _ := f.Cases[1].WantJSON(); ok {
		t.Error("absent want reported present")
	}
	if f.Name != "good" {
		t.Errorf("name = %q", f.Name)
	}

	for name, body := range map[string]string{
		"unknown field":    "policy: x\nentrypoint: p/allow\ncases: [{name: a}]\nextra: 1\n",
		"no policy":        "entrypoint: p/allow\ncases: [{name: a}]\n",
		"both policies":    "policy: x\npolicyFile: p.rego\nentrypoint: p/allow\ncases: [{name: a}]\n",
		"no entrypoint":    "policy: x\ncases: [{name: a}]\n",
		"no cases":         "policy: x\nentrypoint: p/allow\n",
		"unnamed case":     "policy: x\nentrypoint: p/allow\ncases: [{input: 1}]\n",
		"want + undefined": "policy: x\nentrypoint: p/allow\ncases: [{name: a, want: true, undefined: true}]\n",
	} {
		if _, err := Load(write("bad.yaml", body)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
