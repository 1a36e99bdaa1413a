package ui

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/wasmesh/wasmesh/control/report"
)

// Sources is where the dashboard's data comes from. Every field is optional:
// a nil source makes its view empty.
type Sources struct {
	// Proxies returns the sync status of every connected proxy.
	Proxies func() []ProxyStatus
	// Config returns the active config per service.
	Config func() []ServiceConfig
	// Reports returns the newest report records, newest first.
	Reports func(limit int) []report.Record
	// MetricsURLs returns the Prometheus endpoints of the proxies
	// (e.g. http://10.0.0.7:15090/stats/prometheus).
	MetricsURLs func() []string

	// Client scrapes the metrics URLs; nil uses a client with a 2 s timeout.
	Client *http.Client
	// ScrapeGap is the least time between the two scrapes a rate is computed
	// over (default 1 s). When the newest scrape is older than this, a
	// request for the topology scrapes again.
	ScrapeGap time.Duration
	// Logger receives scrape failures; nil discards them.
	Logger *slog.Logger
}

// ProxyStatus is one proxy's xDS state as meshd sees it.
type ProxyStatus struct {
	ID        string     `json:"id"` // the node id
	Workload  string     `json:"workload,omitempty"`
	Namespace string     `json:"namespace,omitempty"`
	Connected bool       `json:"connected"`
	Types     []TypeSync `json:"types"`
}

// TypeSync is the state of one resource type for one proxy.
type TypeSync struct {
	TypeURL    string    `json:"typeUrl"`
	Sent       string    `json:"sent"`       // version last pushed
	ACKed      string    `json:"acked"`      // version last ACKed
	NACKReason string    `json:"nackReason"` // error detail of the NACK of the version last sent, if any
	NACKed     string    `json:"nacked,omitempty"`
	At         time.Time `json:"at,omitzero"` // time of the latest ACK or NACK
}

// ServiceConfig is the config that applies to one service.
type ServiceConfig struct {
	Service  string       `json:"service"` // FQDN
	Routes   []Route      `json:"routes,omitempty"`
	Policies []Policy     `json:"policies,omitempty"`
	Filters  []WasmFilter `json:"filters,omitempty"`
}

// Route is one HTTP route as the user wrote it.
type Route struct {
	Name         string   `json:"name,omitempty"`
	Match        string   `json:"match,omitempty"`        // e.g. "prefix /api, header end-user=jason"
	Destinations []string `json:"destinations,omitempty"` // e.g. "reviews v2 (50%)"
}

// Policy is one authorization policy applied to the service.
type Policy struct {
	Name   string `json:"name"` // namespace/name
	Kind   string `json:"kind"` // AuthorizationPolicy, RegoPolicy, ...
	Action string `json:"action,omitempty"`
	Digest string `json:"digest,omitempty"` // sha256 of the compiled module
}

// WasmFilter is one Wasm filter in the service's chain.
type WasmFilter struct {
	Name   string `json:"name"`
	Phase  string `json:"phase,omitempty"` // AUTHN, AUTHZ, STATS, ...
	Digest string `json:"digest"`          // sha256:...
}
