package compile_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/policy/cases"
	"github.com/wasmesh/wasmesh/policy/compile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden compiles every policy of the differential corpus and compares
// what Compile reports about it (entrypoints, host builtins, referenced
// input fields) with testdata/compile/<name>.golden.json.
func TestGolden(t *testing.T) {
	files, err := cases.Glob("../testdata/cases/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			file, src, err := f.Source()
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.DataJSON()
			if err != nil {
				t.Fatal(err)
			}
			p, err := compile.Compile(context.Background(), compile.Request{
				Modules:     []compile.Module{{File: filepath.Base(file), Source: src}},
				Data:        data,
				Entrypoints: []string{f.Entrypoint},
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(struct {
				Entrypoints []string `json:"entrypoints"`
				Builtins    []string `json:"builtins"`
				Fields      any      `json:"fields"`
			}{p.Entrypoints, p.Builtins, p.Fields}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("..", "testdata", "compile", strings.TrimSuffix(filepath.Base(f.Path), ".yaml")+".golden.json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs:\n got: %s\nwant: %s", golden, got, want)
			}
		})
	}
}
