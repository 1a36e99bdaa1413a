package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/durationpb"
)

func dur(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}

// compileRegex compiles an Envoy RE2 regex. Go's regexp is RE2 too.
func compileRegex(field string, m *matcherv3.RegexMatcher) (*regexp.Regexp, error) {
	if err := onlyFields(m, "regex", "google_re2"); err != nil {
		return nil, at(field, err)
	}
	re, err := regexp.Compile("^(?:" + m.GetRegex() + ")$")
	if err != nil {
		return nil, invalid(field+".regex", "%v", err)
	}
	return re, nil
}

func stringMatcher(field string, m *matcherv3.StringMatcher) (StringMatcher, error) {
	if m == nil {
		return StringMatcher{}, invalid(field, "missing")
	}
	if err := onlyFields(m, "exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"); err != nil {
		return StringMatcher{}, at(field, err)
	}
	sm := StringMatcher{IgnoreCase: m.GetIgnoreCase()}
	switch p := m.GetMatchPattern().(type) {
	case *matcherv3.StringMatcher_Exact:
		sm.Kind, sm.Value = MatchExact, p.Exact
	case *matcherv3.StringMatcher_Prefix:
		sm.Kind, sm.Value = MatchPrefix, p.Prefix
	case *matcherv3.StringMatcher_Suffix:
		sm.Kind, sm.Value = MatchSuffix, p.Suffix
	case *matcherv3.StringMatcher_Contains:
		sm.Kind, sm.Value = MatchContains, p.Contains
	case *matcherv3.StringMatcher_SafeRegex:
		re, err := compileRegex(field+".safe_regex", p.SafeRegex)
		if err != nil {
			return StringMatcher{}, err
		}
		sm.Kind, sm.Regex = MatchRegex, re
	default:
		return StringMatcher{}, invalid(field, "no match pattern")
	}
	if sm.IgnoreCase && sm.Kind != MatchRegex {
		sm.Value = strings.ToLower(sm.Value)
	}
	return sm, nil
}

// Match reports whether s satisfies the matcher.
func (m *StringMatcher) Match(s string) bool {
	if m.IgnoreCase && m.Kind != MatchRegex {
		s = strings.ToLower(s)
	}
	switch m.Kind {
	case MatchExact:
		return s == m.Value
	case MatchPrefix:
		return strings.HasPrefix(s, m.Value)
	case MatchSuffix:
		return strings.HasSuffix(s, m.Value)
	case MatchContains:
		return strings.Contains(s, m.Value)
	case MatchRegex:
		return m.Regex.MatchString(s)
	case MatchPresent:
		return true
	}
	return false
}

// dataSource reads an Envoy DataSource (inline bytes/string or a file).
func dataSource(field string, d *corev3.DataSource) ([]byte, error) {
	if d == nil {
		return nil, nil
	}
	switch s := d.GetSpecifier().(type) {
	case *corev3.DataSource_InlineBytes:
		return s.InlineBytes, nil
	case *corev3.DataSource_InlineString:
		return []byte(s.InlineString), nil
	case *corev3.DataSource_Filename:
		b, err := os.ReadFile(s.Filename)
		if err != nil {
			return nil, invalid(field+".filename", "%v", err)
		}
		return b, nil
	case *corev3.DataSource_EnvironmentVariable:
		v, ok := os.LookupEnv(s.EnvironmentVariable)
		if !ok {
			return nil, invalid(field+".environment_variable", "%s is not set", s.EnvironmentVariable)
		}
		return []byte(v), nil
	}
	return nil, invalid(field, "empty data source")
}

// perMillion converts a FractionalPercent to parts per million.
func perMillion(field string, p *typev3.FractionalPercent) (uint32, error) {
	if p == nil {
		return 0, nil
	}
	n := uint64(p.GetNumerator())
	switch p.GetDenominator() {
	case typev3.FractionalPercent_HUNDRED:
		n *= 10000
	case typev3.FractionalPercent_TEN_THOUSAND:
		n *= 100
	case typev3.FractionalPercent_MILLION:
	default:
		return 0, invalid(field+".denominator", "unknown %v", p.GetDenominator())
	}
	if n > 1000000 {
		n = 1000000
	}
	return uint32(n), nil
}

func runtimePerMillion(field string, p *corev3.RuntimeFractionalPercent) (uint32, error) {
	if p == nil {
		return 1000000, nil
	}
	if err := onlyFields(p, "default_value", "runtime_key"); err != nil {
		return 0, at(field, err)
	}
	return perMillion(field+".default_value", p.GetDefaultValue())
}

func headerOps(field string, add []*corev3.HeaderValueOption, remove []string) (HeaderOps, error) {
	ops := HeaderOps{Remove: append([]string(nil), remove...)}
	for i, h := range add {
		f := fmt.Sprintf("%s[%d]", field, i)
		if err := onlyFields(h, "header", "append", "append_action", "keep_empty_value"); err != nil {
			return ops, at(f, err)
		}
		if err := onlyFields(h.GetHeader(), "key", "value", "raw_value"); err != nil {
			return ops, at(f+".header", err)
		}
		v := h.GetHeader().GetValue()
		if raw := h.GetHeader().GetRawValue(); len(raw) > 0 {
			v = string(raw)
		}
		hv := HeaderValue{Key: h.GetHeader().GetKey(), Value: v}
		if h.GetHeader().GetKey() == "" {
			return ops, invalid(f+".header.key", "empty")
		}
		if h.Append != nil { //nolint:staticcheck // deprecated but still emitted
			hv.Append = h.GetAppend().GetValue() //nolint:staticcheck
		} else {
			switch h.GetAppendAction() {
			case corev3.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD:
				hv.Append = true
			case corev3.HeaderValueOption_ADD_IF_ABSENT:
				hv.IfAbsent = true
			case corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD:
			default:
				return ops, unsupported(f+".append_action", "%v", h.GetAppendAction())
			}
		}
		ops.Add = append(ops.Add, hv)
	}
	return ops, nil
}
