package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/httpx"
)

// ErrNoWasm is returned for Wasm filters when the proxy runs without a Wasm host.
var ErrNoWasm = errors.New("proxy: no wasm host configured")

// buildHandler builds the HTTP handler of a chain from the current routes and
// filter configs (called with p.mu held, through the listener manager).
func (p *Proxy) buildHandler(l *config.Listener, fc *config.FilterChain) (http.Handler, error) {
	hcm := fc.HTTP
	routes := hcm.Routes
	if hcm.RDSName != "" {
		routes = p.state.activeRoutes[hcm.RDSName]
	}
	var filters []httpx.Filter
	for i := range hcm.Filters {
		f := &hcm.Filters[i]
		if f.Disabled {
			continue
		}
		cfg := f
		if f.ECDSName != "" {
			if cfg = p.state.extensions[f.ECDSName]; cfg == nil {
				return nil, fmt.Errorf("proxy: listener %s: filter %s: extension config not received", l.Name, f.Name)
			}
		}
		hf, err := p.newFilter(cfg)
		if err != nil && cfg.Kind == config.FilterWasm && cfg.Wasm.FailOpen {
			// fail_open: a module that cannot be loaded is skipped, as Envoy does.
			p.log.Warn("wasm filter unavailable, failing open", "listener", l.Name, "filter", f.Name, "err", err)
			p.stats.Inc("wasm.fail_open_skipped")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("proxy: listener %s: filter %s: %w", l.Name, f.Name, err)
		}
		filters = append(filters, hf)
	}
	var al = p.cfg.AccessLog
	if !hcm.AccessLog {
		al = nil
	}
	return httpx.New(httpx.Options{HCM: hcm, Routes: routes, Filters: filters, Clusters: p.clusters,
		Stats: p.stats, Log: p.log, AccessLog: al, LogMu: &p.logMu, NodeID: p.cfg.Node.GetId()}), nil
}

func (p *Proxy) newFilter(f *config.HTTPFilter) (httpx.Filter, error) {
	switch f.Kind {
	case config.FilterFault:
		return httpx.NewFault(f.Fault), nil
	case config.FilterCORS:
		return httpx.CORS{}, nil
	case config.FilterDenyAll:
		return httpx.DenyAll{}, nil
	case config.FilterJWT:
		return httpx.NewJWT(f.JWT, p.jwks)
	case config.FilterWasm:
		if p.cfg.Wasm == nil {
			return nil, ErrNoWasm
		}
		ctx := p.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		return p.cfg.Wasm.NewFilter(ctx, f.Wasm)
	}
	return nil, fmt.Errorf("proxy: unsupported filter kind %q", f.Kind)
}

// checkWasm loads a Wasm extension config before it is accepted, so that a
// module that cannot be fetched or compiled NACKs unless it is fail_open.
func (p *Proxy) checkWasm(f *config.HTTPFilter) error {
	if p.cfg.Wasm == nil {
		return &config.Error{Kind: "extension", Resource: f.Name, Field: "typed_config", Err: ErrNoWasm}
	}
	ctx := p.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if _, err := p.cfg.Wasm.NewFilter(ctx, f.Wasm); err != nil && !f.Wasm.FailOpen {
		return &config.Error{Kind: "extension", Resource: f.Name, Field: "typed_config.config.vm_config.code", Err: err}
	}
	return nil
}
