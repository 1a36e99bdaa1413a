package proxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestJWTAuthn(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	jwk := jose.JSONWebKey{Key: key.Public(), KeyID: "k1", Algorithm: "ES256", Use: "sig"}
	jwks, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	// A JWKS served remotely, fetched through a cluster and cached.
	jwksServer := newBackend(t, "jwks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(jwks) })
	signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	token := func(iss, aud string, exp time.Time) string {
		s, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: iss, Subject: "alice", Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(exp)}).
			Claims(map[string]any{"group": "admins"}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	be := newBackend(t, "be", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "auth=%q group=%q", r.Header.Get("Authorization"), r.Header.Get("X-Group"))
	})
	filter := fmt.Sprintf(`
      - name: envoy.filters.http.jwt_authn
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
          providers:
            inline:
              issuer: https://issuer.test
              audiences: [svc]
              local_jwks: {inline_string: %q}
              claim_to_headers: [{header_name: x-group, claim_name: group}]
            remote:
              issuer: https://remote.test
              forward: true
              remote_jwks: {http_uri: {uri: "http://jwks.test/keys", cluster: jwks, timeout: 1s}, cache_duration: 60s}
          rules:
          - match: {prefix: /public}
          - match: {prefix: /optional}
            requires: {requires_any: {requirements: [{provider_name: inline}, {allow_missing: {}}]}}
          - match: {prefix: /}
            requires: {requires_any: {requirements: [{provider_name: inline}, {provider_name: remote}]}}`, jwks)
	e := start(t, res(t, httpListener("l", filter)), res(t, staticCluster("be", "", be.addr())), res(t, staticCluster("jwks", "", jwksServer.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	good := token("https://issuer.test", "svc", time.Now().Add(time.Hour))
	cases := []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"missing", "/x", "", 401, "Jwt is missing"},
		{"valid inline, stripped, claim copied", "/x", "Bearer " + good, 200, `auth="" group="admins"`},
		{"wrong audience", "/x", "Bearer " + token("https://issuer.test", "other", time.Now().Add(time.Hour)), 401, "Jwt verification fails"},
		{"expired", "/x", "Bearer " + token("https://issuer.test", "svc", time.Now().Add(-time.Hour)), 401, "verification fails"},
		{"remote jwks, forwarded", "/x", "Bearer " + token("https://remote.test", "any", time.Now().Add(time.Hour)), 200, `auth="Bearer ey`},
		{"public", "/public", "", 200, "auth="},
		{"optional missing", "/optional", "", 200, "auth="},
		{"optional invalid", "/optional", "Bearer garbage", 401, ""},
	}
	for _, c := range cases {
		resp, body := get(t, u+c.path, "authorization", c.auth)
		if resp.StatusCode != c.status || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, resp.StatusCode, body, c.status, c.body)
		}
	}
	if jwksServer.hits.Load() != 1 {
		t.Errorf("remote JWKS fetched %d times, want once (cached)", jwksServer.hits.Load())
	}
	if resp, _ := get(t, u+"/x?access_token="+good); resp.StatusCode != 200 {
		t.Errorf("token from access_token param: %d", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, httpListener("l", `
      - name: envoy.filters.http.cors
        typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}`)), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be},
  typed_per_filter_config: {envoy.filters.http.cors: {"@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy,
    allow_origin_string_match: [{suffix: .example.com}], allow_methods: "GET,POST", allow_headers: x-a, max_age: "600", expose_headers: x-b}}}`))
	req, _ := http.NewRequest(http.MethodOptions, u+"/", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET,POST" || resp.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if be.hits.Load() != 0 {
		t.Error("preflight reached the backend")
	}
	resp, _ = get(t, u+"/", "origin", "https://app.example.com")
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Expose-Headers") != "x-b" {
		t.Errorf("simple request headers: %v", resp.Header)
	}
	resp, _ = get(t, u+"/", "origin", "https://evil.test")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("disallowed origin got CORS headers")
	}
}

func TestAdminEndpoints(t *testing.T) {
	be := newBackend(t, "be", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`))
	get(t, u+"/")
	admin := "http://" + e.p.AdminAddr().String()
	if _, body := get(t, admin+"/stats?filter=cluster.be."); !strings.Contains(body, "cluster.be.upstream_rq_2xx: 1") {
		t.Errorf("/stats: %s", body)
	}
	if _, body := get(t, admin+"/stats/prometheus"); !strings.Contains(body, "envoy_cluster_be_upstream_rq_total 1") {
		t.Errorf("/stats/prometheus: %s", body)
	}
	if _, body := get(t, admin+"/clusters"); !strings.Contains(body, "be::"+be.addr()+"::health_flags::healthy") {
		t.Errorf("/clusters: %s", body)
	}
	if resp, body := get(t, admin+"/ready"); resp.StatusCode != 200 || !strings.Contains(body, "LIVE") {
		t.Errorf("/ready: %d %s", resp.StatusCode, body)
	}
	_, dump := get(t, admin+"/config_dump")
	var js map[string]any
	if err := json.Unmarshal([]byte(dump), &js); err != nil || !strings.Contains(dump, "RoutesConfigDump") || !strings.Contains(dump, "r1") {
		t.Errorf("/config_dump: %v %.500s", err, dump)
	}
	resp, err := client.Post(admin+"/quitquitquit", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("quitquitquit: %v %v", resp, err)
	}
	select {
	case <-e.done:
		e.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("proxy did not exit after /quitquitquit")
	}
}
