package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
)

// pickContext computes the ring hash key from the route's hash policies.
// A cookie policy with a TTL mints the cookie when the request has none.
func (h *Handler) pickContext(s *Stream, a *config.RouteAction, w *respWriter) *cluster.PickContext {
	pc := &cluster.PickContext{}
	var key string
	for _, hp := range a.HashPolicies {
		var v string
		switch hp.Kind {
		case config.HashHeader:
			v = s.Req.Header.Get(hp.Name)
		case config.HashCookie:
			if c, err := s.Req.Cookie(hp.Name); err == nil {
				v = c.Value
			} else if hp.CookieTTL > 0 {
				var b [8]byte
				_, _ = rand.Read(b[:])
				v = hex.EncodeToString(b[:])
				ck := &http.Cookie{Name: hp.Name, Value: v, MaxAge: int(hp.CookieTTL.Seconds()), HttpOnly: true}
				w.Header().Add("Set-Cookie", ck.String())
			}
		case config.HashSourceIP:
			if ip, _, err := net.SplitHostPort(s.Req.RemoteAddr); err == nil {
				v = ip
			}
		case config.HashQueryParam:
			v = s.Req.URL.Query().Get(hp.Name)
		}
		if v == "" {
			continue
		}
		if key != "" {
			key += "\x00"
		}
		key += strconv.Itoa(int(hp.Kind)) + v
		if hp.Terminal {
			break
		}
	}
	if key != "" {
		pc.Hash, pc.HasHash = cluster.HashKey(key), true
	}
	return pc
}
