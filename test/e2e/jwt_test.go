package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// hs256 signs claims (JSON) with key as a compact JWT.
func hs256(claims string, key []byte) string {
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc([]byte(`{"alg":"HS256","typ":"JWT","kid":"k1"}`)) + "." + enc([]byte(claims))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(signing))
	return signing + "." + enc(mac.Sum(nil))
}

// TestRequestAuthentication: the web sidecars verify JWTs from the issuer
// (jwt_authn from RequestAuthentication): a bad token is rejected, a good
// one and none pass, as Istio documents.
func TestRequestAuthentication(t *testing.T) {
	m := startMesh(t)
	key := []byte("wasmesh-e2e-shared-secret-32bytes!!")
	m.write("jwt.yaml", `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: web-jwt, namespace: default}
spec:
  selector:
    matchLabels: {app: web}
  jwtRules:
  - issuer: https://issuer.example.com
    jwks: '{"keys":[{"kty":"oct","kid":"k1","alg":"HS256","k":"`+base64.RawURLEncoding.EncodeToString(key)+`"}]}'
`)
	exp := time.Now().Add(time.Hour).Unix()
	good := hs256(`{"iss":"https://issuer.example.com","sub":"alice","exp":`+itoa(int(exp))+`}`, key)
	bad := hs256(`{"iss":"https://issuer.example.com","sub":"mallory","exp":`+itoa(int(exp))+`}`, []byte("not-the-key-not-the-key-not-the-k"))
	call := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, m.egress+"/", nil)
		req.Host = "web.mesh"
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := m.client.Do(req)
		if err != nil {
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	fixture.Retry(t, "a badly signed token to get 401", 10*time.Second, func() error {
		if c := call(bad); c != http.StatusUnauthorized {
			return fmt.Errorf("status %d", c)
		}
		return nil
	})
	for range 10 {
		if c := call(good); c != http.StatusOK {
			t.Fatalf("valid token: %d", c)
		}
		if c := call(""); c != http.StatusOK {
			t.Fatalf("no token: %d", c)
		}
		if c := call(bad); c != http.StatusUnauthorized {
			t.Fatalf("bad token: %d", c)
		}
	}
}
