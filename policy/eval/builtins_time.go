package eval

import (
	"fmt"
	"math"
	"time"
)

// Rego time values are int64 nanoseconds since the epoch; OPA rejects times
// outside that range.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

func nanos(t time.Time) (any, error) {
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%w: time outside the int64 nanosecond range", errArgs)
	}
	return t.UnixNano(), nil
}

// timeNowNS returns the same instant for every call in one evaluation.
func timeNowNS(bc *builtinCtx, args []any) (any, error) {
	if bc.in.nowNS == 0 {
		bc.in.nowNS = bc.in.p.e.cfg.Now().UnixNano()
	}
	return bc.in.nowNS, nil
}

func timeParseRFC3339NS(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	s, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, err
	}
	return nanos(t)
}

func timeParseNS(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 2); err != nil {
		return nil, err
	}
	layout, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	s, err := argString(args[1])
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return nil, err
	}
	return nanos(t)
}

func timeParseDurationNS(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	s, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, err
	}
	return int64(d), nil
}

// timeArg reads ns or [ns, tz] (and, with layout, [ns, tz, layout]).
func timeArg(a any, withLayout bool) (time.Time, string, error) {
	layout := time.RFC3339Nano
	var nsArg any = a
	tz := "UTC"
	if arr, ok := a.([]any); ok {
		if len(arr) < 2 || len(arr) > 3 || (len(arr) == 3 && !withLayout) {
			return time.Time{}, "", fmt.Errorf("%w: want [ns, tz]", errArgs)
		}
		nsArg = arr[0]
		s, err := argString(arr[1])
		if err != nil {
			return time.Time{}, "", err
		}
		if s != "" {
			tz = s
		}
		if len(arr) == 3 {
			if layout, err = argString(arr[2]); err != nil {
				return time.Time{}, "", err
			}
			layout = namedLayout(layout)
		}
	}
	ns, err := argInt(nsArg)
	if err != nil {
		return time.Time{}, "", err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, "", err
	}
	return time.Unix(0, ns).In(loc), layout, nil
}

// namedLayout maps the Go layout names OPA accepts to layouts.
func namedLayout(s string) string {
	named := map[string]string{
		"ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate,
		"RFC822": time.RFC822, "RFC822Z": time.RFC822Z, "RFC850": time.RFC850,
		"RFC1123": time.RFC1123, "RFC1123Z": time.RFC1123Z, "RFC3339": time.RFC3339,
		"RFC3339Nano": time.RFC3339Nano,
	}
	if l, ok := named[s]; ok {
		return l
	}
	return s
}

func timeDate(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	t, _, err := timeArg(args[0], false)
	if err != nil {
		return nil, err
	}
	y, m, d := t.Date()
	return []int{y, int(m), d}, nil
}

func timeClock(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	t, _, err := timeArg(args[0], false)
	if err != nil {
		return nil, err
	}
	h, m, s := t.Clock()
	return []int{h, m, s}, nil
}

func timeWeekday(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	t, _, err := timeArg(args[0], false)
	if err != nil {
		return nil, err
	}
	return t.Weekday().String(), nil
}

func timeAddDate(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 4); err != nil {
		return nil, err
	}
	var v [4]int64
	for i, a := range args {
		n, err := argInt(a)
		if err != nil {
			return nil, err
		}
		v[i] = n
	}
	return nanos(time.Unix(0, v[0]).UTC().AddDate(int(v[1]), int(v[2]), int(v[3])))
}

func timeFormat(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	t, layout, err := timeArg(args[0], true)
	if err != nil {
		return nil, err
	}
	return t.Format(layout), nil
}
