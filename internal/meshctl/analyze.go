package meshctl

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/config"
)

// analysis is analyze's result.
type analysis struct {
	Source   string           `json:"source"`
	Configs  int              `json:"configs"`
	Errors   []config.Error   `json:"errors,omitempty"`
	Warnings []config.Warning `json:"warnings,omitempty"`
}

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var files []string
		c := &cobra.Command{
			Use:   "analyze [-f FILE|DIR|-]...",
			Short: "Validate configs offline, or report meshd's config status",
			Long: `With -f, analyze decodes and validates the files on this machine exactly as meshd
would (strict fields, defaults, every rule) and then checks references between
them (hosts, subsets, gateways). Without -f it asks meshd (--meshd) for the state
of its store: the last load error and the current warnings.
Errors are printed as file:line: field: message; analyze exits 1 when there is any.
Warnings (references that do not resolve yet) do not change the exit code.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := e.checkOutput(); err != nil {
					return err
				}
				var a analysis
				if len(files) == 0 {
					st, err := e.configClient().Status(cmd.Context())
					if err != nil {
						return e.reach(err)
					}
					a = analysis{Source: "meshd " + e.meshd + " (version " + st.Version + ")", Configs: st.Configs, Errors: st.Errors, Warnings: st.Warnings}
				} else {
					inputs, err := readInputs(e.stdin, files)
					if err != nil {
						return err
					}
					a = analyzeOffline(inputs)
				}
				if ok, err := e.structured(a); ok {
					if err != nil {
						return err
					}
				} else {
					for _, x := range a.Errors {
						fmt.Fprintf(e.stdout, "error: %s\n", x.Error())
					}
					for _, w := range a.Warnings {
						fmt.Fprintf(e.stdout, "warning: %s\n", w.Error())
					}
					if len(a.Errors) == 0 {
						fmt.Fprintf(e.stdout, "%s: %d configs valid, %d warnings\n", a.Source, a.Configs, len(a.Warnings))
					}
				}
				if len(a.Errors) > 0 {
					return failure{fmt.Errorf("analyze: %d errors in %s; nothing with an error would be applied", len(a.Errors), a.Source)}
				}
				return nil
			},
		}
		c.Flags().StringSliceVarP(&files, "filename", "f", nil, "file, directory or - for stdin (repeatable); none: ask meshd")
		return c
	})
}

// analyzeOffline decodes and validates every input, then analyzes the
// valid configs together.
func analyzeOffline(inputs []input) analysis {
	a := analysis{Source: fmt.Sprintf("%d files", len(inputs))}
	var entries []config.Entry
	for _, in := range inputs {
		cfgs, err := config.DecodeFile(in.name, in.data)
		var list config.ErrorList
		if errors.As(err, &list) {
			a.Errors = append(a.Errors, list...)
		} else if err != nil {
			a.Errors = append(a.Errors, config.Error{File: in.name, Message: err.Error()})
		}
		for _, c := range cfgs {
			entries = append(entries, config.Entry{Config: c, Origin: config.Origin{File: in.name}})
		}
	}
	snap, err := config.NewSnapshot(entries, nil)
	var list config.ErrorList
	if errors.As(err, &list) {
		a.Errors = append(a.Errors, list...)
	} else if err != nil {
		a.Errors = append(a.Errors, config.Error{Message: err.Error()})
	}
	if snap != nil {
		a.Configs = len(snap.All())
		a.Warnings = config.Analyze(snap, config.AnalyzeOptions{})
	} else {
		a.Configs = len(entries)
	}
	return a
}
