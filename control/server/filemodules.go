package server

import (
	"log/slog"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/modules"
)

// fileModules imports the modules of WasmPlugins with file:// URLs into
// the module store, so that proxies fetch them from meshd by digest, and
// recognises plugins whose sha256 the store already holds (uploaded with
// POST /modules). Files are read again only when their size or
// modification time changes. WasmPlugins naming OCI images are answered
// by oci, which pulls in the background (nil: not resolved).
type fileModules struct {
	store *modules.Store
	log   *slog.Logger
	oci   *ociModules
	mu    sync.Mutex
	seen  map[string]fileStamp
}

type fileStamp struct {
	size int64
	mod  time.Time
	sum  string
}

func newFileModules(s *modules.Store, log *slog.Logger) *fileModules {
	return &fileModules{store: s, log: log, seen: map[string]fileStamp{}}
}

// resolve returns URL → sha256 for every WasmPlugin module meshd holds;
// failures are logged and the plugin is left out by Pilot.
func (f *fileModules) resolve(cfgs []api.Config) map[string]string {
	out := map[string]string{}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.oci != nil {
		f.oci.begin()
		defer f.oci.end()
	}
	for _, c := range cfgs {
		wp, ok := c.Spec.(*api.WasmPlugin)
		if !ok {
			continue
		}
		if sum, err := modules.ParseDigest(wp.SHA256); err == nil && f.store.Has(sum) {
			out[wp.URL] = sum // uploaded to meshd (meshctl filter push): served from the store
			continue
		}
		if isOCI(wp.URL) {
			if f.oci != nil {
				if sum, ok := f.oci.lookup(c.Key().String(), c.Metadata.ResourceVersion, wp); ok {
					out[wp.URL] = sum
				}
			}
			continue
		}
		u, err := url.Parse(wp.URL)
		if err != nil || u.Scheme != "file" {
			continue
		}
		fi, err := os.Stat(u.Path)
		if err != nil {
			f.log.Warn("WasmPlugin module file unreadable", "plugin", c.Key().String(), "url", wp.URL, "err", err)
			continue
		}
		if st, ok := f.seen[u.Path]; ok && st.size == fi.Size() && st.mod.Equal(fi.ModTime()) && f.store.Has(st.sum) {
			out[wp.URL] = st.sum
			continue
		}
		sum, err := f.store.PutFile(u.Path)
		if err != nil {
			f.log.Warn("WasmPlugin module not stored", "plugin", c.Key().String(), "url", wp.URL, "err", err)
			continue
		}
		f.seen[u.Path] = fileStamp{fi.Size(), fi.ModTime(), sum}
		out[wp.URL] = sum
	}
	return out
}
