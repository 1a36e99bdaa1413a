package config

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

// TestGoldenCoversEveryField makes sure the golden inputs set every field of
// every kind at least once, so each json name is proven to decode and to
// round-trip.
func TestGoldenCoversEveryField(t *testing.T) {
	set := map[string]bool{}
	ins, _ := filepath.Glob("testdata/*.in.yaml")
	for _, in := range ins {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := DecodeFile(in, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cfgs {
			markSet(reflect.ValueOf(c.Spec), set)
		}
	}
	// Fields validation rejects cannot appear in valid input; the
	// validation tests cover them.
	set["FaultDelay.ExponentialDelay"] = true
	var missing []string
	seen := map[reflect.Type]bool{}
	for _, k := range api.Kinds() {
		missing = append(missing, unsetFields(k.Spec, set, seen)...)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fields never set in testdata/*.in.yaml:\n%s", strings.Join(missing, "\n"))
	}
}

func fieldID(t reflect.Type, i int) string { return t.Name() + "." + t.Field(i).Name }

func markSet(v reflect.Value, set map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			markSet(v.Elem(), set)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[api.Duration]() {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if !v.Field(i).IsZero() {
				set[fieldID(v.Type(), i)] = true
			}
			markSet(v.Field(i), set)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := 0; i < v.Len(); i++ {
			markSet(v.Index(i), set)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			markSet(iter.Value(), set)
		}
	}
}

func unsetFields(t reflect.Type, set map[string]bool, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[api.Duration]() {
		return nil
	}
	seen[t] = true
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if !set[fieldID(t, i)] {
			out = append(out, fieldID(t, i))
		}
		out = append(out, unsetFields(t.Field(i).Type, set, seen)...)
	}
	return out
}
