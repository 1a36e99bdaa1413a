package extauthz

import (
	"slices"
	"time"
)

// Quantiles sorts d in place and returns the values at the quantiles qs
// (each in [0, 1]), nearest rank; zero for an empty d.
func Quantiles(d []time.Duration, qs ...float64) []time.Duration {
	out := make([]time.Duration, len(qs))
	if len(d) == 0 {
		return out
	}
	slices.Sort(d)
	for i, q := range qs {
		r := int(q*float64(len(d))+0.5) - 1
		out[i] = d[min(max(r, 0), len(d)-1)]
	}
	return out
}
