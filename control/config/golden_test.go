package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// TestGolden decodes testdata/*.in.yaml (valid configs of every kind) and
// compares the decoded, defaulted configs, written back as YAML, with
// *.out.yaml.
func TestGolden(t *testing.T) {
	ins, _ := filepath.Glob("testdata/*.in.yaml")
	if len(ins) == 0 {
		t.Fatal("no testdata/*.in.yaml")
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			cfgs, err := DecodeFile(filepath.Base(in), data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			var out bytes.Buffer
			for i, c := range cfgs {
				b, err := yaml.Marshal(c)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 {
					out.WriteString("---\n")
				}
				out.Write(b)
			}
			golden := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs from decoded output; got:\n%s", golden, out.String())
			}
			// The output must decode to the same configs (round trip).
			again, err := DecodeFile(golden, out.Bytes())
			if err != nil {
				t.Fatalf("re-decode: %v", err)
			}
			if len(again) != len(cfgs) {
				t.Fatalf("re-decoded %d configs, want %d", len(again), len(cfgs))
			}
		})
	}
}
