package server

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/wasmesh/wasmesh/control/ca"
)

// secure is meshd's TLS port (15012): xDS and the CA's CSR service, with a
// serving certificate issued by the mesh CA.
type secure struct {
	ca     *ca.CA
	tokens *ca.TokenStore
	auth   authChain // tokens first; in Kubernetes mode TokenReview too
	lis    net.Listener
}

// openSecure starts the CA (state in DataDir/ca, tokens in
// DataDir/ca-tokens.json) and binds the TLS port.
func (s *Server) openSecure() error {
	if s.cfg.SecureXDSAddr == "" {
		return nil
	}
	c, err := ca.New(ca.Config{TrustDomain: s.cfg.Mesh.TrustDomain, Dir: filepath.Join(s.cfg.DataDir, "ca"), PluginDir: s.cfg.PluginCADir,
		DefaultTTL: s.cfg.WorkloadCertTTL, MaxTTL: s.cfg.MaxWorkloadCertTTL}, s.log)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	tokens, err := ca.OpenTokenStore(filepath.Join(s.cfg.DataDir, "ca-tokens.json"))
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	lis, err := net.Listen("tcp", s.cfg.SecureXDSAddr)
	if err != nil {
		return fmt.Errorf("server: secure xds: %w", err)
	}
	s.secure = &secure{ca: c, tokens: tokens, auth: authChain{tokens}, lis: lis}
	return nil
}

// SecureXDSAddr is the bound TLS address ("" when disabled).
func (s *Server) SecureXDSAddr() string {
	if s.secure == nil {
		return ""
	}
	return s.secure.lis.Addr().String()
}

// CA returns the mesh CA (nil when the TLS port is disabled).
func (s *Server) CA() *ca.CA {
	if s.secure == nil {
		return nil
	}
	return s.secure.ca
}

// Tokens returns the CA's bootstrap token store (nil when disabled).
func (s *Server) Tokens() *ca.TokenStore {
	if s.secure == nil {
		return nil
	}
	return s.secure.tokens
}

// secureServer is the gRPC server of the TLS port: xDS and the CA.
func (s *Server) secureServer(opts ...grpc.ServerOption) *grpc.Server {
	host, _, _ := net.SplitHostPort(s.secure.lis.Addr().String())
	hosts := []string{"meshd", "meshd.wasmesh-system.svc", "localhost", host}
	gs := grpc.NewServer(append(opts, grpc.Creds(credentials.NewTLS(s.secure.ca.ServerTLSConfig(hosts...))))...)
	ca.NewServer(s.secure.ca, s.secure.auth, s.log).Register(gs)
	return gs
}

// bundle serves the trust bundle (PEM) for proxies and agents.
func (s *Server) bundle(w http.ResponseWriter, _ *http.Request) {
	if s.secure == nil {
		http.Error(w, "meshd runs without its CA (--secure-xds-address is empty)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(s.secure.ca.BundlePEM())
}
