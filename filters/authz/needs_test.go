package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNeedsFor(t *testing.T) {
	for fields, want := range map[string]needs{
		``:                       everything,
		`{"whole":true}`:         everything,
		`{}`:                     everything,
		`{"paths":"bad"}`:        everything,
		`{"paths":[[]]}`:         everything,
		`{"paths":[["source"]]}`: {principal: true, namespace: true, ip: true},
		`{"paths":[["source","principal"],["request","method"],["request","path"]]}`:              {principal: true, method: true, path: true},
		`{"paths":[["request","headers","x-user"],["connection","mtls"],["destination","port"]]}`: {headers: true, mtls: true, port: true},
		`{"paths":[["request"]]}`: {method: true, path: true, host: true, headers: true, query: true, time: true, auth: true},
		`{"paths":[["source","namespace"],["request","auth","claims","sub"],["destination","service"]]}`: {namespace: true, auth: true, service: true},
	} {
		m := &module{Fields: json.RawMessage(fields)}
		if got := needsFor(m); got != want {
			t.Errorf("%s: got %+v, want %+v", fields, got, want)
		}
	}
	if needsFor(nil) != everything {
		t.Error("no module: want everything")
	}
}

// countingRequest records which properties buildInput reads.
type countingRequest struct {
	fakeRequest
	read *[]string
}

func (c countingRequest) Property(path ...string) ([]byte, bool) {
	*c.read = append(*c.read, strings.Join(path, "."))
	return c.fakeRequest.Property(path...)
}

func TestBuildInputReadsOnlyWhatIsNeeded(t *testing.T) {
	var read []string
	r := countingRequest{fakeRequest: fakeRequest{
		headers: [][2]string{{":method", "GET"}, {":path", "/api?a=1"}, {"x-user", "alice"}},
		props: map[string][]byte{
			"connection.uri_san_peer_certificate": []byte("spiffe://td/ns/shop/sa/frontend"),
			"source.address":                      []byte("10.0.0.1:5"),
		},
	}, read: &read}
	clock := func() time.Time {
		t.Fatal("the clock was read for a policy that does not use request.time")
		return time.Time{}
	}
	got := buildInput(r, nil, needs{principal: true, method: true, path: true}, clock)
	want := input{
		Source:  source{Principal: "spiffe://td/ns/shop/sa/frontend"},
		Request: reqAttrs{Method: "GET", Path: "/api"},
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(read, []string{"connection.uri_san_peer_certificate"}) {
		t.Errorf("got %+v, read %v", got, read)
	}
	read = nil
	got = buildInput(r, nil, needs{namespace: true}, clock)
	want = input{Source: source{Namespace: "shop"}}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(read, []string{"connection.uri_san_peer_certificate"}) {
		t.Errorf("namespace only: got %+v, read %v", got, read)
	}
}

func TestPseudoHeadersAloneMatchTheHeaderMap(t *testing.T) {
	only := needs{method: true, path: true, host: true, query: true}
	for _, hs := range [][][2]string{
		{{":method", "GET"}, {":path", "/a?b=c"}, {":authority", "a.shop:80"}, {"x-a", "1"}},
		{{":path", "/"}, {"host", "h1"}},
		{{"user-agent", "curl"}, {":method", "POST"}},
		nil,
	} {
		r := fakeRequest{headers: hs}
		never := func() time.Time { return time.Time{} }
		got, all := buildInput(r, nil, only, never).Request, buildInput(r, nil, everything, never).Request
		if got.Method != all.Method || got.Path != all.Path || got.Host != all.Host || !reflect.DeepEqual(got.Query, all.Query) || got.Headers != nil {
			t.Errorf("%q: pseudo-headers alone %+v, from the map %+v", hs, got, all)
		}
	}
	// With both, :authority is the host.
	r := fakeRequest{headers: [][2]string{{":authority", "a"}, {"host", "b"}}}
	if got := buildInput(r, nil, needs{service: true}, nil); got.Request.Host != "a" || got.Destination.Service != "a" {
		t.Errorf("host %q, service %q; want a", got.Request.Host, got.Destination.Service)
	}
}
