package meshctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodVS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
`

const badVS = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: broken, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      weight: -5
`

func TestApplyGetDelete(t *testing.T) {
	meshd, _ := startMeshd(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte(goodVS), 0o644)
	os.WriteFile(bad, []byte(badVS), 0o644)

	out, errs, code := run(t, "", "--meshd", meshd, "apply", "-f", good)
	if code != 0 || !strings.Contains(out, "VirtualService default/reviews configured") {
		t.Fatalf("apply: code %d\n%s\n%s", code, out, errs)
	}
	// the route names a subset no DestinationRule defines: a warning
	if !strings.Contains(errs, "warning: ") || !strings.Contains(errs, "v1") {
		t.Errorf("apply warnings: %s", errs)
	}
	out, errs, code = run(t, "", "--meshd", meshd, "apply", "-f", bad)
	if code != exitFailure || !strings.Contains(errs, bad+":9: spec.http[0].route[0].weight") {
		t.Errorf("bad apply: code %d\n%s\n%s", code, out, errs)
	}
	out, errs, code = run(t, goodVS, "--meshd", meshd, "apply", "-f", "-", "-o", "json")
	if code != 0 || !strings.Contains(out, `"name": "reviews"`) {
		t.Errorf("apply stdin: %d %s %s", code, out, errs)
	}

	out, _, code = run(t, "", "--meshd", meshd, "get", "virtualservices")
	if code != 0 || !strings.Contains(out, "NAMESPACE") || !strings.Contains(out, "reviews") || strings.Contains(out, "broken") {
		t.Errorf("get list: %d\n%s", code, out)
	}
	out, _, code = run(t, "", "--meshd", meshd, "get", "VirtualService", "reviews", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "subset: v1") {
		t.Errorf("get yaml: %d\n%s", code, out)
	}
	if _, errs, code := run(t, "", "--meshd", meshd, "get", "virtualservice", "nope"); code != exitFailure || !strings.Contains(errs, "not found") {
		t.Errorf("get missing: %d %s", code, errs)
	}
	if _, errs, code := run(t, "", "--meshd", meshd, "get", "gizmo"); code != exitUsage || !strings.Contains(errs, "known kinds") {
		t.Errorf("get unknown kind: %d %s", code, errs)
	}

	out, errs, code = run(t, "", "--meshd", meshd, "delete", "VirtualService", "reviews")
	if code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %s %s", code, out, errs)
	}
	if _, errs, code := run(t, "", "--meshd", meshd, "delete", "VirtualService", "reviews"); code != exitFailure || !strings.Contains(errs, "not found") {
		t.Errorf("delete twice: %d %s", code, errs)
	}
	out, _, _ = run(t, "", "--meshd", meshd, "get", "VirtualService", "-o", "json")
	if strings.Contains(out, "reviews") {
		t.Errorf("still listed after delete: %s", out)
	}

	// meshd not running: the error says what to do
	if _, errs, code := run(t, "", "--meshd", "127.0.0.1:1", "get", "VirtualService"); code != exitFailure || !strings.Contains(errs, "point --meshd") {
		t.Errorf("unreachable: %d %s", code, errs)
	}
}

func TestAnalyze(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte(goodVS), 0o644)
	os.WriteFile(bad, []byte(badVS+"---\n"+strings.Replace(badVS, "weight: -5", "weight: 200", 1)), 0o644)

	out, errs, code := run(t, "", "analyze", "-f", good)
	if code != 0 || !strings.Contains(out, "1 configs valid") || !strings.Contains(out, "warning: ") {
		t.Errorf("good: %d %s %s", code, out, errs)
	}
	out, errs, code = run(t, "", "analyze", "-f", dir)
	if code != exitFailure {
		t.Fatalf("bad: code %d\n%s", code, out)
	}
	for _, want := range []string{bad + ":9: spec.http[0].route[0].weight", bad + ":19: spec.http[0].route[0].weight"} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "2 errors") {
		t.Errorf("summary: %s", errs)
	}

	meshd, _ := startMeshd(t)
	run(t, "", "--meshd", meshd, "apply", "-f", good)
	out, errs, code = run(t, "", "--meshd", meshd, "analyze", "-o", "json")
	if code != 0 || !strings.Contains(out, `"configs": 1`) || !strings.Contains(out, `"warnings"`) {
		t.Errorf("against meshd: %d %s %s", code, out, errs)
	}
}
