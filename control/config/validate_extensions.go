package config

import (
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

func (v *validator) wasmPlugin(p string, s *api.WasmPlugin) {
	v.selectorTarget(p, s.Selector, s.TargetRef, s.TargetRefs)
	if v.required(p+".url", s.URL) {
		v.moduleURL(p+".url", s.URL)
	}
	v.digest(p+".sha256", s.SHA256)
	if s.VMConfig != nil {
		names := map[string]int{}
		for i, e := range s.VMConfig.Env {
			ep := idx(p+".vmConfig.env", i)
			if v.required(ep+".name", e.Name) {
				if j, dup := names[e.Name]; dup {
					v.add(ep+".name", "duplicate variable %q (also env[%d])", e.Name, j)
				}
				names[e.Name] = i
			}
			if e.ValueFrom == "HOST" && e.Value == "" {
				v.add(ep+".value", "required with valueFrom HOST (the host variable's name)")
			}
		}
	}
	v.trafficSelectors(p+".match", s.Match)
}

func (v *validator) trafficSelectors(p string, ms []api.TrafficSelector) {
	for i, m := range ms {
		for j, port := range m.Ports {
			v.port(idx(idx(p, i)+".ports", j)+".number", port.Number)
		}
	}
}

// moduleURL accepts file://, http(s)://, oci:// URLs and scheme-less OCI
// references (registry/repo:tag or @sha256:digest).
func (v *validator) moduleURL(p, raw string) {
	if !strings.Contains(raw, "://") {
		raw = "oci://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		v.add(p, "invalid URL: %v", err)
		return
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" {
			v.add(p, "file URL needs a path, e.g. file:///var/lib/filters/f.wasm")
		}
	case "http", "https", "oci":
		if u.Host == "" {
			v.add(p, "URL needs a host, got %q", raw)
		}
		if u.Scheme == "oci" {
			if _, d, ok := strings.Cut(u.Path, "@sha256:"); ok {
				v.digest(p, d)
			}
		}
	default:
		v.add(p, "unsupported scheme %q: use file://, http://, https:// or oci://", u.Scheme)
	}
}

func (v *validator) telemetry(p string, s *api.Telemetry) {
	v.selectorTarget(p, s.Selector, s.TargetRef, s.TargetRefs)
	for i, t := range s.Tracing {
		tp := idx(p+".tracing", i)
		v.providers(tp+".providers", t.Providers)
		if t.RandomSamplingPercentage != nil && (*t.RandomSamplingPercentage < 0 || *t.RandomSamplingPercentage > 100) {
			v.add(tp+".randomSamplingPercentage", "must be between 0 and 100, got %g", *t.RandomSamplingPercentage)
		}
		for _, name := range sortedKeys(t.CustomTags) {
			ct := t.CustomTags[name]
			cp := key(tp+".customTags", name)
			n := 0
			for _, set := range []bool{ct.Literal != nil, ct.Environment != nil, ct.Header != nil, ct.Formatter != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				v.add(cp, "must set exactly one of literal, environment, header or formatter")
			}
			if ct.Environment != nil {
				v.required(cp+".environment.name", ct.Environment.Name)
			}
			if ct.Header != nil {
				v.required(cp+".header.name", ct.Header.Name)
			}
			if ct.Formatter != nil {
				v.required(cp+".formatter.value", ct.Formatter.Value)
			}
		}
	}
	for i, m := range s.Metrics {
		mp := idx(p+".metrics", i)
		v.providers(mp+".providers", m.Providers)
		v.positiveDuration(mp+".reportingInterval", m.ReportingInterval)
		for j, o := range m.Overrides {
			op := idx(mp+".overrides", j)
			if o.Match != nil {
				v.exclusive(op+".match", []string{"metric", "customMetric"}, o.Match.Metric != "", o.Match.CustomMetric != "")
			}
			for _, tag := range sortedKeys(o.TagOverrides) {
				t := o.TagOverrides[tag]
				if t.Operation == "REMOVE" && t.Value != "" {
					v.add(key(op+".tagOverrides", tag)+".value", "not allowed with operation REMOVE")
				}
			}
		}
	}
	for i, a := range s.AccessLogging {
		ap := idx(p+".accessLogging", i)
		v.providers(ap+".providers", a.Providers)
		if a.Filter != nil {
			v.required(ap+".filter.expression", a.Filter.Expression)
		}
	}
}

func (v *validator) providers(p string, ps []api.ProviderRef) {
	for i, pr := range ps {
		v.required(idx(p, i)+".name", pr.Name)
	}
}

var entrypointRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$`)

func (v *validator) policy(p string, s *api.Policy) {
	if s.Selector != nil {
		v.labels(p+".selector.matchLabels", s.Selector.MatchLabels)
	}
	if s.Rego == "" && len(s.Files) == 0 {
		v.add(p, "must set rego or files")
	}
	for i, f := range s.Files {
		fp := idx(p+".files", i)
		switch {
		case f == "":
			v.add(fp, "must not be empty")
		case path.IsAbs(f) || strings.HasPrefix(path.Clean(f), ".."):
			v.add(fp, "must be a path inside the config directory, got %q", f)
		case !strings.HasSuffix(f, ".rego"):
			v.add(fp, "must be a .rego file, got %q", f)
		}
	}
	if !entrypointRE.MatchString(s.Entrypoint) {
		v.add(p+".entrypoint", "must be a rule path such as \"wasmesh/authz/allow\", got %q", s.Entrypoint)
	}
	if s.FailStrategy == api.FailReload {
		v.add(p+".failStrategy", "must be FAIL_CLOSE or FAIL_OPEN, got FAIL_RELOAD")
	}
	v.trafficSelectors(p+".match", s.Match)
}
