package host

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// maxLogMessage bounds one guest log line.
const maxLogMessage = 16 << 10

var slogLevels = [...]slog.Level{
	abi.LogTrace: slog.LevelDebug - 4, abi.LogDebug: slog.LevelDebug, abi.LogInfo: slog.LevelInfo,
	abi.LogWarn: slog.LevelWarn, abi.LogError: slog.LevelError, abi.LogCritical: slog.LevelError + 4,
}

func logFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_log", i32s(3), func(in *instance, s []uint64) abi.Status {
			level := uint32(s[0])
			if level > uint32(abi.LogCritical) {
				return abi.StatusBadArgument
			}
			if !guestRange(in.mem.Size(), uint32(s[1]), uint32(s[2])) {
				return abi.StatusInvalidMemoryAccess
			}
			msg, _ := readString(in.mem, uint32(s[1]), min(uint32(s[2]), maxLogMessage))
			in.p.log.Log(context.Background(), slogLevels[level], msg, "context_id", in.effective)
			return abi.StatusOK
		}},
		{"proxy_get_log_level", i32s(1), func(in *instance, s []uint64) abi.Status {
			level := abi.LogCritical
			for l := abi.LogTrace; l <= abi.LogCritical; l++ {
				if in.p.log.Enabled(context.Background(), slogLevels[l]) {
					level = l
					break
				}
			}
			if !writeU32(in.mem, uint32(s[0]), uint32(level)) {
				return abi.StatusInvalidMemoryAccess
			}
			return abi.StatusOK
		}},
		{"proxy_get_current_time_nanoseconds", i32s(1), func(in *instance, s []uint64) abi.Status {
			if !writeU64(in.mem, uint32(s[0]), uint64(time.Now().UnixNano())) {
				return abi.StatusInvalidMemoryAccess
			}
			return abi.StatusOK
		}},
		{"proxy_set_tick_period_milliseconds", i32s(1), func(in *instance, s []uint64) abi.Status {
			in.setTickPeriod(time.Duration(uint32(s[0])) * time.Millisecond)
			return abi.StatusOK
		}},
	}
}

// lineLog is the guest's stdout/stderr (WASI fd_write): complete lines go
// to the plugin's logger at info level; long lines are cut.
type lineLog struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

var _ io.Writer = (*lineLog)(nil)

func newLineLog(l *slog.Logger) *lineLog { return &lineLog{log: l} }

func (w *lineLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLogMessage - len(w.buf)
			w.buf = append(w.buf, p[:min(len(p), room)]...)
			if len(w.buf) >= maxLogMessage {
				w.emit()
			}
			break
		}
		w.buf = append(w.buf, p[:min(i, maxLogMessage-len(w.buf))]...)
		w.emit()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineLog) emit() {
	w.log.Info(string(w.buf), "source", "wasi")
	w.buf = w.buf[:0]
}

// flush logs an unterminated last line.
func (w *lineLog) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit()
	}
}
