package server

import (
	"context"
	"time"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// pushLoop debounces config and registry changes: a push happens once
// changes have been quiet for Debounce, or MaxDebounce after the first.
func (s *Server) pushLoop(ctx context.Context) {
	snaps, stopSnaps := s.store.Subscribe()
	defer stopSnaps()
	regCh, stopReg := s.reg.Subscribe()
	defer stopReg()
	var quiet, deadline <-chan time.Time
	pending := ""
	mark := func(why string) {
		if pending == "" {
			deadline = time.After(s.cfg.MaxDebounce)
			pending = why
		}
		quiet = time.After(s.cfg.Debounce)
	}
	push := func() {
		s.rebuild(pending, func() {
			// our own SetConfig notifies the registry's subscribers
			select {
			case <-regCh:
			default:
			}
		})
		pending, quiet, deadline = "", nil, nil
	}
	if s.kube != nil {
		// changes between the first push after the sync and these subscriptions
		mark("synced")
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-snaps:
			mark("config")
		case <-regCh:
			mark("registry")
		case <-s.kick:
			mark("request")
		case <-quiet:
			push()
		case <-deadline:
			push()
		}
	}
}

// rebuild translates the current config and registry and pushes.
func (s *Server) rebuild(why string, drain func()) {
	start := time.Now()
	snap := s.store.Current()
	if s.regVersion != snap.Version() {
		s.reg.SetConfig(snap)
		s.regVersion = snap.Version()
		drain()
	}
	cfgs := snap.All()
	in := pilot.FromRegistry(cfgs, s.reg.View(), s.cfg.Mesh)
	in.Modules = s.files.resolve(cfgs)
	in.Policies = s.pols.compile(snap)
	in.CompileRego = s.pols.compileRego
	in.Credentials = readCredentials(s.cfg.CredentialsDir, s.log)
	idx := pilot.NewIndex(in)
	s.mu.Lock()
	s.snapVersion = snap.Version()
	s.mu.Unlock()
	st := s.xds.Push(idx)
	d := time.Since(start)
	s.metrics.observePush(why, d, st)
	if st.Proxies > 0 || why != "start" {
		s.log.Info("pushed", "reason", why, "config", snap.Version(), "proxies", st.Proxies, "changed", st.Pushed, "failed", st.Failed, "took", d)
	}
}
