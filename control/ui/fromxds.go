package ui

import (
	"slices"
	"strings"

	"github.com/wasmesh/wasmesh/control/pilot"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
)

// ProxiesFromXDS turns meshd's ADS push status into the dashboard's sync
// view: one row per proxy, its types sorted by URL. A NACK is shown while
// it is of the version last sent: the ADS server keeps an old NACK until
// that same version is ACKed, which a later push never does.
func ProxiesFromXDS(st []xds.ProxyStatus) []ProxyStatus {
	out := make([]ProxyStatus, 0, len(st))
	for _, p := range st {
		ps := ProxyStatus{ID: p.ID, Workload: p.Node.Workload, Namespace: p.Node.Namespace, Connected: p.Streams > 0}
		if ps.Workload == "" {
			ps.Workload = p.Node.Name
		}
		for url, t := range p.Types {
			if t == nil {
				continue
			}
			ts := TypeSync{TypeURL: url, Sent: t.Sent, ACKed: t.Acked, At: t.At}
			if t.Error != "" && t.Nacked == t.Sent {
				ts.NACKed, ts.NACKReason = t.Nacked, t.Error
			}
			ps.Types = append(ps.Types, ts)
		}
		slices.SortFunc(ps.Types, func(a, b TypeSync) int { return strings.Compare(a.TypeURL, b.TypeURL) })
		out = append(out, ps)
	}
	return out
}

// XDSState is what meshd's ADS server tells about its proxies.
type XDSState interface {
	Status() []xds.ProxyStatus
	Config(id string) (*pilot.IR, bool)
}

var _ XDSState = (*xds.Server)(nil)

// FromXDS fills the Proxies and Config sources from meshd's ADS server.
func (s *Sources) FromXDS(x XDSState) {
	s.Proxies = func() []ProxyStatus { return ProxiesFromXDS(x.Status()) }
	s.Config = func() []ServiceConfig {
		var irs []*pilot.IR
		for _, p := range x.Status() {
			if ir, ok := x.Config(p.ID); ok {
				irs = append(irs, ir)
			}
		}
		return ConfigFromIR(irs)
	}
}
