package pilot

import (
	"strconv"
	"strings"

	commonfaultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/common/fault/v3"
	corsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/wasmesh/wasmesh/control/api"
)

var grpcCodes = map[string]uint32{"OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
	"NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9,
	"ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12, "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15,
	"UNAUTHENTICATED": 16}

// faultPercent reads a percentage, the deprecated integer one, or 100.
func faultPercent(p *api.Percent, deprecated int32) float64 {
	switch {
	case p != nil:
		return p.Value
	case deprecated > 0:
		return float64(deprecated)
	}
	return 100
}

// emitFault is the per-route config of envoy.filters.http.fault; nil when
// the fault injects nothing Envoy can express.
func emitFault(f *api.HTTPFaultInjection) *faultv3.HTTPFault {
	out := &faultv3.HTTPFault{}
	if d := f.Delay; d != nil && d.FixedDelay != nil {
		out.Delay = &commonfaultv3.FaultDelay{FaultDelaySecifier: &commonfaultv3.FaultDelay_FixedDelay{FixedDelay: durationpb.New(d.FixedDelay.Duration)},
			Percentage: fraction(faultPercent(d.Percentage, d.Percent))}
	}
	if a := f.Abort; a != nil {
		ab := &faultv3.FaultAbort{Percentage: fraction(faultPercent(a.Percentage, 0))}
		switch {
		case a.HTTPStatus != 0:
			ab.ErrorType = &faultv3.FaultAbort_HttpStatus{HttpStatus: uint32(a.HTTPStatus)}
		case a.GrpcStatus != "":
			ab.ErrorType = &faultv3.FaultAbort_GrpcStatus{GrpcStatus: grpcCodes[a.GrpcStatus]}
		default:
			ab = nil
		}
		out.Abort = ab
	}
	if out.Delay == nil && out.Abort == nil {
		return nil
	}
	return out
}

func emitCORS(c *api.CorsPolicy) *corsv3.CorsPolicy {
	out := &corsv3.CorsPolicy{AllowMethods: join(c.AllowMethods), AllowHeaders: join(c.AllowHeaders), ExposeHeaders: join(c.ExposeHeaders)}
	for _, o := range c.AllowOrigin {
		out.AllowOriginStringMatch = append(out.AllowOriginStringMatch, stringMatcher(&api.StringMatch{Exact: o}, false))
	}
	for i := range c.AllowOrigins {
		if m := stringMatcher(&c.AllowOrigins[i], false); m != nil {
			out.AllowOriginStringMatch = append(out.AllowOriginStringMatch, m)
		}
	}
	if c.MaxAge != nil {
		out.MaxAge = itoa(int64(c.MaxAge.Seconds()))
	}
	if c.AllowCredentials != nil {
		out.AllowCredentials = wrapperspb.Bool(*c.AllowCredentials)
	}
	if c.UnmatchedPreflights == "IGNORE" {
		out.ForwardNotMatchingPreflights = wrapperspb.Bool(false)
	}
	return out
}

func join(s []string) string { return strings.Join(s, ",") }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
