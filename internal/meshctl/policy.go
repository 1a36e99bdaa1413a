package meshctl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/policy/compile"
	"github.com/wasmesh/wasmesh/policy/eval"
	yaml "go.yaml.in/yaml/v3"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		c := &cobra.Command{Use: "policy", Short: "Test and push Rego policies"}
		c.AddCommand(policyTest(e), policyPush(e))
		return c
	})
}

// caseFile is the request-fixture format of `meshctl policy test`.
type caseFile struct {
	// Entrypoint is the rule to query (default wasmesh/authz/allow).
	Entrypoint string `yaml:"entrypoint"`
	// Data is the data document loaded with the policy.
	Data  map[string]any `yaml:"data"`
	Cases []policyCase   `yaml:"cases"`
}

type policyCase struct {
	Name  string         `yaml:"name"`
	Input map[string]any `yaml:"input"`
	// Want is "allow" or "deny"; empty only prints the decision.
	Want string `yaml:"want"`
	// WantStatus, when set, is the denial status expected.
	WantStatus int `yaml:"wantStatus"`
}

type caseResult struct {
	Name     string        `json:"name"`
	Decision eval.Decision `json:"decision"`
	Want     string        `json:"want,omitempty"`
	Pass     bool          `json:"pass"`
}

func policyTest(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "test POLICY.rego CASES.yaml",
		Short: "Run a policy against request fixtures locally, as the proxy would",
		Long: `test compiles POLICY.rego to Wasm exactly as meshd does, evaluates it with the
proxy's evaluator for each case of CASES.yaml, and prints allow or deny per case.
CASES.yaml:

  entrypoint: wasmesh/authz/allow      # optional
  data: {}                             # optional data document
  cases:
  - name: frontend reads the API
    input: {source: {principal: spiffe://cluster.local/ns/shop/sa/frontend}, request: {method: GET, path: /api/books}}
    want: allow                        # allow | deny, optional
    wantStatus: 403                    # optional

It exits 1 when a case does not get what it wants.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return usageError{fmt.Errorf("policy test: %w", err)}
			}
			cf, err := loadCases(args[1])
			if err != nil {
				return usageError{err}
			}
			results, err := runCases(cmd.Context(), args[0], src, cf)
			if err != nil {
				return failure{err}
			}
			failed := 0
			for _, r := range results {
				if !r.Pass {
					failed++
				}
			}
			if err := printResults(e, results); err != nil {
				return err
			}
			if failed > 0 {
				return failure{fmt.Errorf("policy test: %d of %d cases did not get what they want", failed, len(results))}
			}
			return nil
		},
	}
}

func loadCases(path string) (*caseFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy test: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var cf caseFile
	if err := dec.Decode(&cf); err != nil {
		return nil, fmt.Errorf("policy test: %s: %w", path, err)
	}
	if len(cf.Cases) == 0 {
		return nil, fmt.Errorf("policy test: %s has no cases", path)
	}
	for i, c := range cf.Cases {
		if c.Want != "" && c.Want != "allow" && c.Want != "deny" {
			return nil, fmt.Errorf("policy test: %s: cases[%d] (%s): want must be allow or deny, got %q", path, i, c.Name, c.Want)
		}
	}
	if cf.Entrypoint == "" {
		cf.Entrypoint = api.DefaultPolicyEntrypoint
	}
	return &cf, nil
}

// runCases compiles the policy as meshd does and evaluates every case with
// the proxy's evaluator.
func runCases(ctx context.Context, file string, src []byte, cf *caseFile) ([]caseResult, error) {
	var data []byte
	if cf.Data != nil {
		var err error
		if data, err = json.Marshal(cf.Data); err != nil {
			return nil, fmt.Errorf("policy test: data: %w", err)
		}
	}
	pol, err := compile.Compile(ctx, compile.Request{
		Modules:     []compile.Module{{File: file, Source: string(src)}},
		Data:        data,
		Entrypoints: []string{cf.Entrypoint},
	})
	if err != nil {
		return nil, err
	}
	engine, err := eval.New(ctx, eval.Config{})
	if err != nil {
		return nil, err
	}
	defer engine.Close(ctx)
	p, err := engine.Load(ctx, pol.Wasm, pol.Data)
	if err != nil {
		return nil, err
	}
	results := make([]caseResult, 0, len(cf.Cases))
	for i, c := range cf.Cases {
		input, err := json.Marshal(c.Input)
		if err != nil {
			return nil, fmt.Errorf("policy test: cases[%d] (%s): input: %w", i, c.Name, err)
		}
		out, err := p.Eval(ctx, cf.Entrypoint, input)
		if err != nil {
			return nil, fmt.Errorf("policy test: cases[%d] (%s): %w", i, c.Name, err)
		}
		d, err := eval.DecodeDecision(out)
		if err != nil {
			return nil, fmt.Errorf("policy test: cases[%d] (%s): %w", i, c.Name, err)
		}
		r := caseResult{Name: c.Name, Decision: d, Want: c.Want, Pass: true}
		if c.Want != "" {
			r.Pass = (c.Want == "allow") == d.Allow
		}
		if c.WantStatus != 0 && d.Status != c.WantStatus {
			r.Pass = false
		}
		results = append(results, r)
	}
	return results, nil
}

func printResults(e *env, results []caseResult) error {
	switch e.output {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	case "yaml":
		return yaml.NewEncoder(e.stdout).Encode(results)
	case "table", "":
	default:
		return usageError{errors.New("-o must be table, json or yaml")}
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tDECISION\tSTATUS\tREASON\tRESULT")
	for _, r := range results {
		decision, status := "allow", "-"
		if !r.Decision.Allow {
			decision, status = "deny", fmt.Sprint(r.Decision.Status)
		}
		verdict := "ok"
		switch {
		case !r.Pass:
			verdict = "FAIL (want " + r.Want + ")"
		case r.Want == "":
			verdict = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, decision, status, orDash(r.Decision.Reason), verdict)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
