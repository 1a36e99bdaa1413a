package eval

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestDecodeDecision(t *testing.T) {
	tests := []struct {
		in      string
		want    Decision
		wantErr bool
	}{
		{`[{"result":true}]`, Decision{Allow: true}, false},
		{`[{"result":false}]`, Decision{Status: 403}, false},
		{`[]`, Decision{Status: 403, Reason: UndefinedReason}, false},
		{`[{}]`, Decision{Status: 403, Reason: UndefinedReason}, false},
		{`[{"result":{"allow":true,"headers":{"x-user":"bob"}}}]`, Decision{Allow: true, Headers: map[string]string{"x-user": "bob"}}, false},
		{`[{"result":{"allow":false,"status":429,"body":"slow","reason":"quota","headers":{"retry-after":"3"},"extra":1}}]`,
			Decision{Status: 429, Body: "slow", Reason: "quota", Headers: map[string]string{"retry-after": "3"}}, false},
		{`[{"result":{"reason":"no allow key"}}]`, Decision{Status: 403, Reason: "no allow key"}, false},
		{`[{"result":"yes"}]`, Decision{}, true},
		{`[{"result":1}]`, Decision{}, true},
		{`[{"result":{"allow":"true"}}]`, Decision{}, true},
		{`[{"result":{"allow":false,"status":42}}]`, Decision{}, true},
		{`[{"result":{"headers":{"a":1}}}]`, Decision{}, true},
		{`[{"result":true},{"result":false}]`, Decision{}, true},
		{`{"result":true}`, Decision{}, true},
		{``, Decision{}, true},
	}
	for _, tt := range tests {
		got, err := DecodeDecision([]byte(tt.in))
		if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DecodeDecision(%s) = %+v, %v; want %+v (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBadDecision) {
			t.Errorf("DecodeDecision(%s) error %v is not ErrBadDecision", tt.in, err)
		}
	}
}

// FuzzDecodeDecision: the decoder never panics, errors are ErrBadDecision,
// and a denial always carries an HTTP status.
func FuzzDecodeDecision(f *testing.F) {
	for _, s := range []string{`[{"result":true}]`, `[]`, `[{"result":{"allow":false,"status":451,"headers":{"a":"b"}}}]`, `[{"result":{"status":1e3}}]`, `[{"result":null}]`, `[{"result":[1]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := DecodeDecision(in)
		if err != nil {
			if !errors.Is(err, ErrBadDecision) {
				t.Fatalf("error %v is not ErrBadDecision", err)
			}
			return
		}
		if !d.Allow && (d.Status < 100 || d.Status > 599) {
			t.Fatalf("deny with status %d", d.Status)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatal(err)
		}
	})
}
