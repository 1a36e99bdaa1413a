package config

import (
	"regexp"
	"strings"
	"time"
)

// Envoy's defaults.
const (
	defaultRouteTimeout   = 15 * time.Second
	defaultRetryBase      = 25 * time.Millisecond
	defaultConnectTimeout = 5 * time.Second
	defaultDNSRefresh     = 5 * time.Second
	defaultRingMinSize    = 1024
	defaultOverprovision  = 140
)

func compileRegexUnanchored(field, expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, invalid(field, "%v", err)
	}
	return re, nil
}

// convertSubstitution turns Envoy's \1 capture references into Go's ${1}.
func convertSubstitution(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			b.WriteString("${")
			b.WriteByte(s[i+1])
			b.WriteString("}")
			i++
			continue
		}
		if s[i] == '$' {
			b.WriteString("$$")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
