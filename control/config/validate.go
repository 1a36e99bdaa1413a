package config

import (
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// Validate checks a decoded, defaulted config and returns every problem,
// each with its field path (Line is left 0: DecodeFile adds lines). It checks
// value ranges, mutually exclusive and required fields, regexes (RE2),
// durations, digests, addresses and enum values. References to other
// configs or services are not checked here (see Analyze).
func Validate(c *api.Config) ErrorList {
	v := &validator{}
	k, ok := api.LookupKind(c.Kind)
	if !ok {
		v.add("kind", "unknown kind %q (known: %s)", c.Kind, knownKinds())
		return v.errs
	}
	if !k.Accepts(c.APIVersion) {
		v.add("apiVersion", "%q does not serve kind %s (use %s)", c.APIVersion, c.Kind, k.GVK.APIVersion())
	}
	v.dnsSubdomain("metadata.name", c.Metadata.Name)
	v.dnsLabel("metadata.namespace", c.Metadata.Namespace)
	if c.Spec == nil || reflect.TypeOf(c.Spec) != reflect.PointerTo(k.Spec) || reflect.ValueOf(c.Spec).IsNil() {
		v.add("spec", "must be a %s spec", c.Kind)
		return v.errs
	}
	v.enums("spec", reflect.ValueOf(c.Spec))
	switch s := c.Spec.(type) {
	case *api.VirtualService:
		v.virtualService("spec", s)
	case *api.DestinationRule:
		v.destinationRule("spec", s)
	case *api.Gateway:
		v.gateway("spec", s)
	case *api.ServiceEntry:
		v.serviceEntry("spec", s)
	case *api.WorkloadEntry:
		v.workloadEntry("spec", s)
	case *api.Sidecar:
		v.sidecar("spec", s)
	case *api.AuthorizationPolicy:
		v.authorizationPolicy("spec", s)
	case *api.PeerAuthentication:
		v.peerAuthentication("spec", s)
	case *api.RequestAuthentication:
		v.requestAuthentication("spec", s)
	case *api.WasmPlugin:
		v.wasmPlugin("spec", s)
	case *api.Telemetry:
		v.telemetry("spec", s)
	case *api.Policy:
		v.policy("spec", s)
	}
	return v.errs
}

// validator collects problems with their field paths.
type validator struct {
	errs ErrorList
}

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, Error{Path: path, Message: fmt.Sprintf(format, args...)})
}

func idx(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func key(path, k string) string { return path + "[" + k + "]" }

// enums checks every enum-typed string below val (the decoder does it too;
// this covers configs built in Go, e.g. applied through the API).
func (v *validator) enums(path string, val reflect.Value) {
	switch val.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !val.IsNil() {
			v.enums(path, val.Elem())
		}
	case reflect.Struct:
		t := val.Type()
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && t.Field(i).IsExported() {
				v.enums(join(path, name), val.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < val.Len(); i++ {
			v.enums(idx(path, i), val.Index(i))
		}
	case reflect.Map:
		keys := val.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			return strings.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
		})
		for _, k := range keys {
			v.enums(key(path, fmt.Sprint(k.Interface())), val.MapIndex(k))
		}
	case reflect.String:
		e, ok := val.Interface().(api.Enum)
		if ok && val.String() != "" && !slices.Contains(e.Values(), val.String()) {
			v.add(path, "invalid value %q: must be one of %s", val.String(), strings.Join(e.Values(), ", "))
		}
	}
}

func (v *validator) required(path, s string) bool {
	if s == "" {
		v.add(path, "required")
		return false
	}
	return true
}

func (v *validator) port(path string, n uint32) {
	if n < 1 || n > 65535 {
		v.add(path, "must be between 1 and 65535, got %d", n)
	}
}

// optPort checks a port that may be left 0.
func (v *validator) optPort(path string, n uint32) {
	if n != 0 {
		v.port(path, n)
	}
}

func (v *validator) percent(path string, p *api.Percent) {
	if p != nil && (p.Value < 0 || p.Value > 100) {
		v.add(path+".value", "must be between 0 and 100, got %g", p.Value)
	}
}

// percentValue checks an optional plain percentage (0-100).
func (v *validator) percentValue(path string, p *float64) {
	if p != nil && (*p < 0 || *p > 100) {
		v.add(path, "must be between 0 and 100, got %g", *p)
	}
}

func (v *validator) between(path string, n, lo, hi int64) {
	if n < lo || n > hi {
		v.add(path, "must be between %d and %d, got %d", lo, hi, n)
	}
}

func (v *validator) nonNegative(path string, n int64) {
	if n < 0 {
		v.add(path, "must not be negative, got %d", n)
	}
}

func (v *validator) duration(path string, d *api.Duration) {
	if d != nil && d.Duration < 0 {
		v.add(path, "must not be negative, got %s", d.Duration)
	}
}

// positiveDuration checks a duration that must be greater than zero when set.
func (v *validator) positiveDuration(path string, d *api.Duration) {
	if d != nil && d.Duration <= 0 {
		v.add(path, "must be greater than 0, got %s", d.Duration)
	}
}

