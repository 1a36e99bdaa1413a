package eval

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"strings"
)

var netCIDRIsValid = stringFunc(func(s string) (any, error) {
	_, _, err := net.ParseCIDR(s)
	return err == nil, nil
})

// jwtDecode splits a JWS compact token into [header, payload, signature hex]
// without verifying it, like OPA's io.jwt.decode.
func jwtDecode(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	tok, err := argString(args[0])
	if err != nil {
		return nil, err
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: jwt has %d parts", errArgs, len(parts))
	}
	header, err := jwtSegment(parts[0])
	if err != nil {
		return nil, err
	}
	if h, ok := header.(map[string]any); !ok || h["enc"] != nil {
		return nil, fmt.Errorf("%w: jwt header is not a JWS header", errArgs)
	}
	payload, err := jwtSegment(parts[1])
	if err != nil {
		return nil, err
	}
	sig, err := decodeBase64URL(parts[2])
	if err != nil {
		return nil, err
	}
	return []any{header, payload, hex.EncodeToString(sig)}, nil
}

func jwtSegment(s string) (any, error) {
	b, err := decodeBase64URL(s)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("%w: jwt segment is not an object", errArgs)
	}
	return v, nil
}
