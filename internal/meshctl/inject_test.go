package meshctl

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestInjectStdin(t *testing.T) {
	in := "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: web, image: x}]\n"
	out, errs, code := run(t, in, "inject", "-f", "-")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	if !strings.Contains(out, "name: meshproxy") || !strings.Contains(errs, "injected Pod/web: manual injection") {
		t.Errorf("out=%s\nerr=%s", out, errs)
	}
	again, _, code := run(t, out, "inject", "-f", "-")
	if code != 0 || again != out {
		t.Errorf("second injection changed the manifest:\n%s", again)
	}
}

func TestInjectErrors(t *testing.T) {
	if _, errs, code := run(t, "", "inject"); code != exitUsage || !strings.Contains(errs, "-f is required") {
		t.Errorf("no -f: code %d %s", code, errs)
	}
	if _, errs, code := run(t, "", "inject", "-f", "/nonexistent.yaml"); code == 0 || !strings.Contains(errs, "check the path") {
		t.Errorf("missing file: code %d %s", code, errs)
	}
	bad := "kind: Pod\nmetadata: {name: p, annotations: {sidecar.istio.io/proxyCPU: lots}}\nspec: {containers: [{name: a}]}\n"
	if _, errs, code := run(t, bad, "inject", "-f", "-"); code != exitFailure || !strings.Contains(errs, "proxyCPU") {
		t.Errorf("bad annotation: code %d %s", code, errs)
	}
	if out, _, code := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "wasmesh ") {
		t.Errorf("version: %d %q", code, out)
	}
}
