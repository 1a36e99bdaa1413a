package eval

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
)

// stringFunc adapts a one-string-argument builtin.
func stringFunc(f func(string) (any, error)) builtinFunc {
	return func(_ *builtinCtx, args []any) (any, error) {
		if err := arity(args, 1); err != nil {
			return nil, err
		}
		s, err := argString(args[0])
		if err != nil {
			return nil, err
		}
		return f(s)
	}
}

var (
	base64URLEncodeNoPad = stringFunc(func(s string) (any, error) {
		return base64.RawURLEncoding.EncodeToString([]byte(s)), nil
	})
	hexEncode = stringFunc(func(s string) (any, error) {
		return hex.EncodeToString([]byte(s)), nil
	})
	hexDecode = stringFunc(func(s string) (any, error) {
		b, err := hex.DecodeString(s)
		return string(b), err
	})
	urlqueryEncode = stringFunc(func(s string) (any, error) {
		return url.QueryEscape(s), nil
	})
	urlqueryDecode = stringFunc(func(s string) (any, error) {
		return url.QueryUnescape(s)
	})
	cryptoSHA256 = stringFunc(func(s string) (any, error) {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	})
	cryptoSHA1 = stringFunc(func(s string) (any, error) {
		sum := sha1.Sum([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	})
	cryptoMD5 = stringFunc(func(s string) (any, error) {
		sum := md5.Sum([]byte(s))
		return hex.EncodeToString(sum[:]), nil
	})
)

// decodeBase64URL accepts padded and unpadded input, as OPA does.
func decodeBase64URL(s string) ([]byte, error) {
	if len(s)%4 != 0 {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.URLEncoding.DecodeString(s)
}

// urlqueryEncodeObject encodes {key: string | [string]} as a sorted query.
func urlqueryEncodeObject(_ *builtinCtx, args []any) (any, error) {
	if err := arity(args, 1); err != nil {
		return nil, err
	}
	obj, ok := args[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: want object", errArgs)
	}
	q := url.Values{}
	for k, v := range obj {
		vals, err := argStrings(v)
		if err != nil {
			return nil, err
		}
		slices.Sort(vals)
		q[k] = vals
	}
	return q.Encode(), nil
}
