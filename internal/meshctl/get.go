package meshctl

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/config"
	yaml "go.yaml.in/yaml/v3"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var ns string
		c := &cobra.Command{
			Use:   "get KIND [NAME]",
			Short: "List configs of a kind, or show one",
			Long: `get lists the configs of KIND in meshd's store (all namespaces unless -n), or
with NAME shows one (namespace "default" unless -n). -o yaml prints the stored
YAML, -o json the same as JSON.`,
			Args: cobra.RangeArgs(1, 2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := e.checkOutput(); err != nil {
					return err
				}
				kind, err := resolveKind(args[0])
				if err != nil {
					return err
				}
				var raw []byte
				if len(args) == 2 {
					if ns == "" {
						ns = "default"
					}
					raw, err = e.configClient().Get(cmd.Context(), kind, ns, args[1])
					if errors.Is(err, config.ErrNotFound) {
						return failure{fmt.Errorf("get: %s %s/%s not found; list them with 'meshctl get %s'", kind, ns, args[1], kind)}
					}
				} else {
					raw, err = e.configClient().List(cmd.Context(), kind, ns)
				}
				if err != nil {
					return e.reach(err)
				}
				docs, err := yamlDocs(raw)
				if err != nil {
					return failure{fmt.Errorf("get: meshd's answer: %w", err)}
				}
				if e.output == "yaml" {
					_, err := e.stdout.Write(raw)
					return err
				}
				if ok, err := e.structured(docs); ok {
					return err
				}
				if len(docs) == 0 {
					fmt.Fprintf(e.stderr, "no %s found\n", kind)
					return nil
				}
				var rows [][]string
				for _, d := range docs {
					m, _ := d["metadata"].(map[string]any)
					rows = append(rows, []string{fmt.Sprint(m["namespace"]), fmt.Sprint(m["name"]), fmt.Sprint(m["resourceVersion"])})
				}
				return table(e.stdout, "NAMESPACE\tNAME\tVERSION", rows)
			},
		}
		c.Flags().StringVarP(&ns, "namespace", "n", "", "namespace")
		return c
	})
}

// yamlDocs decodes multi-document YAML into generic maps.
func yamlDocs(raw []byte) ([]map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []map[string]any
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if m != nil {
			out = append(out, m)
		}
	}
}
