package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDurationRoundTrip(t *testing.T) {
	var r HTTPRoute
	if err := json.Unmarshal([]byte(`{"timeout":"1.5s"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Timeout == nil || r.Timeout.Duration != 1500*time.Millisecond {
		t.Fatalf("timeout = %v", r.Timeout)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"timeout":"1.5s"}` {
		t.Fatalf("marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"timeout":"soon"}`), &r); err == nil {
		t.Fatal("bad duration accepted")
	}
	if err := json.Unmarshal([]byte(`{"timeout":3}`), &r); err == nil {
		t.Fatal("number duration accepted")
	}
}

// Every field of every kind has a camelCase json tag, and enum types list
// their values, so decoding and CRD generation can rely on them.
func TestDurationString(t *testing.T) {
	for in, want := range map[string]string{"24h": "24h", "90m": "1h30m", "60s": "1m", "1.5s": "1.5s", "250ms": "250ms", "1h0m1s": "1h0m1s", "0s": "0s"} {
		d, err := ParseDuration(in)
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != want {
			t.Errorf("%s: got %s, want %s", in, d, want)
		}
		if back, _ := ParseDuration(d.String()); back != d {
			t.Errorf("%s does not parse back", d)
		}
	}
}

func TestKindsHaveTaggedFields(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(path string, tp reflect.Type)
	walk = func(path string, tp reflect.Type) {
		for tp.Kind() == reflect.Pointer || tp.Kind() == reflect.Slice || tp.Kind() == reflect.Map {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct || seen[tp] || tp == reflect.TypeFor[Duration]() {
			return
		}
		seen[tp] = true
		for i := 0; i < tp.NumField(); i++ {
			f := tp.Field(i)
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if name == "" || name[0] < 'a' || name[0] > 'z' {
				t.Errorf("%s.%s: json tag %q is not camelCase", path, f.Name, tag)
			}
			if f.Type.Kind() == reflect.String && f.Type.PkgPath() != "" {
				if _, ok := reflect.Zero(f.Type).Interface().(Enum); !ok {
					t.Errorf("%s.%s: named string type %s has no Values", path, f.Name, f.Type)
				}
			}
			walk(path+"."+name, f.Type)
		}
	}
	if len(Kinds()) != 12 {
		t.Fatalf("kinds = %d, want 12", len(Kinds()))
	}
	for _, k := range Kinds() {
		walk(k.GVK.Kind, k.Spec)
		if !k.Accepts(k.GVK.APIVersion()) {
			t.Errorf("%s does not accept its own apiVersion", k.GVK)
		}
	}
	if k, _ := LookupKind(KindVirtualService); !k.Accepts("networking.istio.io/v1alpha3") || k.Accepts("security.istio.io/v1") {
		t.Error("VirtualService alias versions wrong")
	}
}

func TestNewConfig(t *testing.T) {
	c, ok := NewConfig(KindPolicy, "ns", "p")
	if !ok {
		t.Fatal("Policy unknown")
	}
	if _, ok := c.Spec.(*Policy); !ok || c.APIVersion != "policy.wasmesh.io/v1alpha1" {
		t.Fatalf("config = %+v", c)
	}
	if c.Key().String() != "Policy ns/p" {
		t.Fatalf("key = %s", c.Key())
	}
	if _, ok := NewConfig("Nope", "", ""); ok {
		t.Fatal("unknown kind accepted")
	}
}
