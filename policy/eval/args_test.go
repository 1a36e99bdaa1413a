package eval

import (
	"bytes"
	"encoding/json"
	"testing"
)

// generalArgs reads the argument the general way.
func generalArgs(args []byte) (policy, entrypoint, input []byte, err error) {
	var buf [3][]byte
	vals, err := foreignArgs.Select(args, buf[:0])
	if err != nil {
		return nil, nil, nil, err
	}
	if policy, err = jsonString(vals[0], "policy"); err != nil {
		return nil, nil, nil, err
	}
	if entrypoint, err = jsonString(vals[1], "entrypoint"); err != nil {
		return nil, nil, nil, err
	}
	return policy, entrypoint, vals[2], nil
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		args string
		ok   bool
	}{
		{`{"policy":"p","entrypoint":"a/b","input":{"x":1}}`, true},
		{`{"policy":"p","entrypoint":"a/b","input":{"x":1}} ` + "\n", true},
		{`{"policy":"p","entrypoint":"a/b","input":"s"}`, true},
		{`{"policy":"p","entrypoint":"a/b","input":{"x":1},"policy":"q"}`, true}, // split, but the input does not scan
		{`{"policy":"p\u0041","entrypoint":"a/b","input":{}}`, false},
		{`{"entrypoint":"a/b","policy":"p","input":{}}`, false},
		{` {"policy":"p","entrypoint":"a/b","input":{}}`, false},
		{`{"policy":"p","entrypoint":"a/b","input":{}]`, false},
		{"{\"policy\":\"p\x01\",\"entrypoint\":\"a/b\",\"input\":{}}", false},
	}
	for _, tt := range tests {
		_, _, _, ok := splitArgs([]byte(tt.args))
		if ok != tt.ok {
			t.Errorf("splitArgs(%s) ok = %v, want %v", tt.args, ok, tt.ok)
		}
	}
}

// FuzzSplitArgs checks the fast reading of the foreign function's argument
// against the general one: whenever it splits an argument whose input is
// one JSON value, the general reading accepts the argument with the same
// policy, entrypoint and input.
func FuzzSplitArgs(f *testing.F) {
	for _, seed := range []string{
		`{"policy":"p","entrypoint":"a/b","input":{"x":1}}`,
		`{"policy":"p","entrypoint":"a/b","input":{"x":1},"policy":"q"}`,
		`{"policy":"p","entrypoint":"a/b","input":[1,2]} `,
		`{"policy":"p","entrypoint":"a/b","input":{"x":"}"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, args []byte) {
		policy, entrypoint, input, ok := splitArgs(args)
		if !ok || !json.Valid(input) {
			return
		}
		gp, ge, gi, err := generalArgs(args)
		if err != nil {
			t.Fatalf("split %s, but the general reading fails: %v", args, err)
		}
		if !bytes.Equal(policy, gp) || !bytes.Equal(entrypoint, ge) || !bytes.Equal(bytes.TrimSpace(input), gi) {
			t.Fatalf("split %s as %q %q %q; general: %q %q %q", args, policy, entrypoint, input, gp, ge, gi)
		}
	})
}
