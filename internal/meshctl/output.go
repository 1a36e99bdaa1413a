package meshctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	yaml "go.yaml.in/yaml/v3"
)

// checkOutput rejects an unknown -o value before a command does any work.
func (e *env) checkOutput() error {
	switch e.output {
	case "", "table", "json", "yaml":
		return nil
	}
	return usageError{fmt.Errorf("-o must be table, json or yaml, got %q", e.output)}
}

// structured writes v as JSON or YAML when -o asks for it and reports
// whether it did; the caller prints its table otherwise.
func (e *env) structured(v any) (bool, error) {
	switch e.output {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return true, enc.Encode(v)
	case "yaml":
		// through JSON, so json tags name the fields
		b, err := json.Marshal(v)
		if err != nil {
			return true, err
		}
		var generic any
		if err := json.Unmarshal(b, &generic); err != nil {
			return true, err
		}
		return true, yaml.NewEncoder(e.stdout).Encode(generic)
	case "table", "":
		return false, nil
	}
	return true, usageError{errors.New("-o must be table, json or yaml")}
}

// table writes rows under a header, columns aligned.
func table(w io.Writer, header string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, orDash(c))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