func (v *validator) regex(path, re string) {
	if _, err := regexp.Compile(re); err != nil {
		msg := err.Error()
		msg = strings.TrimPrefix(msg, "error parsing regexp: ")
		v.add(path, "invalid regex %q: %s", re, msg)
	}
}

func (v *validator) stringMatch(path string, m *api.StringMatch) {
	if m == nil {
		return
	}
	n := 0
	for _, s := range []string{m.Exact, m.Prefix, m.Regex} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		v.add(path, "must set exactly one of exact, prefix or regex")
	}
	if m.Regex != "" {
		v.regex(path+".regex", m.Regex)
	}
}

var sha256Hex = regexp.MustCompile(`^[a-f0-9]{64}$`)

func (v *validator) digest(path, s string) {
	if s != "" && !sha256Hex.MatchString(s) {
		v.add(path, "must be a sha256 digest of 64 lower-case hexadecimal characters, got %q", s)
	}
}

var (
	dnsLabelRE  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubRE    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	hostLabelRE = regexp.MustCompile(`^[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?$`)
)

func (v *validator) dnsLabel(path, s string) {
	if !v.required(path, s) {
		return
	}
	if len(s) > 63 || !dnsLabelRE.MatchString(s) {
		v.add(path, "must be a DNS label (lower-case letters, digits and '-', at most 63 characters), got %q", s)
	}
}

func (v *validator) dnsSubdomain(path, s string) {
	if !v.required(path, s) {
		return
	}
	if len(s) > 253 || !dnsSubRE.MatchString(s) {
		v.add(path, "must be a DNS name (lower-case letters, digits, '-' and '.'), got %q", s)
	}
}

// host checks a host name: a DNS name, optionally with a leading "*."
// wildcard, or "*" when wildcardAll.
func (v *validator) host(path, h string, wildcardAll bool) {
	if !v.required(path, h) {
		return
	}
	if h == "*" {
		if !wildcardAll {
			v.add(path, "the wildcard \"*\" is not allowed here")
		}
		return
	}
	name := strings.TrimPrefix(h, "*.")
	if len(name) > 255 {
		v.add(path, "host name longer than 255 characters")
		return
	}
	for _, l := range strings.Split(name, ".") {
		if len(l) > 63 || !hostLabelRE.MatchString(l) {
			v.add(path, "invalid host %q: must be a DNS name, optionally prefixed by \"*.\"", h)
			return
		}
	}
}

// nsHost checks "namespace/host" (Sidecar egress, Gateway server hosts).
func (v *validator) nsHost(path, h string, nsRequired bool) {
	ns, host, ok := strings.Cut(h, "/")
	if !ok {
		if nsRequired {
			v.add(path, "must be \"namespace/host\", got %q", h)
			return
		}
		v.host(path, h, true)
		return
	}
	if ns != "*" && ns != "." && ns != "~" {
		if len(ns) > 63 || !dnsLabelRE.MatchString(ns) {
			v.add(path, "invalid namespace %q in %q", ns, h)
			return
		}
	}
	if host == "" {
		v.add(path, "missing host after %q", ns+"/")
		return
	}
	if ns == "~" {
		return
	}
	v.host(path, host, true)
}

func (v *validator) ipOrCIDR(path, s string) {
	if _, err := netip.ParsePrefix(s); err == nil {
		return
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return
	}
	v.add(path, "must be an IP address or CIDR, got %q", s)
}

// exclusive reports a problem when more than one of the named fields is set.
func (v *validator) exclusive(path string, names []string, set ...bool) {
	var on []string
	for i, s := range set {
		if s {
			on = append(on, names[i])
		}
	}
	if len(on) > 1 {
		v.add(path, "%s are mutually exclusive: set only one", strings.Join(on, " and "))
	}
}

func (v *validator) labels(path string, m map[string]string) {
	for k := range m {
		if k == "" {
			v.add(path, "label keys must not be empty")
		}
	}
}

func (v *validator) exportTo(path string, s []string) {
	for i, e := range s {
		if e == "." || e == "*" || e == "~" {
			continue
		}
		v.dnsLabel(idx(path, i), e)
	}
}

func (v *validator) selectorTarget(path string, sel *api.LabelSelector, ref *api.PolicyTargetReference, refs []api.PolicyTargetReference) {
	v.exclusive(path, []string{"selector", "targetRef", "targetRefs"}, sel != nil, ref != nil, len(refs) > 0)
	if sel != nil {
		v.labels(path+".selector.matchLabels", sel.MatchLabels)
	}
	if ref != nil {
		v.targetRef(path+".targetRef", ref)
	}
	for i := range refs {
		v.targetRef(idx(path+".targetRefs", i), &refs[i])
	}
}

func (v *validator) targetRef(path string, r *api.PolicyTargetReference) {
	v.required(path+".kind", r.Kind)
	v.required(path+".name", r.Name)
}

// sortedKeys returns the keys of m in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// field pairs a field name with its value, for checking several fields alike.
type field[T any] struct {
	name string
	val  T
}
