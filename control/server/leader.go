package server

import (
	"context"
	"net/http"
	"time"

	"github.com/wasmesh/wasmesh/control/kube"
)

// retryLeaderWork is how soon failed leader-only work is tried again.
const retryLeaderWork = 5 * time.Second

// elect runs the single-replica work while this replica holds the Lease
// (always, when no Lease is configured). Every replica serves xDS, the CA
// and the webhooks; only writes to the cluster are the leader's.
func (s *Server) elect(ctx context.Context) error {
	k := s.kube.cfg
	if k.LeaseName == "" {
		s.lead(ctx)
		return nil
	}
	return kube.Elect(ctx, kube.Election{
		Client: s.kube.client, Namespace: k.Namespace, Name: k.LeaseName, Identity: k.Identity,
		LeaseDuration: k.LeaseDuration, RenewDeadline: k.RenewDeadline, RetryPeriod: k.RetryPeriod,
		Release: true, Log: s.log,
	}, s.lead)
}

// lead keeps the webhook configurations' caBundle equal to the CA's trust
// bundle (it changes with a root rotation) until ctx ends.
func (s *Server) lead(ctx context.Context) {
	s.kube.leading.Store(true)
	defer s.kube.leading.Store(false)
	var changed <-chan struct{}
	if s.secure != nil {
		ch, stop := s.secure.ca.Subscribe()
		defer stop()
		changed = ch
	}
	for {
		var retry <-chan time.Time
		if s.secure != nil {
			if err := s.syncWebhookBundles(ctx); err != nil {
				s.log.Warn("server: webhook caBundle not updated, retrying", "err", err, "in", retryLeaderWork)
				retry = time.After(retryLeaderWork)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-retry:
		}
	}
}

// IsLeader reports whether this replica does the single-replica work
// (always false outside Kubernetes mode).
func (s *Server) IsLeader() bool { return s.kube != nil && s.kube.leading.Load() }

// leaderz answers whether this replica leads.
func (s *Server) leaderz(w http.ResponseWriter, _ *http.Request) {
	out := map[string]any{"kubernetes": s.kube != nil, "leader": s.IsLeader()}
	if s.kube != nil {
		out["identity"], out["lease"] = s.kube.cfg.Identity, s.kube.cfg.Namespace+"/"+s.kube.cfg.LeaseName
	}
	writeJSON(w, http.StatusOK, out)
}
