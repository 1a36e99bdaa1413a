package main

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

type fakeRequest struct {
	headers [][2]string
	props   map[string][]byte
}

func (f fakeRequest) Headers() [][2]string { return f.headers }
func (f fakeRequest) Header(name string) (string, bool) {
	for _, h := range f.headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}
func (f fakeRequest) Property(path ...string) ([]byte, bool) {
	b, ok := f.props[strings.Join(path, ".")]
	return b, ok
}

func le(n uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, n)
	return b
}

func TestBuildInput(t *testing.T) {
	r := fakeRequest{
		headers: [][2]string{
			{":method", "GET"}, {":path", "/api/books?id=7&x=a&x=b"}, {":authority", "reviews.default:9080"},
			{"X-Team", "blue"}, {"x-team", "red"}, {"authorization", "Bearer secret"},
		},
		props: map[string][]byte{
			"connection.uri_san_peer_certificate": []byte("spiffe://cluster.local/ns/shop/sa/frontend"),
			"connection.mtls":                     {1},
			"source.address":                      []byte("10.1.2.3:51000"),
			"destination.port":                    le(9080),
			"request.auth.principal":              []byte("https://issuer/alice"),
			"request.auth.claims":                 []byte(`{"sub":"alice","groups":["admin"]}`),
		},
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	got := buildInput(r, nil, everything, now)
	want := input{
		Source:      source{Principal: "spiffe://cluster.local/ns/shop/sa/frontend", Namespace: "shop", IP: "10.1.2.3"},
		Destination: destination{Service: "reviews.default", Port: 9080},
		Request: reqAttrs{
			Method: "GET", Path: "/api/books", Host: "reviews.default:9080",
			Headers: map[string]string{"x-team": "blue,red"},
			Query:   map[string]string{"id": "7", "x": "a,b"},
			Time:    "2026-11-25T12:00:00Z",
			Auth:    &auth{Principal: "https://issuer/alice", Claims: map[string]any{"sub": "alice", "groups": []any{"admin"}}},
		},
		Connection: connection{MTLS: true},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("got %s", g)
	}
	// Explicitly listed headers include sensitive ones and nothing else.
	got = buildInput(r, map[string]bool{"authorization": true}, everything, now)
	if !reflect.DeepEqual(got.Request.Headers, map[string]string{"authorization": "Bearer secret"}) {
		t.Errorf("headers = %v", got.Request.Headers)
	}
	// Nothing known: an input with empty attributes, never a failure.
	got = buildInput(fakeRequest{}, nil, everything, now)
	if got.Source.Principal != "" || got.Connection.MTLS || got.Request.Auth != nil {
		t.Errorf("empty request: %+v", got)
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"spiffe://td/ns/a/sa/b": "a", "spiffe://td/sa/b": "", "https://x/ns/a": "", "spiffe://td/ns": "",
	} {
		if got := spiffeNamespace(in); got != want {
			t.Errorf("spiffeNamespace(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"1.2.3.4:80": "1.2.3.4", "[::1]:80": "::1", "::1": "::1", "host": "host", "[bad": "[bad",
	} {
		if got := hostOnly(in); got != want {
			t.Errorf("hostOnly(%q) = %q, want %q", in, got, want)
		}
	}
	if decodePort([]byte("8080")) != 8080 || decodePort(le(443)) != 443 {
		t.Error("decodePort")
	}
}

func TestParseDecision(t *testing.T) {
	cases := []struct {
		in      string
		want    decision
		wantErr string
	}{
		{`true`, decision{Allow: true}, ""},
		{`false`, decision{}, ""},
		{" \ttrue\r\n", decision{Allow: true}, ""},
		{`{"allow":true}`, decision{Allow: true}, ""},
		{` {"allow":false} `, decision{}, ""},
		{"\vtrue", decision{}, "neither a boolean nor an object"},
		{`{"allow":false,"status":401,"body":"who are you","headers":{"www-authenticate":"Bearer"},"reason":"no token"}`,
			decision{Status: 401, Body: "who are you", Headers: map[string]string{"www-authenticate": "Bearer"}, Reason: "no token"}, ""},
		{`{"allow":true,"reason":"ok"}`, decision{Allow: true, Reason: "ok"}, ""},
		{``, decision{}, "no decision"},
		{`{"status":403}`, decision{}, `no "allow" field`},
		{`{"allow":"yes"}`, decision{}, "cannot unmarshal"},
		{`{"allow":false,"status":99}`, decision{}, "not an HTTP status"},
		{`[1]`, decision{}, "neither a boolean nor an object"},
	}
	for _, c := range cases {
		got, err := parseDecision([]byte(c.in))
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: err = %v, want %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, %v", c.in, got, err)
		}
	}
}

func TestParseConfig(t *testing.T) {
	c, err := parseConfig([]byte(`{"policy":"p","headers":["X-A"]}`))
	if err != nil || c.ErrorStatus != 503 || c.DenyStatus != 403 || c.Function != defaultFunction || c.Headers[0] != "x-a" {
		t.Fatalf("%+v %v", c, err)
	}
	for in, want := range map[string]string{
		``:                                 "must name a policy",
		`{}`:                               "policy is required",
		`{"policy":"p","denyStatus":42}`:   "denyStatus 42 is not an HTTP status",
		`{"policy":"p","unknown":1}`:       `unknown field "unknown"`,
		`{"policy":"p","errorStatus":"x"}`: "cannot unmarshal",
	} {
		if _, err := parseConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}

func FuzzBuildInput(f *testing.F) {
	f.Add(":path", "/a?b=c&d", "spiffe://td/ns/x/sa/y", "1.2.3.4:5", []byte{1}, []byte(`{"a":1}`))
	f.Add(":authority", "[::1", "spiffe://", "[::1]:80", []byte("8080"), []byte(`null`))
	f.Fuzz(func(t *testing.T, hk, hv, principal, addr string, port, claims []byte) {
		r := fakeRequest{
			headers: [][2]string{{hk, hv}, {":path", hv}},
			props: map[string][]byte{
				"connection.uri_san_peer_certificate": []byte(principal),
				"source.address":                      []byte(addr),
				"destination.port":                    port,
				"request.auth.principal":              []byte(principal),
				"request.auth.claims":                 claims,
			},
		}
		in := buildInput(r, nil, everything, func() time.Time { return time.Unix(0, 0) })
		if _, err := json.Marshal(in); err != nil {
			t.Fatalf("input does not encode: %v", err)
		}
	})
}

// splitNamespace is spiffeNamespace by its definition: the segment after the
// first "ns" segment past the trust domain.
func splitNamespace(id string) string {
	rest, ok := strings.CutPrefix(id, "spiffe://")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "ns" {
			return parts[i+1]
		}
	}
	return ""
}

func FuzzSpiffeNamespace(f *testing.F) {
	for _, s := range []string{"spiffe://td/ns/a/sa/b", "spiffe://td/ns", "spiffe://td/x/ns/ns/y", "spiffe://ns/ns/", "spiffe:///ns/a", "ns/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := spiffeNamespace(id), splitNamespace(id); got != want {
			t.Fatalf("spiffeNamespace(%q) = %q, want %q", id, got, want)
		}
	})
}

func FuzzParseDecision(f *testing.F) {
	f.Add([]byte(`{"allow":false,"status":403,"headers":{"a":"b"}}`))
	f.Add([]byte(`true`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseDecision(b)
		if err == nil && d.Status != 0 && (d.Status < 200 || d.Status > 599) {
			t.Fatalf("accepted status %d", d.Status)
		}
	})
}
