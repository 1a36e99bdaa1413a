package meshctl

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // the command ran and found problems (analyze errors, failed requests)
	exitUsage    = 2 // bad flags or arguments
	exitInternal = 3
)

// usageError marks errors caused by how the command was called.
type usageError struct{ error }

// env is what every subcommand gets: its streams and global flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	meshd          string // meshd's HTTP admin address (host:port)
	output         string // table | json | yaml
}

// Run executes meshctl with args and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "meshctl",
		Short:         "Operate a wasmesh service mesh",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&e.meshd, "meshd", "127.0.0.1:15014", "meshd's monitoring/API address")
	root.PersistentFlags().StringVarP(&e.output, "output", "o", "table", "output format: table, json or yaml")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, add := range commands {
		root.AddCommand(add(e))
	}
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "meshctl: %v\nRun 'meshctl --help' for usage.\n", err)
		return exitUsage
	case errors.As(err, new(failure)):
		fmt.Fprintf(stderr, "meshctl: %v\n", err)
		return exitFailure
	default:
		fmt.Fprintf(stderr, "meshctl: %v\n", err)
		return exitInternal
	}
}

// failure marks a command that ran but whose result is negative.
type failure struct{ error }

// commands is filled by each subcommand's file in its init.
var commands []func(*env) *cobra.Command
