package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a certificate and key (PEM) for host.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd})
}

// TestGatewayTLSTermination terminates TLS at the gateway with a
// credential meshd serves over SDS (credentialName), then routes by host.
func TestGatewayTLSTermination(t *testing.T) {
	m := startMesh(t)
	cert, key := selfSigned(t, "shop.example.com")
	cred := filepath.Join(m.dir, "data", "credentials", "shop-cert")
	if err := os.MkdirAll(cred, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, b := range map[string][]byte{"tls.crt": cert, "tls.key": key} {
		if err := os.WriteFile(filepath.Join(cred, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gwPort, admin := freePort(t), freePort(t)
	m.write("gateway.yaml", strings.ReplaceAll(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: GW_PORT, name: https, protocol: HTTPS}
    bind: 127.0.0.1
    hosts: [shop.example.com]
    tls: {mode: SIMPLE, credentialName: shop-cert}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: default}
spec:
  hosts: [shop.example.com]
  gateways: [edge]
  http:
  - route:
    - destination: {host: web.mesh, subset: v2}
`, "GW_PORT", itoa(gwPort)))
	boot := filepath.Join(m.dir, "gateway.bootstrap.yaml")
	if err := os.WriteFile(boot, []byte("node:\n  id: router~127.0.0.1~ingress-1.default~default.svc.cluster.local\n  metadata:\n    NAMESPACE: default\n    LABELS: {istio: ingressgateway}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, "meshproxy gateway", "--mode", "gateway", "--bootstrap", boot, "--xds-address", m.xds,
		"--admin-port", itoa(admin), "--access-log=false", "--drain-time", "1s")

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(cert)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "shop.example.com", MinVersion: tls.VersionTLS12}}}
	defer c.CloseIdleConnections()
	var last string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1:"+itoa(gwPort)+"/", nil)
		req.Host = "shop.example.com"
		resp, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(b) == "v2" {
				return
			}
			last = resp.Status + " " + string(b)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS through the gateway after 10s: %s", last)
		}
	}
}
