package meshctl

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/cobra"
)

const modulePath = "github.com/wasmesh/wasmesh"

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		c := &cobra.Command{Use: "filter", Short: "Write, build and push Go proxy-wasm filters"}
		c.AddCommand(filterInit(e), filterBuild(e), filterPush(e))
		return c
	})
}

var filterName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

func filterInit(e *env) *cobra.Command {
	var sdk string
	c := &cobra.Command{
		Use:   "init NAME [DIR]",
		Short: "Create a new Go filter project with a test",
		Long: `init writes a filter project: main.go (a filter that adds a response header),
main_test.go (runs the same test body natively on the host emulator and as the compiled
.wasm on wasmesh's real Wasm host), and go.mod. The project builds
with 'meshctl filter build' (standard Go, GOOS=wasip1) and tests with 'go test'.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			name := args[0]
			if !filterName.MatchString(name) {
				return usageError{fmt.Errorf("filter init: name %q must be lowercase letters, digits and dashes, starting with a letter", name)}
			}
			dir := name
			if len(args) == 2 {
				dir = args[1]
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return failure{fmt.Errorf("filter init: %s is not empty; choose a new directory", dir)}
			}
			if sdk == "" {
				var err error
				if sdk, err = findSDK(); err != nil {
					return usageError{fmt.Errorf("filter init: %w; pass --sdk with the path of a wasmesh checkout", err)}
				}
			}
			sdkAbs, err := filepath.Abs(sdk)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			data := map[string]string{"Name": name, "Module": "example.com/filters/" + name, "SDK": sdkAbs, "Header": "x-" + name}
			for file, tmpl := range filterTemplates {
				var b bytes.Buffer
				if err := template.Must(template.New(file).Delims("<<", ">>").Parse(tmpl)).Execute(&b, data); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, file), b.Bytes(), 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stdout, "created filter %q in %s\nnext:\n  cd %s && go mod tidy && go test ./...\n  meshctl filter build %s\n", name, dir, dir, dir)
			return nil
		},
	}
	c.Flags().StringVar(&sdk, "sdk", "", "path of the wasmesh checkout providing the SDK (default: found from the current directory)")
	return c
}

// findSDK walks up from the working directory to the wasmesh module root.
func findSDK() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no wasmesh checkout above the current directory")
		}
		dir = parent
	}
}

func filterBuild(e *env) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "build [DIR]",
		Short: "Build a Go filter to a proxy-wasm module (GOOS=wasip1, -buildmode=c-shared)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(abs, filepath.Base(abs)+".wasm")
			}
			if out, err = filepath.Abs(out); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "building %s (GOOS=wasip1 GOARCH=wasm) ...\n", dir)
			build := exec.CommandContext(cmd.Context(), "go", "build", "-buildmode=c-shared", "-o", out, ".")
			build.Dir = abs
			build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
			if msg, err := build.CombinedOutput(); err != nil {
				return failure{fmt.Errorf("filter build: %w\n%s", err, strings.TrimSpace(string(msg)))}
			}
			b, err := os.ReadFile(out)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			fmt.Fprintf(e.stdout, "%s\t%d bytes\tsha256:%s\n", out, len(b), hex.EncodeToString(sum[:]))
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "O", "", "module file to write (default DIR/<dir name>.wasm)")
	return c
}

// filterTemplates are the files of a new filter project, with << >> as
// template delimiters since Go composite literals are full of braces.
var filterTemplates = map[string]string{
	"go.mod": `module <<.Module>>

go 1.26

require github.com/wasmesh/wasmesh v0.0.0

replace github.com/wasmesh/wasmesh => <<.SDK>>
`,
	"main.go": `// Command <<.Name>> is a proxy-wasm filter for wasmesh, written in standard Go.
//
// Build: meshctl filter build   (or GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o <<.Name>>.wasm .)
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

type stream struct{ types.DefaultHttpContext }

// OnHttpResponseHeaders adds a header to every response.
func (*stream) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader("<<.Header>>", "hello"); err != nil {
		proxywasm.LogErrorf("<<.Name>>: adding header: %v", err)
	}
	return types.ActionContinue
}
`,
	"main_test.go": `package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxytest"
	"github.com/wasmesh/wasmesh/test/conformance/dual"
)

// TestAddsHeader runs twice: natively, and as the compiled module on the real host.
func TestAddsHeader(t *testing.T) {
	dual.Run(t, dual.Filter{Package: ".", VMContext: &vm{}}, func(t *testing.T, h proxytest.HostEmulator) {
		if h.StartVM() != types.OnVMStartStatusOK || h.StartPlugin() != types.OnPluginStartStatusOK {
			t.Fatal("plugin did not start")
		}
		id := h.InitializeHttpContext()
		h.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}, {":path", "/"}}, true)
		if a := h.CallOnResponseHeaders(id, [][2]string{{":status", "200"}}, false); a != types.ActionContinue {
			t.Fatalf("response headers: %v", a)
		}
		if got := h.GetCurrentResponseHeaders(id); !slices.Contains(got, [2]string{"<<.Header>>", "hello"}) {
			t.Errorf("response headers %v lack <<.Header>>", got)
		}
		h.CompleteHttpContext(id)
	})
}
`,
}
