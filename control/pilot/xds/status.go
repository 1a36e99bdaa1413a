package xds

import (
	"sort"
	"time"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// TypeStatus is the push state of one resource type for one proxy.
type TypeStatus struct {
	// Sent is the version last sent, SentAt when.
	Sent   string    `json:"sent,omitempty"`
	SentAt time.Time `json:"sentAt,omitzero"`
	// Acked is the last version the proxy accepted.
	Acked string `json:"acked,omitempty"`
	// Nacked is the last version the proxy rejected, with its error.
	Nacked string `json:"nacked,omitempty"`
	Error  string `json:"error,omitempty"`
	// At is when the last ACK or NACK arrived.
	At time.Time `json:"at,omitzero"`
}

// ProxyStatus is the push state of one proxy.
type ProxyStatus struct {
	ID        string                 `json:"id"`
	Node      pilot.Node             `json:"node"`
	Connected time.Time              `json:"connected"`
	Streams   int                    `json:"streams"`
	Delta     bool                   `json:"delta,omitempty"`
	Types     map[string]*TypeStatus `json:"types"`
	// Want is the version of each type in the proxy's current snapshot.
	Want map[string]string `json:"want"`
	// Synced: every type of the snapshot was ACKed at its current version.
	Synced bool `json:"synced"`
	// Warnings from translating this proxy's configuration.
	Warnings []string `json:"warnings,omitempty"`
}

// Status returns the push state of every connected proxy, sorted by id.
func (s *Server) Status() []ProxyStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ProxyStatus, 0, len(s.proxies))
	for _, p := range s.proxies {
		ps := ProxyStatus{ID: p.node.ID, Node: p.node, Connected: p.connected, Streams: p.streams, Delta: p.delta,
			Types: map[string]*TypeStatus{}, Want: map[string]string{}, Synced: true}
		for t, ts := range p.types {
			c := *ts
			ps.Types[t] = &c
		}
		for t, v := range p.versions {
			ps.Want[t] = v
		}
		// a type counts once the proxy subscribed to it
		for t, ts := range p.types {
			if want := p.versions[t]; ts.Acked != want && !(want == emptyVersion && ts.Sent == "") {
				ps.Synced = false
			}
		}
		if p.ir != nil {
			ps.Warnings = p.ir.Warnings
		}
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Config returns the IR last pushed to a proxy.
func (s *Server) Config(id string) (*pilot.IR, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.proxies[id]
	if !ok || p.ir == nil {
		return nil, false
	}
	return p.ir, true
}
