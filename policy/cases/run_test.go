package cases

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmesh/wasmesh/policy/compile"
)

func TestRunCorpus(t *testing.T) {
	files, err := Glob("../testdata/cases/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files[:3] {
		results, err := Run(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(results) != len(f.Cases) {
			t.Fatalf("%s: %d results for %d cases", f.Name, len(results), len(f.Cases))
		}
		for _, r := range results {
			if !r.Pass {
				t.Errorf("%s/%s: %s", f.Name, r.Case, r.Detail)
			}
		}
	}
}

func TestRunReportsFailuresAndDecisions(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	body := `policy: |
  package p

  decision := {"allow": false, "status": 401, "reason": "who?"} if not input.user

  decision := {"allow": true} if input.user
entrypoint: p/decision
cases:
  - name: anonymous
    input: {}
    want: {allow: false, status: 401, reason: "who?"}
  - name: wrong want
    input: {user: bob}
    want: {allow: false}
  - name: wrong undefined
    input: {user: bob}
    undefined: true
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if !results[0].Pass || results[0].Decision.Allow || results[0].Decision.Status != 401 || results[0].Decision.Reason != "who?" {
		t.Errorf("anonymous: %+v", results[0])
	}
	if results[1].Pass || results[1].Detail == "" || !results[1].Decision.Allow {
		t.Errorf("wrong want passed: %+v", results[1])
	}
	if results[2].Pass {
		t.Errorf("wrong undefined passed: %+v", results[2])
	}

	f.Policy = "package p\n\ndecision := nosuch(1)\n"
	var errs compile.Errors
	if _, err := Run(context.Background(), f); !errors.As(err, &errs) || errs[0].Line != 3 {
		t.Errorf("bad policy: err = %v", err)
	}
}
