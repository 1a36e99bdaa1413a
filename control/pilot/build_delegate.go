package pilot

import (
	"maps"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// httpRule is one HTTP route to translate, with the namespace its short
// destination host names resolve in (a delegate's own namespace).
type httpRule struct {
	h  *api.HTTPRoute
	ns string
}

// httpRules lists vs's HTTP routes in order, each delegating route replaced
// by the routes of the delegate VirtualService merged into it, as Istio
// does with one level of delegation: a delegate route's match must narrow
// the root route's (else that combination is dropped with a warning), and
// the root's settings apply where the delegate route sets none.
func (b *builder) httpRules(vs *api.VirtualService, vsNS string) []httpRule {
	var out []httpRule
	for i := range vs.HTTP {
		root := &vs.HTTP[i]
		if root.Delegate == nil {
			out = append(out, httpRule{root, vsNS})
			continue
		}
		ns := root.Delegate.Namespace
		if ns == "" {
			ns = vsNS
		}
		dvs := b.delegate(ns, root.Delegate.Name, vsNS)
		if dvs == nil {
			continue
		}
		for j := range dvs.HTTP {
			d := &dvs.HTTP[j]
			merged, ok := mergeHTTPRoute(root, d)
			if !ok {
				b.warn("VirtualService %s/%s route %d: its match does not narrow the delegating route %q; skipped", ns, root.Delegate.Name, j, root.Name)
				continue
			}
			out = append(out, httpRule{merged, ns})
		}
	}
	return out
}

// delegate finds the delegate VirtualService ns/name visible from the root's
// namespace, warning when it is missing, hidden or not a delegate.
func (b *builder) delegate(ns, name, from string) *api.VirtualService {
	for _, c := range b.ix.configs(api.KindVirtualService) {
		if c.Metadata.Namespace != ns || c.Metadata.Name != name {
			continue
		}
		vs := c.Spec.(*api.VirtualService)
		switch {
		case len(vs.Hosts) > 0:
			b.warn("VirtualService %s/%s has hosts: it cannot be a delegate", ns, name)
			return nil
		case !exported(vs.ExportTo, ns, from):
			b.warn("delegate VirtualService %s/%s is not exported to namespace %s", ns, name, from)
			return nil
		}
		return vs
	}
	b.warn("delegate VirtualService %s/%s is not defined", ns, name)
	return nil
}

// mergeHTTPRoute merges a delegate route into its root: every delegate match
// combined with every root match (a root without matches keeps the
// delegate's), and the root's route-level settings where the delegate has
// none. False when no combination of matches is consistent.
func mergeHTTPRoute(root, d *api.HTTPRoute) (*api.HTTPRoute, bool) {
	out := *d
	out.Match = nil
	switch {
	case len(root.Match) == 0:
		out.Match = d.Match
	case len(d.Match) == 0:
		out.Match = root.Match
	default:
		for _, rm := range root.Match {
			for _, dm := range d.Match {
				if m, ok := mergeMatch(rm, dm); ok {
					out.Match = append(out.Match, m)
				}
			}
		}
		if len(out.Match) == 0 {
			return nil, false
		}
	}
	switch {
	case d.Name == "":
		out.Name = root.Name
	case root.Name != "":
		out.Name = root.Name + "-" + d.Name
	}
	if out.Rewrite == nil {
		out.Rewrite = root.Rewrite
	}
	if out.Timeout == nil {
		out.Timeout = root.Timeout
	}
	if out.Retries == nil {
		out.Retries = root.Retries
	}
	if out.Fault == nil {
		out.Fault = root.Fault
	}
	if out.Mirror == nil && len(out.Mirrors) == 0 {
		out.Mirror, out.Mirrors, out.MirrorPercent, out.MirrorPercentage = root.Mirror, root.Mirrors, root.MirrorPercent, root.MirrorPercentage
	}
	if out.CorsPolicy == nil {
		out.CorsPolicy = root.CorsPolicy
	}
	if out.Headers == nil {
		out.Headers = root.Headers
	}
	return &out, true
}

// mergeMatch is root ∧ delegate: the delegate's conditions, the root's
// where the delegate has none. A condition both set must be narrowed by
// the delegate (the same value, or a URI/authority inside the root's
// prefix); otherwise they conflict.
func mergeMatch(root, d api.HTTPMatchRequest) (api.HTTPMatchRequest, bool) {
	out := d
	var ok bool
	if out.URI, ok = narrow(root.URI, d.URI); !ok {
		return out, false
	}
	if out.Authority, ok = narrow(root.Authority, d.Authority); !ok {
		return out, false
	}
	if out.Scheme, ok = narrow(root.Scheme, d.Scheme); !ok {
		return out, false
	}
	if out.Method, ok = narrow(root.Method, d.Method); !ok {
		return out, false
	}
	if out.Headers, ok = mergeConds(root.Headers, d.Headers); !ok {
		return out, false
	}
	if out.QueryParams, ok = mergeConds(root.QueryParams, d.QueryParams); !ok {
		return out, false
	}
	if out.WithoutHeaders, ok = mergeConds(root.WithoutHeaders, d.WithoutHeaders); !ok {
		return out, false
	}
	if out.SourceLabels, ok = mergeConds(root.SourceLabels, d.SourceLabels); !ok {
		return out, false
	}
	if d.Port != 0 && root.Port != 0 && d.Port != root.Port {
		return out, false
	}
	if out.Port == 0 {
		out.Port = root.Port
	}
	if d.SourceNamespace != "" && root.SourceNamespace != "" && d.SourceNamespace != root.SourceNamespace {
		return out, false
	}
	if out.SourceNamespace == "" {
		out.SourceNamespace = root.SourceNamespace
	}
	if len(out.Gateways) == 0 {
		out.Gateways = root.Gateways
	}
	out.IgnoreURICase = root.IgnoreURICase || d.IgnoreURICase
	switch {
	case d.Name == "":
		out.Name = root.Name
	case root.Name != "":
		out.Name = root.Name + "-" + d.Name
	}
	return out, true
}

// narrow returns the delegate's string match when it is within the root's
// (or the root sets none), the root's when the delegate sets none.
func narrow(root, d *api.StringMatch) (*api.StringMatch, bool) {
	switch {
	case d == nil:
		return root, true
	case root == nil || *root == *d:
		return d, true
	case root.Prefix != "" && d.Prefix != "":
		return d, strings.HasPrefix(d.Prefix, root.Prefix)
	case root.Prefix != "" && d.Exact != "":
		return d, strings.HasPrefix(d.Exact, root.Prefix)
	}
	return nil, false
}

// mergeConds unions two condition maps (headers, query parameters,
// labels); a key in both must have the same condition.
func mergeConds[V comparable](root, d map[string]V) (map[string]V, bool) {
	if len(root) == 0 {
		return d, true
	}
	out := maps.Clone(root)
	for k, v := range d {
		if r, ok := root[k]; ok && r != v {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}
