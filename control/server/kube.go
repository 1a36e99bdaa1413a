package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/wasmesh/wasmesh/control/ca/tokenreview"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
	"github.com/wasmesh/wasmesh/control/inject"
	"github.com/wasmesh/wasmesh/control/kube"
	regkube "github.com/wasmesh/wasmesh/registry/kube"
)

// kubeMode is meshd's Kubernetes side: the CRD store, the cluster's
// registry, the webhooks and the leader election.
type kubeMode struct {
	cfg     KubeConfig
	client  kubernetes.Interface
	store   *kubestore.Store
	watcher *regkube.Watcher
	webhook net.Listener // nil: no webhooks
	leading atomic.Bool
}

// openKube connects to the API server and makes the store and the
// registry watcher; nothing runs until Run.
func (s *Server) openKube() error {
	k := &kubeMode{cfg: *s.cfg.Kubernetes}
	var err error
	if k.client, err = kubernetes.NewForConfig(k.cfg.Rest); err != nil {
		return fmt.Errorf("server: kubernetes client: %w", err)
	}
	if k.store, err = kubestore.New(k.cfg.Rest, s.log, kubestore.Options{}); err != nil {
		return fmt.Errorf("server: %w", err)
	}
	k.watcher = regkube.NewWatcher(k.client, k.cfg.DomainSuffix, s.log)
	s.kube, s.store = k, k.store
	return nil
}

// openKubeSecure makes the CA accept pods' service-account tokens (after
// meshd's own bootstrap tokens) and binds the webhook port.
func (s *Server) openKubeSecure() error {
	k := s.kube
	if s.secure != nil {
		s.secure.auth = append(s.secure.auth, tokenreview.New(k.client, k.cfg.TokenAudience))
	}
	if k.cfg.WebhookAddr == "" {
		return nil
	}
	if s.secure == nil {
		return fmt.Errorf("server: the webhooks need the CA for their certificate: set a secure xDS address")
	}
	lis, err := net.Listen("tcp", k.cfg.WebhookAddr)
	if err != nil {
		return fmt.Errorf("server: webhook: %w", err)
	}
	k.webhook = lis
	return nil
}

// WebhookAddr is the bound admission webhook address ("" when disabled).
func (s *Server) WebhookAddr() string {
	if s.kube == nil || s.kube.webhook == nil {
		return ""
	}
	return s.kube.webhook.Addr().String()
}

// synced is closed once the config store and the registry have listed
// everything.
func (k *kubeMode) synced(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for _, ch := range []<-chan struct{}{k.store.Synced(), k.watcher.Synced()} {
			select {
			case <-ch:
			case <-ctx.Done():
				return
			}
		}
		close(done)
	}()
	return done
}

// afterSync puts the cluster's first complete view into the registry and
// pushes it, before any proxy is served.
func (s *Server) afterSync() {
	s.reg.SetSource(regkube.SourceName, s.kube.watcher.View())
	s.rebuild("synced", func() {})
}

// webhookServer serves control/kube.Webhook over TLS with a certificate
// from the mesh CA for meshd's Service names.
func (s *Server) webhookServer() *http.Server {
	ns := s.kube.cfg.Namespace
	hosts := []string{kube.MeshdName, kube.MeshdName + "." + ns, kube.MeshdName + "." + ns + ".svc",
		kube.MeshdName + "." + ns + ".svc." + s.kube.cfg.DomainSuffix, "localhost", "127.0.0.1"}
	if host, _, err := net.SplitHostPort(s.kube.webhook.Addr().String()); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
			hosts = append(hosts, host)
		}
	}
	wh := &kube.Webhook{Log: s.log, Injector: &kube.Injector{Config: inject.DefaultConfig(), Namespaces: kube.NamespaceLabelsFrom(s.kube.client)}}
	return &http.Server{Handler: wh, TLSConfig: s.secure.ca.ServerTLSConfig(hosts...), ReadHeaderTimeout: 10 * time.Second}
}

func (s *Server) serveWebhook(hs *http.Server) error {
	return hs.Serve(tls.NewListener(s.kube.webhook, hs.TLSConfig))
}

// closeListeners releases the bound ports when Run ends before serving.
func (s *Server) closeListeners() {
	s.xdsLis.Close()
	s.monLis.Close()
	if s.secure != nil {
		s.secure.lis.Close()
	}
	if s.WebhookAddr() != "" {
		s.kube.webhook.Close()
	}
}
