package proxy

import (
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// state is the accepted configuration. It is only touched with Proxy.mu held.
type state struct {
	raw       map[string]map[string]proto.Message // dynamic resources by type, as received
	static    map[string]map[string]proto.Message // bootstrap resources by type
	versions  map[string]string
	updatedAt map[string]time.Time

	listeners map[string]*config.Listener // wanted (static and dynamic)
	active    map[string]*config.Listener // applied: warm listeners (or the previous version while a new one warms)
	routes    map[string]*config.RouteConfig
	// activeRoutes are the route configs handlers use (see selectRoutesLocked).
	activeRoutes   map[string]*config.RouteConfig
	routeWaitSince map[string]time.Time
	clusters       map[string]*config.Cluster
	endpoints      map[string]*config.Endpoints
	secrets        map[string]*config.Secret
	extensions     map[string]*config.HTTPFilter
}

func newState() *state {
	return &state{
		raw: map[string]map[string]proto.Message{}, static: map[string]map[string]proto.Message{},
		versions: map[string]string{}, updatedAt: map[string]time.Time{},
		listeners: map[string]*config.Listener{}, active: map[string]*config.Listener{},
		routes: map[string]*config.RouteConfig{}, clusters: map[string]*config.Cluster{},
		activeRoutes: map[string]*config.RouteConfig{}, routeWaitSince: map[string]time.Time{},
		endpoints: map[string]*config.Endpoints{}, secrets: map[string]*config.Secret{},
		extensions: map[string]*config.HTTPFilter{},
	}
}

// merged returns the static resources of a type overlaid with the dynamic ones
// (static names win, as Envoy refuses dynamic resources shadowing static ones).
func (s *state) merged(typeURL string) map[string]proto.Message {
	out := map[string]proto.Message{}
	for n, m := range s.raw[typeURL] {
		out[n] = m
	}
	for n, m := range s.static[typeURL] {
		out[n] = m
	}
	return out
}

// warm reports whether everything a listener references has arrived.
func (s *state) warm(l *config.Listener) bool {
	chains := append([]config.FilterChain(nil), l.FilterChains...)
	if l.DefaultChain != nil {
		chains = append(chains, *l.DefaultChain)
	}
	for _, fc := range chains {
		if fc.HTTP == nil {
			continue
		}
		if fc.HTTP.RDSName != "" && s.routes[fc.HTTP.RDSName] == nil {
			return false
		}
		for _, f := range fc.HTTP.Filters {
			if f.ECDSName != "" && s.extensions[f.ECDSName] == nil {
				return false
			}
		}
	}
	return true
}
