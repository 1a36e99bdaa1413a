package agent

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/wasmesh/wasmesh/internal/pki"
	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

// Defaults.
const (
	DefaultMinBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultRequestTimeout = 10 * time.Second
)

// Config configures an Agent.
type Config struct {
	// CAAddress is meshd's CA endpoint, host:port (15012).
	CAAddress string
	// ServerName is the name meshd's serving certificate must carry; the host
	// of CAAddress when empty.
	ServerName string
	// CARootsPEM are the roots that verify meshd's serving certificate, in
	// addition to the trust bundle the agent learns.
	CARootsPEM []byte
	// Token is the bootstrap token sent as "authorization: Bearer"; TokenFile,
	// if set instead, is read before every request (rotated tokens work).
	Token     string
	TokenFile string
	// ID is the workload's SPIFFE ID, spiffe://<td>/ns/<ns>/sa/<sa>.
	ID string
	// TTL is the lifetime requested; 0 leaves it to the CA.
	TTL time.Duration
	// Metadata is sent as the request's metadata (WorkloadName, WorkloadIP, ClusterID).
	Metadata map[string]string
	// MinBackoff and MaxBackoff bound the jittered exponential retry delay.
	MinBackoff, MaxBackoff time.Duration
	// RequestTimeout bounds one CSR round trip.
	RequestTimeout time.Duration
	// Logger receives the agent's logs; nil discards them.
	Logger *slog.Logger
}

// validated holds a checked Config with defaults applied and parsed fields.
type validated struct {
	Config
	id      spiffe.ID
	caRoots []*x509.Certificate
}

func (c Config) validate() (*validated, error) {
	v := &validated{Config: c}
	if v.MinBackoff == 0 {
		v.MinBackoff = DefaultMinBackoff
	}
	if v.MaxBackoff == 0 {
		v.MaxBackoff = DefaultMaxBackoff
	}
	if v.RequestTimeout == 0 {
		v.RequestTimeout = DefaultRequestTimeout
	}
	if v.Logger == nil {
		v.Logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	host, _, err := net.SplitHostPort(c.CAAddress)
	if err != nil {
		errs = append(errs, fmt.Errorf("agent: config: ca address: %w", err))
	}
	if v.ServerName == "" {
		v.ServerName = host
	}
	if v.id, err = spiffe.ParseID(c.ID); err != nil {
		errs = append(errs, fmt.Errorf("agent: config: id: %w", err))
	}
	if (c.Token == "") == (c.TokenFile == "") {
		errs = append(errs, errors.New("agent: config: exactly one of token and token file is required"))
	}
	if len(c.CARootsPEM) > 0 {
		if v.caRoots, err = pki.ParseCertificates(c.CARootsPEM); err != nil {
			errs = append(errs, fmt.Errorf("agent: config: ca roots: %w", err))
		}
	}
	if v.MinBackoff < 0 || v.MaxBackoff < v.MinBackoff {
		errs = append(errs, fmt.Errorf("agent: config: backoff %s..%s is not a range", v.MinBackoff, v.MaxBackoff))
	}
	if c.TTL < 0 || v.RequestTimeout < 0 {
		errs = append(errs, errors.New("agent: config: durations must not be negative"))
	}
	return v, errors.Join(errs...)
}
