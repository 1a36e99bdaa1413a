package ca

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/wasmesh/wasmesh/proxy/agent/capb"
)

// Server serves IstioCertificateService/CreateCertificate for a CA.
type Server struct {
	ca   *CA
	auth Authenticator
	log  *slog.Logger
}

var _ capb.Server = (*Server)(nil)

// NewServer returns the CSR API of ca, authenticating callers with auth
// (required: a TokenStore in file mode).
func NewServer(ca *CA, auth Authenticator, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{ca: ca, auth: auth, log: log}
}

// Register serves s on the gRPC server r (which should use TLS, see CA.ServerTLSConfig).
func (s *Server) Register(r grpc.ServiceRegistrar) { capb.Register(r, s) }

// CreateCertificate authenticates the caller and signs its CSR for its own identity only.
func (s *Server) CreateCertificate(ctx context.Context, req *capb.Request) (*capb.Response, error) {
	remote := ""
	if p, ok := peer.FromContext(ctx); ok {
		remote = p.Addr.String()
	}
	id, err := s.auth.Authenticate(ctx)
	if err != nil {
		s.log.Warn("ca: refused unauthenticated csr", "remote", remote, "err", err)
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	validity := time.Duration(math.MaxInt64) // capped by Sign
	if req.ValiditySeconds < int64(math.MaxInt64/time.Second) {
		validity = time.Duration(req.ValiditySeconds) * time.Second
	}
	chain, err := s.ca.Sign([]byte(req.CSR), id, validity)
	if err != nil {
		s.log.Warn("ca: refused csr", "remote", remote, "identity", id.String(), "err", err)
		return nil, status.Error(grpcCode(err), err.Error())
	}
	return &capb.Response{CertChain: chain}, nil
}

func grpcCode(err error) codes.Code {
	switch {
	case errors.Is(err, ErrPermissionDenied):
		return codes.PermissionDenied
	case errors.Is(err, ErrInvalidCSR):
		return codes.InvalidArgument
	case errors.Is(err, ErrUnauthenticated):
		return codes.Unauthenticated
	}
	return codes.Internal
}
