package meshctl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// wasmMagic starts every Wasm binary module.
var wasmMagic = []byte{0x00, 'a', 's', 'm'}

// pushResult is what filter push prints with -o json|yaml.
type pushResult struct {
	SHA256     string `json:"sha256"`
	URL        string `json:"url"`
	WasmPlugin string `json:"wasmPlugin"`
}

func filterPush(e *env) *cobra.Command {
	var name, namespace, app, phase string
	c := &cobra.Command{
		Use:   "push FILE.wasm",
		Short: "Upload a filter module to meshd's module store and print a WasmPlugin using it",
		Long: `push uploads FILE.wasm to meshd's content-addressed module store (PUT
/modules/<sha256>, so meshd verifies the digest) and prints the sha256 and a
WasmPlugin that deploys the module; apply it with 'meshctl apply -f -'.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.checkOutput(); err != nil {
				return err
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("filter push: %w", err)}
			}
			if !bytes.HasPrefix(b, wasmMagic) {
				return usageError{fmt.Errorf("filter push: %s is not a Wasm module; build it with 'meshctl filter build'", args[0])}
			}
			sum := sha256.Sum256(b)
			digest := hex.EncodeToString(sum[:])
			fmt.Fprintf(e.stderr, "uploading %s (%d bytes) to %s ...\n", args[0], len(b), e.meshd)
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPut, e.baseURL()+"/modules/"+digest, bytes.NewReader(b))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/wasm")
			resp, err := httpClient.Do(req)
			if err != nil {
				return e.reach(err)
			}
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
				return failure{fmt.Errorf("filter push: meshd answered %s: %s", resp.Status, strings.TrimSpace(string(body)))}
			}
			var stored struct {
				SHA256 string `json:"sha256"`
			}
			if err := json.Unmarshal(body, &stored); err != nil || strings.TrimPrefix(stored.SHA256, "sha256:") != digest {
				return failure{fmt.Errorf("filter push: meshd stored %q, want %s", stored.SHA256, digest)}
			}
			if name == "" {
				name = strings.TrimSuffix(filepath.Base(args[0]), ".wasm")
			}
			res := pushResult{SHA256: digest, URL: e.baseURL() + "/modules/" + digest,
				WasmPlugin: wasmPluginYAML(name, namespace, app, phase, e.baseURL()+"/modules/"+digest, digest)}
			if ok, err := e.structured(res); ok {
				return err
			}
			fmt.Fprintf(e.stdout, "sha256:%s\n---\n%s", digest, res.WasmPlugin)
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", "WasmPlugin name (default: the file name)")
	c.Flags().StringVarP(&namespace, "namespace", "n", "default", "WasmPlugin namespace")
	c.Flags().StringVar(&app, "app", "", "select workloads with label app=APP (default: every workload of the namespace)")
	c.Flags().StringVar(&phase, "phase", "STATS", "filter phase: AUTHN, AUTHZ, STATS or UNSPECIFIED_PHASE")
	return c
}

func wasmPluginYAML(name, namespace, app, phase, url, digest string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n", name, namespace)
	if app != "" {
		fmt.Fprintf(&b, "  selector:\n    matchLabels:\n      app: %s\n", app)
	}
	fmt.Fprintf(&b, "  url: %s\n  sha256: %s\n  phase: %s\n", url, digest, phase)
	return b.String()
}
