package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"github.com/wasmesh/wasmesh/proxy"
	"github.com/wasmesh/wasmesh/proxy/agent"
	"github.com/wasmesh/wasmesh/proxy/config"
)

// caFlags configure the in-process CA agent.
type caFlags struct {
	address, token, tokenFile, root, bundleURL string
	// revocationsURL and pollInterval: see pollConfig.
	revocationsURL string
	pollInterval   time.Duration
}

// enabled: without a token the proxy runs without identity (plaintext only).
func (c caFlags) enabled() bool { return c.token != "" || c.tokenFile != "" }

// caAddress defaults to the xDS address's host on port 15012.
func (c caFlags) caAddress(xds string) (string, error) {
	if c.address != "" {
		return c.address, nil
	}
	host, _, err := net.SplitHostPort(xds)
	if err != nil || xds == "" {
		return "", errors.New("--ca-address is required without --xds-address")
	}
	return net.JoinHostPort(host, "15012"), nil
}

// caRoots reads meshd's root for the first contact: a PEM file, or meshd's
// /ca/bundle.pem (loopback demos; trust on first use).
func (c caFlags) caRoots(ctx context.Context) ([]byte, error) {
	switch {
	case c.root != "":
		return os.ReadFile(c.root)
	case c.bundleURL != "":
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.bundleURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: status %d", c.bundleURL, resp.StatusCode)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	}
	return nil, errors.New("--ca-root or --ca-bundle-url is required with a token")
}

// newAgent builds the CA agent for the workload's identity.
func newAgent(ctx context.Context, c caFlags, xds string, id identity, log *slog.Logger) (*agent.Agent, error) {
	addr, err := c.caAddress(xds)
	if err != nil {
		return nil, err
	}
	roots, err := c.caRoots(ctx)
	if err != nil {
		return nil, fmt.Errorf("ca root: %w", err)
	}
	return agent.New(agent.Config{CAAddress: addr, CARootsPEM: roots, Token: c.token, TokenFile: c.tokenFile,
		ID: id.spiffeID(), Logger: log.With("component", "agent"),
		Metadata: map[string]string{"WorkloadName": id.Workload, "WorkloadIP": id.IP, "ClusterID": id.ClusterID}})
}

// agentSecrets serves the agent's "default" and "ROOTCA" to the proxy as if
// they came over SDS; Run retranslates them on every rotation.
type agentSecrets struct {
	a   *agent.Agent
	log *slog.Logger
	cur atomic.Pointer[map[string]*config.Secret]
}

var _ proxy.SecretSource = (*agentSecrets)(nil)

func newAgentSecrets(a *agent.Agent, log *slog.Logger) *agentSecrets {
	s := &agentSecrets{a: a, log: log}
	empty := map[string]*config.Secret{}
	s.cur.Store(&empty)
	return s
}

// Secret implements proxy.SecretSource.
func (s *agentSecrets) Secret(name string) *config.Secret { return (*s.cur.Load())[name] }

// DumpSecrets implements proxy.SecretDumper: the agent's current material
// for /config_dump (meshctl proxy-config secret).
func (s *agentSecrets) DumpSecrets() map[string]*tlsv3.Secret {
	out := map[string]*tlsv3.Secret{}
	for _, name := range []string{agent.SecretDefault, agent.SecretRootCA} {
		if m, err := s.a.Secret(name); err == nil {
			out[name] = m
		}
	}
	return out
}

var _ proxy.SecretDumper = (*agentSecrets)(nil)

// refresh translates the agent's current material.
func (s *agentSecrets) refresh() {
	out := map[string]*config.Secret{}
	for _, name := range []string{agent.SecretDefault, agent.SecretRootCA} {
		m, err := s.a.Secret(name)
		if err != nil {
			continue // not issued yet
		}
		t, err := config.TranslateSecret(m)
		if err != nil {
			s.log.Error("agent secret not usable", "name", name, "err", err)
			continue
		}
		if name == agent.SecretRootCA {
			// Peers are also checked against the revocation list meshd pushes.
			t.Verify = func(raw [][]byte) error { _, err := s.a.VerifyPeer(raw); return err }
		}
		out[name] = t
	}
	s.cur.Store(&out)
}

// run follows the agent's changes until ctx ends.
func (s *agentSecrets) run(ctx context.Context) {
	ch, cancel := s.a.Subscribe()
	defer cancel()
	s.refresh()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			s.refresh()
		}
	}
}
