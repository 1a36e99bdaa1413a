package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pushCount reads how many pushes meshd made, by reason.
func pushCount(t *testing.T, base, reason string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	prefix := `pilot_push_duration_seconds_count{reason="` + reason + `"} `
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, prefix); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// A burst of config changes is pushed once it settles, not once per change.
func TestBurstIsDebounced(t *testing.T) {
	_, base := startServer(t)
	before := pushCount(t, base, "config")
	for i := range 10 {
		if code, body := apply(t, base, vsYAML(90-i, 10+i)); code != http.StatusOK && code != http.StatusCreated {
			t.Fatalf("apply: %d %s", code, body)
		}
	}
	time.Sleep(400 * time.Millisecond) // > MaxDebounce of the test server
	pushes := pushCount(t, base, "config") - before
	if pushes < 1 || pushes > 4 {
		t.Errorf("10 quick changes caused %d pushes, want 1-4", pushes)
	}
}
