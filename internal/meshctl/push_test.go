package meshctl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFilterPush(t *testing.T) {
	meshd, _ := startMeshd(t)
	dir := t.TempDir()
	mod := filepath.Join(dir, "hello.wasm")
	// the smallest valid module: magic and version
	body := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	os.WriteFile(mod, body, 0o644)
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])

	out, errs, code := run(t, "", "--meshd", meshd, "filter", "push", mod, "--app", "productpage")
	if code != 0 {
		t.Fatalf("push: %d %s", code, errs)
	}
	for _, want := range []string{"sha256:" + digest, "kind: WasmPlugin", "name: hello", "app: productpage", "/modules/" + digest} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	// the store serves the module by digest
	resp, err := http.Get("http://" + meshd + "/modules/" + digest)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(body) {
		t.Errorf("stored module differs: %x", got)
	}
	// the printed WasmPlugin is valid config
	snippet := out[strings.Index(out, "apiVersion"):]
	if _, errs, code := run(t, snippet, "--meshd", meshd, "apply", "-f", "-"); code != 0 {
		t.Errorf("applying the snippet: %s", errs)
	}
	os.WriteFile(mod, []byte("not wasm"), 0o644)
	if _, errs, code := run(t, "", "--meshd", meshd, "filter", "push", mod); code != exitUsage || !strings.Contains(errs, "filter build") {
		t.Errorf("not wasm: %d %s", code, errs)
	}
}

func TestPolicyPush(t *testing.T) {
	meshd, _ := startMeshd(t)
	pol := "../../examples/policies/frontend-only.rego"
	out, errs, code := run(t, "", "--meshd", meshd, "policy", "push", pol, "--selector", "app=web", "-n", "shop")
	if code != 0 || !strings.Contains(out, "Policy shop/frontend-only configured") {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	out, _, _ = run(t, "", "--meshd", meshd, "get", "Policy", "frontend-only", "-n", "shop", "-o", "yaml")
	if !strings.Contains(out, "app: web") || !strings.Contains(out, "wasmesh.authz") {
		t.Errorf("stored Policy:\n%s", out)
	}
	broken := filepath.Join(t.TempDir(), "broken.rego")
	os.WriteFile(broken, []byte("package wasmesh.authz\n\nallow if {\n  input.x ==\n}\n"), 0o644)
	_, errs, code = run(t, "", "--meshd", meshd, "policy", "push", broken)
	if code != exitFailure || !strings.Contains(errs, "broken.rego:") || !strings.Contains(errs, "nothing applied") {
		t.Errorf("broken: %d %s", code, errs)
	}
	if out, _, _ := run(t, "", "--meshd", meshd, "get", "Policy"); strings.Contains(out, "broken") {
		t.Errorf("broken policy stored:\n%s", out)
	}
	if _, errs, code := run(t, "", "--meshd", meshd, "policy", "push", pol, "--selector", "app"); code != exitUsage || !strings.Contains(errs, "key=value") {
		t.Errorf("bad selector: %d %s", code, errs)
	}
}

func TestLogs(t *testing.T) {
	meshd, _ := startMeshd(t)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	batch := `[{"time":"` + now + `","reporter":"destination","source":"productpage","destination":"reviews-v1","service":"reviews.default.svc.cluster.local","method":"GET","path":"/reviews/0","code":200,"durationMs":3},
{"time":"` + now + `","reporter":"destination","source":"productpage","destination":"ratings-v1","service":"ratings.default.svc.cluster.local","method":"GET","path":"/ratings/0","code":403,"reason":"denied by policy","durationMs":1}]`
	resp, err := http.Post("http://"+meshd+"/v1/report", "application/json", strings.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("report: %s", resp.Status)
	}
	out, errs, code := run(t, "", "--meshd", meshd, "logs")
	if code != 0 || !strings.Contains(out, "reviews.default") || !strings.Contains(out, "denied by policy") {
		t.Errorf("logs: %d %s %s", code, out, errs)
	}
	out, _, _ = run(t, "", "--meshd", meshd, "logs", "--code", "400")
	if strings.Contains(out, "reviews.default") || !strings.Contains(out, "403") {
		t.Errorf("logs --code 400:\n%s", out)
	}
	out, _, _ = run(t, "", "--meshd", meshd, "logs", "--service", "reviews", "-o", "json")
	if !strings.Contains(out, `"path": "/reviews/0"`) || strings.Contains(out, "ratings") {
		t.Errorf("logs --service:\n%s", out)
	}
}

// TestLogsFollow: -f prints records that arrive while it polls, once each.
func TestLogsFollow(t *testing.T) {
	meshd, _ := startMeshd(t)
	post := func(path string) {
		rec := `[{"time":"` + time.Now().UTC().Format(time.RFC3339Nano) + `","reporter":"destination","source":"a","destination":"b","service":"web","method":"GET","path":"` + path + `","code":200}]`
		resp, err := http.Post("http://"+meshd+"/v1/report", "application/json", strings.NewReader(rec))
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
	}
	post("/first")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	go func() {
		time.Sleep(400 * time.Millisecond)
		post("/second")
	}()
	var out, errb bytes.Buffer
	code := Run(ctx, []string{"--meshd", meshd, "logs", "-f", "--interval", "100ms"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errb.String())
	}
	if strings.Count(out.String(), "/first") != 1 || strings.Count(out.String(), "/second") != 1 {
		t.Errorf("follow output:\n%s", out.String())
	}
}
