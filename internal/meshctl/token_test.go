package meshctl

import (
	"strings"
	"testing"
)

func TestTokenCreate(t *testing.T) {
	meshd, _ := startMeshdCA(t)
	out, errs, code := run(t, "", "--meshd", meshd, "token", "create", "-n", "bookinfo", "--service-account", "reviews")
	if code != 0 || len(strings.TrimSpace(out)) < 16 || strings.Contains(strings.TrimSpace(out), "\n") {
		t.Fatalf("token create: %d %q %s", code, out, errs)
	}
	if _, errs, code := run(t, "", "--meshd", meshd, "token", "create"); code != exitUsage || !strings.Contains(errs, "--service-account") {
		t.Errorf("no sa: %d %s", code, errs)
	}
	// without a CA meshd cannot mint
	plain, _ := startMeshd(t)
	if _, errs, code := run(t, "", "--meshd", plain, "token", "create", "--service-account", "x"); code != exitFailure || !strings.Contains(errs, "--secure-xds-address") {
		t.Errorf("no CA: %d %s", code, errs)
	}
}
