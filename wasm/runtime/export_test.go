package runtime

import (
	"context"

	"github.com/tetratelabs/wazero"
)

// newUncheckedRuntime is a compiler runtime without termination checks, for
// the cost comparison benchmark only.
func newUncheckedRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
}
