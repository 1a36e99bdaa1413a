package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// builtinFunc implements one Rego builtin over JSON-decoded arguments
// (numbers as json.Number). An error makes the call undefined, as OPA does
// for builtin errors outside strict mode.
type builtinFunc func(bc *builtinCtx, args []any) (any, error)

// builtinCtx is the state a builtin may use during one evaluation.
type builtinCtx struct{ in *instance }

// builtins are the functions the OPA Wasm target imports from the host that
// this evaluator implements. Everything else the Wasm target compiles natively.
var builtins = map[string]builtinFunc{
	"time.now_ns":            timeNowNS,
	"time.parse_rfc3339_ns":  timeParseRFC3339NS,
	"time.parse_ns":          timeParseNS,
	"time.parse_duration_ns": timeParseDurationNS,
	"time.date":              timeDate,
	"time.clock":             timeClock,
	"time.weekday":           timeWeekday,
	"time.add_date":          timeAddDate,
	"time.format":            timeFormat,

	"sprintf":                  sprintf,
	"strings.any_prefix_match": anyPrefixMatch,
	"strings.any_suffix_match": anySuffixMatch,
	"strings.count":            stringsCount,

	"regex.find_n":  regexFindN,
	"regex.split":   regexSplit,
	"regex.replace": regexReplace,

	"base64url.encode_no_pad": base64URLEncodeNoPad,
	"hex.encode":              hexEncode,
	"hex.decode":              hexDecode,
	"urlquery.encode":         urlqueryEncode,
	"urlquery.decode":         urlqueryDecode,
	"urlquery.encode_object":  urlqueryEncodeObject,
	"crypto.sha256":           cryptoSHA256,
	"crypto.sha1":             cryptoSHA1,
	"crypto.md5":              cryptoMD5,

	"net.cidr_is_valid": netCIDRIsValid,
	"io.jwt.decode":     jwtDecode,
}

// SupportedBuiltins lists, sorted, the builtins this evaluator implements in
// Go for policies compiled to Wasm. Builtins the Wasm target compiles
// natively (arithmetic, comparisons, most strings, glob.match, regex.match,
// json.marshal/unmarshal, base64, net.cidr_contains, ...) are not listed:
// they need no host.
func SupportedBuiltins() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// callBuiltin dispatches opa_builtinN: it dumps the argument values to JSON,
// runs the Go builtin and parses its result back into guest memory.
// It returns 0 (undefined) when the builtin fails.
func (in *instance) callBuiltin(ctx context.Context, id int32, argAddrs []uint32) uint32 {
	fns := in.p.builtinFns
	if id < 0 || int(id) >= len(fns) || fns[id] == nil {
		panic(abortError{msg: fmt.Sprintf("unknown builtin id %d", id)})
	}
	args := make([]any, len(argAddrs))
	for i, a := range argAddrs {
		v, err := in.valueJSON(ctx, a)
		if err != nil {
			panic(abortError{msg: err.Error()})
		}
		args[i] = v
	}
	res, err := fns[id](&builtinCtx{in: in}, args)
	if err != nil {
		return 0
	}
	b, err := json.Marshal(res)
	if err != nil {
		return 0
	}
	addr, err := in.parseJSON(ctx, b)
	if err != nil {
		panic(abortError{msg: err.Error()})
	}
	return addr
}

var errArgs = errors.New("eval: bad builtin arguments")

func argString(a any) (string, error) {
	s, ok := a.(string)
	if !ok {
		return "", fmt.Errorf("%w: want string, have %T", errArgs, a)
	}
	return s, nil
}

func argNumber(a any) (json.Number, error) {
	n, ok := a.(json.Number)
	if !ok {
		return "", fmt.Errorf("%w: want number, have %T", errArgs, a)
	}
	return n, nil
}

func argInt(a any) (int64, error) {
	n, err := argNumber(a)
	if err != nil {
		return 0, err
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, err := n.Float64()
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("%w: want integer, have %s", errArgs, n)
	}
	return int64(f), nil
}

func argStrings(a any) ([]string, error) {
	switch v := a.(type) {
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, err := argString(e)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: want string or collection of strings, have %T", errArgs, a)
}

func arity(args []any, n int) error {
	if len(args) != n {
		return fmt.Errorf("%w: want %d arguments, have %d", errArgs, n, len(args))
	}
	return nil
}
