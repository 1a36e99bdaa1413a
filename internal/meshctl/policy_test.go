package meshctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPolicyTest(t *testing.T) {
	pol, cases := "../../examples/policies/frontend-only.rego", "../../examples/policies/frontend-only.cases.yaml"
	out, errs, code := run(t, "", "policy", "test", pol, cases)
	if code != 0 {
		t.Fatalf("code %d: %s\n%s", code, errs, out)
	}
	for _, want := range []string{
		"frontend reads the API   allow", "frontend may not delete  deny      403",
		"only the frontend may GET /api/*", "batch job is refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A case that wants the wrong thing fails the command.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("cases:\n- name: wrong\n  input: {request: {method: GET}}\n  want: allow\n"), 0o644)
	out, _, code = run(t, "", "policy", "test", pol, bad)
	if code != exitFailure || !strings.Contains(out, "FAIL (want allow)") {
		t.Errorf("mismatch: code %d\n%s", code, out)
	}
	// Rego errors come back with file and line.
	broken := filepath.Join(dir, "broken.rego")
	os.WriteFile(broken, []byte("package wasmesh.authz\n\nallow if {\n  input.x ==\n}\n"), 0o644)
	_, errs, code = run(t, "", "policy", "test", broken, cases)
	if code != exitFailure || !strings.Contains(errs, "broken.rego:") {
		t.Errorf("broken policy: code %d: %s", code, errs)
	}
	os.WriteFile(bad, []byte("cases:\n- name: x\n  want: maybe\n"), 0o644)
	if _, errs, code := run(t, "", "policy", "test", pol, bad); code != exitUsage || !strings.Contains(errs, "want must be allow or deny") {
		t.Errorf("bad want: %d %s", code, errs)
	}
	if out, _, code := run(t, "", "policy", "test", pol, cases, "-o", "json"); code != 0 || !strings.Contains(out, `"pass": true`) {
		t.Errorf("json: %d %s", code, out)
	}
}
