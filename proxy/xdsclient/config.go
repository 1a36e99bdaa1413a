package xdsclient

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Handler receives accepted-or-rejected updates. It is called from Run's goroutine only, one
// call at a time.
type Handler interface {
	// OnUpdate gets the complete current set of one type's resources (delta updates already merged);
	// a non-nil error NACKs this version with err.Error() as error_detail; nil ACKs it.
	OnUpdate(typeURL string, version string, resources map[string]proto.Message) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(typeURL, version string, resources map[string]proto.Message) error

// OnUpdate calls f.
func (f HandlerFunc) OnUpdate(typeURL, version string, resources map[string]proto.Message) error {
	return f(typeURL, version, resources)
}

var _ Handler = HandlerFunc(nil)

// Defaults for Config's zero values.
const (
	DefaultBackoffMin = 500 * time.Millisecond
	DefaultBackoffMax = 30 * time.Second
)

// Config configures a Client.
type Config struct {
	Logger  *slog.Logger // nil: slog.Default()
	Address string       // control plane host:port
	TLS     *tls.Config  // nil = plaintext
	Node    *corev3.Node // sent on the first request of every stream; Id required
	Delta   bool         // incremental xDS instead of state of the world
	Handler Handler
	// Types are the type URLs watched via ADS, in the order requests are sent on a new stream
	// (Envoy's order is CDS, EDS, LDS, RDS, SDS, ECDS). Listeners and clusters are wildcard
	// watches; the other types wait for Subscribe. Subscribe may add types later.
	Types []string
	// BackoffMin and BackoffMax bound the jittered exponential delay between reconnects, and
	// between re-processing a version that was NACKed when the server sends it again.
	BackoffMin, BackoffMax time.Duration
	DialOptions            []grpc.DialOption // appended after the client's own
}

// validate checks cfg and fills defaults into a copy.
func (cfg Config) validate() (Config, error) {
	if cfg.Address == "" {
		return cfg, fmt.Errorf("%w: address is required", ErrInvalidConfig)
	}
	if cfg.Node.GetId() == "" {
		return cfg, fmt.Errorf("%w: node id is required", ErrInvalidConfig)
	}
	if cfg.Handler == nil {
		return cfg, fmt.Errorf("%w: handler is required", ErrInvalidConfig)
	}
	for _, t := range cfg.Types {
		if !isKnownType(t) {
			return cfg, fmt.Errorf("%w: unsupported type %q", ErrInvalidConfig, t)
		}
	}
	if cfg.BackoffMin < 0 || cfg.BackoffMax < 0 {
		return cfg, fmt.Errorf("%w: negative backoff", ErrInvalidConfig)
	}
	if cfg.BackoffMin == 0 {
		cfg.BackoffMin = DefaultBackoffMin
	}
	if cfg.BackoffMax == 0 {
		cfg.BackoffMax = max(DefaultBackoffMax, cfg.BackoffMin)
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		return cfg, fmt.Errorf("%w: backoff max %v below min %v", ErrInvalidConfig, cfg.BackoffMax, cfg.BackoffMin)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}
