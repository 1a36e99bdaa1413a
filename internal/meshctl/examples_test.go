package meshctl

import (
	"strings"
	"testing"
)

// TestBookinfoExamples: the demo's config files are valid and its Rego
// does what its cases say.
func TestBookinfoExamples(t *testing.T) {
	dir := "../../examples/bookinfo/"
	out, errs, code := run(t, "", "analyze", "-f", dir+"canary.yaml", "-f", dir+"ratings-fault.yaml", "-f", dir+"productpage-authz.yaml")
	if code != 0 || !strings.Contains(out, "3 configs valid") {
		t.Errorf("analyze: %d\n%s%s", code, out, errs)
	}
	out, errs, code = run(t, "", "policy", "test", dir+"no-admin.rego", dir+"no-admin.cases.yaml")
	if code != 0 || !strings.Contains(out, "the admin pages are closed") {
		t.Errorf("policy test: %d\n%s%s", code, out, errs)
	}
}
