package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// marshalArgs is the reflection encoding appendArgs must reproduce.
func marshalArgs(t testing.TB, in input) []byte {
	b, err := json.Marshal(evalArgs{Policy: "p/\"q\"", Entrypoint: "wasmesh/authz/allow", Input: in})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAppendArgsMatchesJSON(t *testing.T) {
	full := input{
		Source:      source{Principal: "spiffe://td/ns/a/sa/b", Namespace: "a", IP: "::1"},
		Destination: destination{Service: "svc<&>", Port: 9080},
		Request: reqAttrs{Method: "GET", Path: "/a\u2028b\x00\xff", Host: "h", Headers: map[string]string{"z": "1", "a": "\"\\\t\n\r\b\f"},
			Query: map[string]string{}, Time: "2026-11-25T12:00:00Z",
			Auth: &auth{Principal: "alice", Claims: map[string]any{"groups": []any{"x"}, "n": 1.5}}},
		Connection: connection{MTLS: true},
	}
	for name, in := range map[string]input{
		"empty":         {},
		"full":          full,
		"only port":     {Destination: destination{Port: 1}},
		"auth, no sub":  {Request: reqAttrs{Auth: &auth{Claims: map[string]any{"a": nil}}}},
		"only ip":       {Source: source{IP: "1.2.3.4"}},
		"many headers":  {Request: reqAttrs{Headers: map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7", "h": "8", "i": "9", "j": "10", "k": "11", "l": "12", "m": "13", "n": "14", "o": "15", "p": "16", "q": "17"}}},
		"principal, ns": {Source: source{Principal: "x", Namespace: "y"}},
	} {
		want := marshalArgs(t, in)
		if got := appendArgs(nil, "p/\"q\"", "wasmesh/authz/allow", &in, everything); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func FuzzAppendArgs(f *testing.F) {
	f.Add("GET", "/a?b=c&d", "spiffe://td/ns/x/sa/y", "1.2.3.4:5", "x-a", "v", []byte(`{"a":1}`))
	f.Add("\u2029", "<>&\x7f\x01", "\xff\xfe", "[::1]:80", "", "\t", []byte(`null`))
	f.Fuzz(func(t *testing.T, method, path, principal, addr, hk, hv string, claims []byte) {
		r := fakeRequest{
			headers: [][2]string{{":method", method}, {":path", path}, {hk, hv}, {":authority", addr}},
			props: map[string][]byte{
				"connection.uri_san_peer_certificate": []byte(principal),
				"source.address":                      []byte(addr),
				"request.auth.principal":              []byte(principal),
				"request.auth.claims":                 claims,
			},
		}
		in := buildInput(r, nil, everything, func() time.Time { return time.Unix(0, 0) })
		want := marshalArgs(t, in)
		if got := appendArgs(nil, "p/\"q\"", "wasmesh/authz/allow", &in, everything); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
		need := needs{principal: true, method: true, path: true, mtls: true}
		var dec map[string]any
		if err := json.Unmarshal(appendArgs(nil, "p/\"q\"", "wasmesh/authz/allow", &in, need), &dec); err != nil || !reflect.DeepEqual(dec, pruned(t, in, need)) {
			t.Fatalf("pruned to %+v: %v, err %v", need, dec, err)
		}
	})
}

// pruned is marshalArgs's encoding less the input fields need leaves out,
// decoded: what appendArgs must produce for a policy that observes only
// those.
func pruned(t testing.TB, in input, need needs) map[string]any {
	var args map[string]any
	if err := json.Unmarshal(marshalArgs(t, in), &args); err != nil {
		t.Fatal(err)
	}
	input := args["input"].(map[string]any)
	for obj, fields := range map[string]map[string]bool{
		"source":      {"principal": need.principal, "namespace": need.namespace, "ip": need.ip},
		"destination": {"service": need.service, "port": need.port},
		"request": {"method": need.method, "path": need.path, "host": need.host, "headers": need.headers,
			"query": need.query, "time": need.time, "auth": need.auth},
		"connection": {"mtls": need.mtls},
	} {
		m := input[obj].(map[string]any)
		kept := false
		for f, keep := range fields {
			kept = kept || keep
			if !keep {
				delete(m, f)
			}
		}
		if !kept {
			delete(input, obj)
		}
	}
	return args
}

func TestAppendArgsLeavesOutUnobservedFields(t *testing.T) {
	in := input{
		Source:      source{Principal: "spiffe://td/ns/a/sa/b", Namespace: "a", IP: "::1"},
		Destination: destination{Service: "svc", Port: 9080},
		Request: reqAttrs{Method: "GET", Path: "/a", Host: "h", Headers: map[string]string{"z": "1"},
			Query: map[string]string{}, Time: "2026-11-25T12:00:00Z", Auth: &auth{Principal: "alice"}},
		Connection: connection{MTLS: true},
	}
	for _, need := range []needs{
		{},
		{principal: true, method: true, path: true}, // frontend-only.rego
		{namespace: true, port: true},
		{ip: true, host: true, mtls: true},
		{service: true, headers: true, query: true, time: true, auth: true},
		everything,
	} {
		got := appendArgs(nil, "p/\"q\"", "wasmesh/authz/allow", &in, need)
		var dec map[string]any
		if err := json.Unmarshal(got, &dec); err != nil {
			t.Fatalf("%+v: %s is not JSON: %v", need, got, err)
		}
		if want := pruned(t, in, need); !reflect.DeepEqual(dec, want) {
			t.Errorf("%+v:\n got %s\nwant %v", need, got, want)
		}
	}
}

func TestAppendInputSourceCache(t *testing.T) {
	var cache sourceCache
	for i, src := range []source{
		{Principal: "spiffe://td/ns/a/sa/b", Namespace: "a"},
		{Principal: "spiffe://td/ns/a/sa/b", Namespace: "a"},
		{Principal: "spiffe://td/ns/a/sa/c", Namespace: "a"},
		{Principal: "spiffe://td/ns/a/sa/c", Namespace: "a", IP: "::1"},
		{},
		{Principal: "spiffe://td/ns/a/sa/b", Namespace: "a"},
	} {
		in := input{Source: src, Request: reqAttrs{Method: "GET", Path: fmt.Sprint("/", i)}}
		want := appendArgs(nil, "p", "e", &in, everything)
		if got := appendInput(appendArgsPrefix(nil, "p", "e"), &in, everything, &cache); !bytes.Equal(got, want) {
			t.Errorf("request %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
