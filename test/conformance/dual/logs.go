package dual

import (
	"context"
	"log/slog"
	"sync"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// logCapture is an slog handler keeping the guest's proxy_log messages (the
// host logs them with a context_id attribute) by proxy-wasm level.
type logCapture struct {
	mu   sync.Mutex
	msgs [abi.LogCritical + 1][]string
}

func (c *logCapture) logger() *slog.Logger { return slog.New(c) }

func (c *logCapture) get(l abi.LogLevel) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs[l]...)
}

func (c *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (c *logCapture) Handle(_ context.Context, r slog.Record) error {
	guest := false
	r.Attrs(func(a slog.Attr) bool {
		guest = a.Key == "context_id"
		return !guest
	})
	if !guest {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	l := level(r.Level)
	c.msgs[l] = append(c.msgs[l], r.Message)
	return nil
}

func (c *logCapture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCapture) WithGroup(string) slog.Handler      { return c }

// level inverts the host's proxy-wasm to slog level mapping.
func level(l slog.Level) abi.LogLevel {
	switch {
	case l < slog.LevelDebug:
		return abi.LogTrace
	case l < slog.LevelInfo:
		return abi.LogDebug
	case l < slog.LevelWarn:
		return abi.LogInfo
	case l < slog.LevelError:
		return abi.LogWarn
	case l < slog.LevelError+4:
		return abi.LogError
	}
	return abi.LogCritical
}
