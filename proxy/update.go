package proxy

import (
	"errors"
	"fmt"
	"sort"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

// ErrWrongType is returned when a resource does not have the announced type.
var ErrWrongType = errors.New("proxy: resource of the wrong type")

// OnUpdate implements xdsclient.Handler: it translates the complete set of
// one type and applies it, or returns the translation errors (a NACK) and
// leaves the running config untouched.
func (p *Proxy) OnUpdate(typeURL, version string, resources map[string]proto.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.updateLocked(typeURL, version, resources, false)
}

func (p *Proxy) updateLocked(typeURL, version string, res map[string]proto.Message, static bool) error {
	st := p.state
	src := st.raw
	if static {
		src = st.static
	}
	prev := src[typeURL]
	src[typeURL] = res
	all := st.merged(typeURL)
	if err := p.translate(typeURL, all); err != nil {
		src[typeURL] = prev
		p.stats.Inc(statPrefix(typeURL) + ".update_rejected")
		p.log.Warn("rejected config", "type", typeURL, "version", version, "err", err)
		return err
	}
	if !static {
		st.versions[typeURL] = version
		st.updatedAt[typeURL] = time.Now()
	}
	p.stats.Inc(statPrefix(typeURL) + ".update_success")
	err := p.applyLocked(typeURL)
	p.subscribeLocked()
	if typeURL == xdsclient.ListenerType && !static {
		p.ready.Store(true)
	}
	return err
}

func statPrefix(typeURL string) string {
	switch typeURL {
	case xdsclient.ListenerType:
		return "listener_manager.lds"
	case xdsclient.ClusterType:
		return "cluster_manager.cds"
	case xdsclient.RouteType:
		return "http.rds"
	case xdsclient.EndpointType:
		return "cluster_manager.eds"
	case xdsclient.SecretType:
		return "sds"
	}
	return "ecds"
}

// translate converts all resources of a type; every failure is reported.
func (p *Proxy) translate(typeURL string, all map[string]proto.Message) error {
	var errs []error
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	st := p.state
	switch typeURL {
	case xdsclient.ListenerType:
		out := map[string]*config.Listener{}
		for _, n := range names {
			m, ok := all[n].(*listenerv3.Listener)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			l, err := config.TranslateListener(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[n] = l
		}
		if len(errs) == 0 {
			st.listeners = out
		}
	case xdsclient.RouteType:
		out := map[string]*config.RouteConfig{}
		for _, n := range names {
			m, ok := all[n].(*routev3.RouteConfiguration)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			r, err := config.TranslateRouteConfig(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[n] = r
		}
		if len(errs) == 0 {
			st.routes = out
		}
	case xdsclient.ClusterType:
		out := map[string]*config.Cluster{}
		for _, n := range names {
			m, ok := all[n].(*clusterv3.Cluster)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			c, err := config.TranslateCluster(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[n] = c
		}
		if len(errs) == 0 {
			st.clusters = out
		}
	case xdsclient.EndpointType:
		out := map[string]*config.Endpoints{}
		for _, n := range names {
			m, ok := all[n].(*endpointv3.ClusterLoadAssignment)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			e, err := config.TranslateEndpoints(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[n] = e
		}
		if len(errs) == 0 {
			st.endpoints = out
		}
	case xdsclient.SecretType:
		out := map[string]*config.Secret{}
		for _, n := range names {
			m, ok := all[n].(*tlsv3.Secret)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			s, err := config.TranslateSecret(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out[n] = s
		}
		if len(errs) == 0 {
			st.secrets = out
		}
	case xdsclient.ExtensionConfigType:
		out := map[string]*config.HTTPFilter{}
		for _, n := range names {
			m, ok := all[n].(*corev3.TypedExtensionConfig)
			if !ok {
				errs = append(errs, fmt.Errorf("%w: %s %T", ErrWrongType, n, all[n]))
				continue
			}
			f, err := config.TranslateExtension(m)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if f.Kind == config.FilterWasm {
				if err := p.checkWasm(f); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			out[n] = f
		}
		if len(errs) == 0 {
			st.extensions = out
		}
	default:
		return fmt.Errorf("proxy: unknown type %s", typeURL)
	}
	return errors.Join(errs...)
}

// applyLocked pushes the translated state of a type into the managers.
func (p *Proxy) applyLocked(typeURL string) error {
	st := p.state
	switch typeURL {
	case xdsclient.SecretType:
		s := st.secrets
		p.secrets.Store(&s)
		return nil
	case xdsclient.ClusterType:
		p.clusters.Set(st.clusters)
		p.clusters.SetEndpoints(st.endpoints)
		if len(st.routeWaitSince) == 0 {
			return nil
		}
	case xdsclient.EndpointType:
		p.clusters.SetEndpoints(st.endpoints)
		if len(st.routeWaitSince) == 0 {
			return nil
		}
	}
	return p.activateLocked()
}

// activateLocked starts warm listeners, keeps the previous version of ones
// still warming, and rebuilds handlers for route and filter changes.
func (p *Proxy) activateLocked() error {
	st := p.state
	p.selectRoutesLocked()
	next := map[string]*config.Listener{}
	for name, l := range st.listeners {
		switch {
		case st.warm(l):
			next[name] = l
		case st.active[name] != nil && st.warm(st.active[name]):
			next[name] = st.active[name]
		}
	}
	st.active = next
	err := p.listeners.Update(next)
	if rerr := p.listeners.Refresh(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	p.retainWasmLocked()
	return err
}
