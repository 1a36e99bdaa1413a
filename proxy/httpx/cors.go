package httpx

import (
	"net/http"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// CORS is envoy.filters.http.cors: it answers preflight requests and adds
// CORS headers according to the route's or virtual host's policy.
type CORS struct{}

var _ Filter = CORS{}

// Name implements Filter.
func (CORS) Name() string { return string(config.FilterCORS) }

func policyOf(s *Stream) *config.CORSPolicy {
	if s.Route != nil && s.Route.CORS != nil {
		return s.Route.CORS
	}
	if s.VHost != nil {
		return s.VHost.CORS
	}
	return nil
}

// OnRequest implements Filter.
func (CORS) OnRequest(s *Stream) *LocalReply {
	p := policyOf(s)
	origin := s.Req.Header.Get("Origin")
	if p == nil || origin == "" {
		return nil
	}
	allowed := false
	for i := range p.AllowOrigins {
		if p.AllowOrigins[i].Match(origin) {
			allowed = true
			break
		}
	}
	if !allowed {
		return nil
	}
	if s.Req.Method == http.MethodOptions && s.Req.Header.Get("Access-Control-Request-Method") != "" {
		h := http.Header{}
		h.Set("Access-Control-Allow-Origin", origin)
		if p.AllowMethods != "" {
			h.Set("Access-Control-Allow-Methods", p.AllowMethods)
		}
		if p.AllowHeaders != "" {
			h.Set("Access-Control-Allow-Headers", p.AllowHeaders)
		}
		if p.MaxAge != "" {
			h.Set("Access-Control-Max-Age", p.MaxAge)
		}
		if p.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if p.ExposeHeaders != "" {
			h.Set("Access-Control-Expose-Headers", p.ExposeHeaders)
		}
		return &LocalReply{Status: http.StatusOK, Header: h, GRPCStatus: -1}
	}
	s.OnResponseHeaders(func(_ int, h http.Header) {
		h.Set("Access-Control-Allow-Origin", origin)
		if p.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if p.ExposeHeaders != "" {
			h.Set("Access-Control-Expose-Headers", p.ExposeHeaders)
		}
	})
	return nil
}
