package meshctl

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/configapi"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var files []string
		c := &cobra.Command{
			Use:   "apply -f FILE|DIR|-",
			Short: "Create or update configs in meshd's store",
			Long: `apply sends the YAML/JSON documents of each file (every *.yaml, *.yml and *.json
below a directory, or stdin with -f -) to meshd's config API. meshd validates them
as a whole file: nothing of a file with an error is applied, and every error comes
back as file:line: field: message. It exits 1 when any file was refused.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if len(files) == 0 {
					return usageError{errors.New("apply: -f FILE|DIR|- is required")}
				}
				if err := e.checkOutput(); err != nil {
					return err
				}
				inputs, err := readInputs(e.stdin, files)
				if err != nil {
					return err
				}
				var all []configapi.AppliedConfig
				var warnings []config.Warning
				refused := 0
				for _, in := range inputs {
					res, err := e.configClient().Apply(cmd.Context(), in.name, in.data)
					var list config.ErrorList
					switch {
					case errors.As(err, &list):
						refused++
						fmt.Fprintf(e.stderr, "%s refused, nothing of it applied:\n", in.name)
						for _, x := range list {
							fmt.Fprintf(e.stderr, "  %s\n", x.Error())
						}
						continue
					case err != nil:
						return e.reach(err)
					}
					all = append(all, res.Applied...)
					warnings = res.Warnings
				}
				for _, w := range warnings {
					fmt.Fprintf(e.stderr, "warning: %s\n", w.Error())
				}
				if ok, err := e.structured(all); ok {
					if err != nil {
						return err
					}
				} else {
					for _, a := range all {
						fmt.Fprintf(e.stdout, "%s %s/%s configured (version %s)\n", a.Kind, a.Namespace, a.Name, a.ResourceVersion)
					}
				}
				if refused > 0 {
					return failure{fmt.Errorf("apply: %d of %d files refused; fix the errors above and apply again", refused, len(inputs))}
				}
				return nil
			},
		}
		c.Flags().StringSliceVarP(&files, "filename", "f", nil, "file, directory or - for stdin (repeatable)")
		return c
	})
}

type input struct {
	name string
	data []byte
}

// readInputs reads the files, the config files below directories, or stdin for "-".
func readInputs(stdin io.Reader, paths []string) ([]input, error) {
	var out []input
	for _, p := range paths {
		if p == "-" {
			b, err := io.ReadAll(stdin)
			if err != nil {
				return nil, failure{fmt.Errorf("reading stdin: %w", err)}
			}
			out = append(out, input{"<stdin>", b})
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, usageError{err}
		}
		if !st.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, usageError{err}
			}
			out = append(out, input{p, b})
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if f != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(f)) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			out = append(out, input{f, b})
			return nil
		})
		if err != nil {
			return nil, usageError{err}
		}
		if len(out) == n {
			return nil, usageError{fmt.Errorf("%s holds no *.yaml, *.yml or *.json file", p)}
		}
	}
	return out, nil
}
