package meshctl

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/config"
)

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var ns string
		c := &cobra.Command{
			Use:   "delete KIND NAME",
			Short: "Delete a config from meshd's store",
			Args:  cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				kind, err := resolveKind(args[0])
				if err != nil {
					return err
				}
				err = e.configClient().Delete(cmd.Context(), kind, ns, args[1])
				switch {
				case errors.Is(err, config.ErrNotFound):
					return failure{fmt.Errorf("delete: %s %s/%s not found; list them with 'meshctl get %s -n %s'", kind, ns, args[1], kind, ns)}
				case errors.Is(err, config.ErrNotWritable):
					return failure{fmt.Errorf("delete: %w; edit the file in meshd's config directory instead", err)}
				case err != nil:
					return e.reach(err)
				}
				fmt.Fprintf(e.stdout, "%s %s/%s deleted\n", kind, ns, args[1])
				return nil
			},
		}
		c.Flags().StringVarP(&ns, "namespace", "n", "default", "namespace")
		return c
	})
}
