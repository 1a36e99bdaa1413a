package host

import (
	"context"
	"errors"
	"sync"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// ForeignFunc is a host function a guest calls by name with
// proxy_call_foreign_function. Its error reaches the guest as
// INTERNAL_FAILURE, or NOT_FOUND if it wraps ErrForeignNotFound.
type ForeignFunc func(ctx context.Context, args []byte) ([]byte, error)

// ErrForeignNotFound lets a ForeignFunc answer NOT_FOUND.
var ErrForeignNotFound = errors.New("host: foreign function result not found")

// ForeignRegistry holds the foreign functions the proxy offers guests.
type ForeignRegistry struct {
	mu  sync.RWMutex
	fns map[string]ForeignFunc
}

// NewForeignRegistry returns an empty registry.
func NewForeignRegistry() *ForeignRegistry { return &ForeignRegistry{fns: map[string]ForeignFunc{}} }

// Register adds (or replaces) the function called name.
func (r *ForeignRegistry) Register(name string, f ForeignFunc) {
	r.mu.Lock()
	r.fns[name] = f
	r.mu.Unlock()
}

// lookup finds the function named by the guest's bytes, without copying
// them.
func (r *ForeignRegistry) lookup(name []byte) (ForeignFunc, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.fns[string(name)]
	return f, ok
}

func foreignFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_call_foreign_function", i32s(6), func(in *instance, s []uint64) abi.Status {
			name, ok1 := view(in.mem, uint32(s[0]), uint32(s[1]))
			args, ok2 := readCopy(in.mem, uint32(s[2]), uint32(s[3]))
			if !ok1 || !ok2 || !guestRange(in.mem.Size(), uint32(s[4]), 4) || !guestRange(in.mem.Size(), uint32(s[5]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			f, ok := in.p.h.cfg.Foreign.lookup(name)
			if !ok {
				return abi.StatusNotFound
			}
			out, err := f(in.p.ctx, args)
			if errors.Is(err, ErrForeignNotFound) {
				return abi.StatusNotFound
			}
			if err != nil {
				in.p.log.Warn("host: foreign function failed", "name", string(name), "err", err)
				return abi.StatusInternalFailure
			}
			return in.returnBytes(out, uint32(s[4]), uint32(s[5]))
		}},
	}
}

// NotifyForeign delivers proxy_on_foreign_function(root, functionID,
// len(args)) to the root context of every live instance, asynchronously;
// during the callback the guest reads args as buffer
// FOREIGN_FUNCTION_ARGUMENTS. The embedder uses it to complete foreign
// operations that answer later.
func (p *Plugin) NotifyForeign(functionID uint32, args []byte) {
	args = append([]byte(nil), args...)
	for _, in := range p.pool.live() {
		in.tasks.push(func(in *instance) {
			in.runAsync(func() {
				in.foreignArgs = &args
				_, _ = in.call(cbForeignFunction, rootContextID, uint64(functionID), uint64(len(args)))
				in.foreignArgs = nil
			})
		})
	}
}
