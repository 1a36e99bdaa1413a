package meshctl

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/inject"
	"sigs.k8s.io/yaml"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var file, meshConfig, out string
		c := &cobra.Command{
			Use:   "inject -f app.yaml",
			Short: "Add the meshproxy sidecar to the workloads in a manifest",
			Long: `inject reads Kubernetes manifests (Deployments, StatefulSets, DaemonSets,
ReplicaSets, Jobs, CronJobs, Pods; multi-document YAML) and writes them with the
meshproxy sidecar and its traffic-capture init container added. Injecting twice
changes nothing. Pods annotated sidecar.istio.io/inject: "false" are left alone.`,
			Example: "  meshctl inject -f app.yaml | kubectl apply -f -\n  meshctl inject -f - < app.yaml",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if file == "" {
					return usageError{fmt.Errorf("inject: -f is required (a file, or - for stdin)")}
				}
				src, err := readInput(e, file)
				if err != nil {
					return err
				}
				cfg := inject.DefaultConfig()
				if meshConfig != "" {
					b, err := os.ReadFile(meshConfig)
					if err != nil {
						return err
					}
					if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
						return usageError{fmt.Errorf("inject: mesh config %s: %w", meshConfig, err)}
					}
				}
				res, results, err := inject.Manifest(src, cfg)
				if err != nil {
					return failure{fmt.Errorf("%w\nFix the manifest (or the annotation named) and run inject again", err)}
				}
				for _, r := range results {
					verb := "skipped"
					if r.Decision.Inject {
						verb = "injected"
					}
					fmt.Fprintf(e.stderr, "%s %s/%s: %s\n", verb, r.Kind, r.Name, r.Decision.Reason)
				}
				if out != "" && out != "-" {
					return os.WriteFile(out, res, 0o644)
				}
				_, err = e.stdout.Write(res)
				return err
			},
		}
		c.Flags().StringVarP(&file, "filename", "f", "", "manifest to inject (- for stdin)")
		c.Flags().StringVar(&meshConfig, "mesh-config", "", "YAML with the injector settings (image, proxyUID, discoveryAddress, ...)")
		c.Flags().StringVar(&out, "out", "", "write the result to this file instead of stdout")
		return c
	})
}

// readInput reads a file, or stdin for "-".
func readInput(e *env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(e.stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("%w (check the path given to -f)", err)
	}
	return b, nil
}
