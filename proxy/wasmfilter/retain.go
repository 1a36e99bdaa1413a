package wasmfilter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// configKey names a filter config by where its module comes from, not by
// the module's bytes: two pushes of one config find the same key, and the
// plugin last loaded for it (a new digest behind the same URI or file)
// replaces the one before.
func configKey(cfg *config.WasmFilter) string {
	source := "file:" + cfg.LocalFile
	switch {
	case cfg.LocalBytes != nil:
		sum := sha256.Sum256(cfg.LocalBytes)
		source = "inline:" + hex.EncodeToString(sum[:])
	case cfg.RemoteURI != "":
		source = "remote:" + cfg.RemoteURI + "@" + cfg.SHA256
	}
	return strings.Join([]string{source, cfg.Name, cfg.RootID, cfg.VMID, string(cfg.Configuration), string(cfg.VMConfiguration),
		fmt.Sprint(cfg.FailOpen, cfg.Env)}, "\x00")
}

// Retain keeps the plugins of the filter configs in use and closes every
// other plugin once it has been unused for grace (the proxy's drain time,
// during which replaced filter chains finish their requests). The proxy
// calls it with its whole config after each change; a plugin in use again
// before its grace ends stays.
func (f *Factory) Retain(inUse []*config.WasmFilter, grace time.Duration) {
	f.mu.Lock()
	keep := map[string]bool{}
	for _, c := range inUse {
		if k, ok := f.byConfig[configKey(c)]; ok {
			keep[k] = true
		}
	}
	now := time.Now()
	for key := range f.plugins {
		switch {
		case keep[key]:
			delete(f.unusedSince, key)
		case f.unusedSince[key].IsZero():
			f.unusedSince[key] = now
		}
	}
	f.grace = grace
	f.mu.Unlock()
	f.sweep()
}

// sweep closes the plugins unused for their grace, and comes back for the
// ones still within it.
func (f *Factory) sweep() {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	var doomed []string
	var next time.Duration
	now := time.Now()
	for key, since := range f.unusedSince {
		if left := f.grace - now.Sub(since); left > 0 {
			if next == 0 || left < next {
				next = left
			}
			continue
		}
		doomed = append(doomed, key)
	}
	plugins := make([]string, 0, len(doomed))
	for _, key := range doomed {
		p := f.plugins[key]
		delete(f.plugins, key)
		delete(f.unusedSince, key)
		for ck, k := range f.byConfig {
			if k == key {
				delete(f.byConfig, ck)
			}
		}
		if p != nil {
			plugins = append(plugins, p.Name())
			f.closing.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
				defer cancel()
				if err := p.Close(ctx); err != nil {
					f.log.Warn("wasm plugin close", "plugin", p.Name(), "err", err)
				}
			})
		}
	}
	if f.sweepTimer != nil {
		f.sweepTimer.Stop()
		f.sweepTimer = nil
	}
	if next > 0 {
		f.sweepTimer = time.AfterFunc(next, f.sweep)
	}
	f.mu.Unlock()
	if len(plugins) > 0 {
		f.log.Info("closed unused wasm plugins", "plugins", plugins)
	}
}

// closeTimeout bounds one unused plugin's close (its root contexts' last
// reports included).
const closeTimeout = 10 * time.Second
