package meshctl

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/internal/version"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print meshctl's version",
			Args:  cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error {
				_, err := fmt.Fprintln(e.stdout, version.String())
				return err
			},
		}
	})
}
