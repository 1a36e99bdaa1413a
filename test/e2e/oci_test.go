package e2e

import (
	"os"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/oci/ocitest"
	"github.com/wasmesh/wasmesh/test/fixture"
)

// TestWasmPluginFromOCIRegistry pushes the hello filter to a registry on
// loopback (behind the bearer-token flow) as a Wasm OCI artifact and as a
// compat image, and applies WasmPlugins naming them (the compat image by a
// scheme-less reference pinned by digest): meshd pulls each
// image in the background, stores the module and pushes it, and every
// sidecar adds the filter's header.
func TestWasmPluginFromOCIRegistry(t *testing.T) {
	wasm, err := os.ReadFile(fixture.BuildWasm(t, t.TempDir(), "examples/filters/hello"))
	if err != nil {
		t.Fatal(err)
	}
	reg := ocitest.New(t, ocitest.Options{Auth: ocitest.Token})
	reg.PushArtifact("filters/hello", "v1", wasm)
	compat := reg.PushCompat("filters/hello-compat", "v1", wasm)
	m := startMesh(t, "--local-modules")

	m.write("hello-oci.yaml", plugin("hello-oci", "oci://"+reg.Host()+"/filters/hello:v1", "artifact"))
	t.Logf("Wasm OCI artifact active after: %v", m.waitGreeting(t, "artifact", 30*time.Second))

	m.write("hello-compat.yaml", plugin("hello-compat", reg.Host()+"/filters/hello-compat:v1@"+compat, "compat"))
	t.Logf("compat image (scheme-less URL pinned by digest) active after: %v", m.waitGreeting(t, "compat", 30*time.Second))
	if n := reg.ManifestGets("filters/hello"); n != 1 {
		t.Errorf("the artifact's manifest was fetched %d times, want once (IfNotPresent, cached by reference)", n)
	}
}
