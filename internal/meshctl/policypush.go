package meshctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/policy/compile"
	"sigs.k8s.io/yaml"
)

func policyPush(e *env) *cobra.Command {
	var name, namespace, entrypoint string
	var selector []string
	c := &cobra.Command{
		Use:   "push POLICY.rego",
		Short: "Apply a Rego policy to the mesh as a policy.wasmesh.io Policy",
		Long: `push compiles POLICY.rego here first (as meshd will, so Rego errors come back as
file:line before anything is sent), then applies a Policy holding the Rego inline
through meshd's config API. meshd compiles it to Wasm and the authz filter of the
selected workloads enforces it.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.checkOutput(); err != nil {
				return err
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("policy push: %w", err)}
			}
			labels := map[string]string{}
			for _, s := range selector {
				k, v, ok := strings.Cut(s, "=")
				if !ok || k == "" {
					return usageError{fmt.Errorf("policy push: --selector %q must be key=value", s)}
				}
				labels[k] = v
			}
			if name == "" {
				name = strings.TrimSuffix(filepath.Base(args[0]), ".rego")
			}
			ep := entrypoint
			if ep == "" {
				ep = api.DefaultPolicyEntrypoint
			}
			fmt.Fprintf(e.stderr, "compiling %s (entrypoint %s) ...\n", args[0], ep)
			if _, err := compile.Compile(cmd.Context(), compile.Request{
				Modules: []compile.Module{{File: args[0], Source: string(src)}}, Entrypoints: []string{ep},
			}); err != nil {
				return failure{fmt.Errorf("policy push: nothing applied:\n%w", err)}
			}
			spec := &api.Policy{Rego: string(src), Entrypoint: entrypoint}
			if len(labels) > 0 {
				spec.Selector = &api.LabelSelector{MatchLabels: labels}
			}
			cfg, _ := api.NewConfig(api.KindPolicy, namespace, name)
			cfg.Spec = spec
			doc, err := yaml.Marshal(cfg)
			if err != nil {
				return err
			}
			res, err := e.configClient().Apply(cmd.Context(), args[0]+" (as Policy)", doc)
			var list config.ErrorList
			if errors.As(err, &list) {
				return failure{fmt.Errorf("policy push: meshd refused the Policy:\n%w", list)}
			}
			if err != nil {
				return e.reach(err)
			}
			if ok, err := e.structured(res); ok {
				return err
			}
			for _, a := range res.Applied {
				fmt.Fprintf(e.stdout, "Policy %s/%s configured (version %s)\n", a.Namespace, a.Name, a.ResourceVersion)
			}
			return nil
		},
	}
	c.Flags().StringVar(&name, "name", "", "Policy name (default: the file name)")
	c.Flags().StringVarP(&namespace, "namespace", "n", "default", "Policy namespace")
	c.Flags().StringSliceVar(&selector, "selector", nil, "workload labels key=value (repeatable; default: every workload of the namespace)")
	c.Flags().StringVar(&entrypoint, "entrypoint", "", "rule to query (default "+api.DefaultPolicyEntrypoint+")")
	return c
}
