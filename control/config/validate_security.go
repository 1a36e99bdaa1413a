package config

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) authorizationPolicy(path string, s *api.AuthorizationPolicy) {
	v.selectorTarget(path, s.Selector, s.TargetRef, s.TargetRefs)
	if s.Action == api.ActionCustom {
		if s.Provider == nil || s.Provider.Name == "" {
			v.add(path+".provider.name", "required for action CUSTOM")
		}
	} else if s.Provider != nil {
		v.add(path+".provider", "only allowed with action CUSTOM")
	}
	for i, r := range s.Rules {
		p := idx(path+".rules", i)
		for j, f := range r.From {
			fp := idx(p+".from", j)
			if f.Source == nil {
				v.add(fp+".source", "required")
				continue
			}
			v.source(fp+".source", f.Source)
		}
		for j, t := range r.To {
			tp := idx(p+".to", j)
			if t.Operation == nil {
				v.add(tp+".operation", "required")
				continue
			}
			v.operation(tp+".operation", t.Operation)
		}
		for j, c := range r.When {
			v.condition(idx(p+".when", j), c)
		}
	}
}

func (v *validator) source(path string, s *api.Source) {
	lists := [][]string{s.Principals, s.NotPrincipals, s.RequestPrincipals, s.NotRequestPrincipals,
		s.Namespaces, s.NotNamespaces, s.IPBlocks, s.NotIPBlocks, s.RemoteIPBlocks, s.NotRemoteIPBlocks,
		s.ServiceAccounts, s.NotServiceAccounts}
	empty := true
	for _, l := range lists {
		empty = empty && len(l) == 0
	}
	if empty {
		v.add(path, "must set at least one field")
	}
	for _, f := range []field[[]string]{{"ipBlocks", s.IPBlocks}, {"notIpBlocks", s.NotIPBlocks},
		{"remoteIpBlocks", s.RemoteIPBlocks}, {"notRemoteIpBlocks", s.NotRemoteIPBlocks}} {
		for i, b := range f.val {
			v.ipOrCIDR(idx(path+"."+f.name, i), b)
		}
	}
	if len(s.ServiceAccounts)+len(s.NotServiceAccounts) > 0 && len(s.Principals)+len(s.NotPrincipals) > 0 {
		v.add(path, "serviceAccounts and principals are mutually exclusive: set only one")
	}
	for i, sa := range s.ServiceAccounts {
		if ns, name, ok := strings.Cut(sa, "/"); !ok || ns == "" || name == "" {
			v.add(idx(path+".serviceAccounts", i), "must be \"namespace/name\", got %q", sa)
		}
	}
}

func (v *validator) operation(path string, o *api.Operation) {
	if len(o.Hosts)+len(o.NotHosts)+len(o.Ports)+len(o.NotPorts)+len(o.Methods)+len(o.NotMethods)+len(o.Paths)+len(o.NotPaths) == 0 {
		v.add(path, "must set at least one field")
	}
	for _, f := range []field[[]string]{{"ports", o.Ports}, {"notPorts", o.NotPorts}} {
		for i, p := range f.val {
			n, err := strconv.ParseUint(p, 10, 32)
			if err != nil || n < 1 || n > 65535 {
				v.add(idx(path+"."+f.name, i), "must be a port number between 1 and 65535, got %q", p)
			}
		}
	}
	for _, f := range []field[[]string]{{"paths", o.Paths}, {"notPaths", o.NotPaths}} {
		for i, p := range f.val {
			if p == "" {
				v.add(idx(path+"."+f.name, i), "must not be empty")
			}
		}
	}
}

var conditionKey = regexp.MustCompile(`^(request\.headers\[[^\]]+\]|request\.auth\.claims\[[^\]]+\](\[[^\]]+\])*|` +
	`request\.auth\.(principal|audiences|presenter)|source\.(ip|namespace|principal)|remote\.ip|` +
	`destination\.(ip|port)|connection\.sni|experimental\.envoy\.filters\.[a-z_.]+\[[^\]]+\])$`)

func (v *validator) condition(path string, c api.Condition) {
	if v.required(path+".key", c.Key) && !conditionKey.MatchString(c.Key) {
		v.add(path+".key", "unknown condition key %q", c.Key)
	}
	if len(c.Values) == 0 && len(c.NotValues) == 0 {
		v.add(path, "must set values or notValues")
	}
	if c.Key == "source.ip" || c.Key == "remote.ip" || c.Key == "destination.ip" {
		for i, val := range c.Values {
			v.ipOrCIDR(idx(path+".values", i), val)
		}
		for i, val := range c.NotValues {
			v.ipOrCIDR(idx(path+".notValues", i), val)
		}
	}
}

func (v *validator) peerAuthentication(path string, s *api.PeerAuthentication) {
	if s.Selector != nil {
		v.labels(path+".selector.matchLabels", s.Selector.MatchLabels)
	}
	if len(s.PortLevelMTLS) > 0 && (s.Selector == nil || len(s.Selector.MatchLabels) == 0) {
		v.add(path+".portLevelMtls", "requires a selector with matchLabels")
	}
	ports := make([]uint32, 0, len(s.PortLevelMTLS))
	for port := range s.PortLevelMTLS {
		ports = append(ports, port)
	}
	slices.Sort(ports)
	for _, port := range ports {
		v.port(key(path+".portLevelMtls", strconv.FormatUint(uint64(port), 10)), port)
	}
}

func (v *validator) requestAuthentication(path string, s *api.RequestAuthentication) {
	v.selectorTarget(path, s.Selector, s.TargetRef, s.TargetRefs)
	issuers := map[string]int{}
	for i := range s.JWTRules {
		r := &s.JWTRules[i]
		p := idx(path+".jwtRules", i)
		if v.required(p+".issuer", r.Issuer) {
			if j, dup := issuers[r.Issuer]; dup {
				v.add(p+".issuer", "duplicate issuer %q (also jwtRules[%d])", r.Issuer, j)
			}
			issuers[r.Issuer] = i
		}
		v.exclusive(p, []string{"jwksUri", "jwks"}, r.JwksURI != "", r.Jwks != "")
		if r.JwksURI != "" {
			u, err := url.Parse(r.JwksURI)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.add(p+".jwksUri", "must be an http(s) URL, got %q", r.JwksURI)
			}
		}
		if r.Jwks != "" {
			var set struct {
				Keys []json.RawMessage `json:"keys"`
			}
			if err := json.Unmarshal([]byte(r.Jwks), &set); err != nil || len(set.Keys) == 0 {
				v.add(p+".jwks", "must be a JSON Web Key Set with at least one key")
			}
		}
		for j, h := range r.FromHeaders {
			v.required(idx(p+".fromHeaders", j)+".name", h.Name)
		}
		for j, c := range r.OutputClaimToHeaders {
			cp := idx(p+".outputClaimToHeaders", j)
			v.required(cp+".header", c.Header)
			v.required(cp+".claim", c.Claim)
		}
		v.positiveDuration(p+".timeout", r.Timeout)
	}
}
