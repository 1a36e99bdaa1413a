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

	"github.com/wasmesh/wasmesh/test/fixture"
)

// selfSigned returns a certificate and key (PEM) for host.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return selfSign(t, key, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
}

// selfSign signs tmpl with key and returns the certificate and key (PEM).
func selfSign(t *testing.T, key *ecdsa.PrivateKey, tmpl *x509.Certificate) (certPEM, keyPEM []byte) {
	t.Helper()
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

// gatewayTLS starts a mesh with an ingress gateway terminating TLS in mode
// (SIMPLE or MUTUAL) with the credential shop-cert (tls.crt, tls.key and,
// when clientCA is set, ca.crt) that meshd serves over SDS, routing
// shop.example.com to web v2. It returns the gateway's port and the server
// certificate to trust.
func gatewayTLS(t *testing.T, mode string, clientCA []byte) (int, []byte) {
	t.Helper()
	m := startMesh(t)
	cert, key := selfSigned(t, "shop.example.com")
	cred := filepath.Join(m.dir, "data", "credentials", "shop-cert")
	if err := os.MkdirAll(cred, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"tls.crt": cert, "tls.key": key}
	if clientCA != nil {
		files["ca.crt"] = clientCA
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(cred, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gwPort := fixture.FreePort(t)
	m.write("gateway.yaml", strings.NewReplacer("GW_PORT", itoa(gwPort), "TLS_MODE", mode).Replace(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: GW_PORT, name: https, protocol: HTTPS}
    bind: 127.0.0.1
    hosts: [shop.example.com]
    tls: {mode: TLS_MODE, credentialName: shop-cert}
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
`))
	m.startGateway("ingress-1", "ingressgateway")
	return gwPort, cert
}

// getShop GETs https://shop.example.com/ through the gateway until it
// answers 200 "v2" or timeout passes; it returns the last outcome.
func getShop(t *testing.T, gwPort int, serverCert []byte, clientCert *tls.Certificate, timeout time.Duration) (ok bool, last string) {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(serverCert)
	cfg := &tls.Config{RootCAs: roots, ServerName: "shop.example.com", MinVersion: tls.VersionTLS12}
	if clientCert != nil {
		cfg.Certificates = []tls.Certificate{*clientCert}
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	defer c.CloseIdleConnections()
	for deadline := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1:"+itoa(gwPort)+"/", nil)
		req.Host = "shop.example.com"
		resp, err := c.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && string(b) == "v2" {
				return true, ""
			}
			last = resp.Status + " " + string(b)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return false, last
		}
	}
}

// TestGatewayTLSTermination terminates TLS at the gateway with a
// credential meshd serves over SDS (credentialName), then routes by host.
func TestGatewayTLSTermination(t *testing.T) {
	gwPort, cert := gatewayTLS(t, "SIMPLE", nil)
	if ok, last := getShop(t, gwPort, cert, nil, 10*time.Second); !ok {
		t.Fatalf("no HTTPS through the gateway after 10s: %s", last)
	}
}

// TestGatewayMutualTLS: in MUTUAL mode the gateway requires a client
// certificate signed by the credential's ca.crt.
func TestGatewayMutualTLS(t *testing.T) {
	caPEM, caKeyPEM := selfSignedCA(t)
	gwPort, cert := gatewayTLS(t, "MUTUAL", caPEM)
	client := clientCert(t, caPEM, caKeyPEM)
	if ok, last := getShop(t, gwPort, cert, &client, 10*time.Second); !ok {
		t.Fatalf("client with a certificate from ca.crt refused: %s", last)
	}
	if ok, _ := getShop(t, gwPort, cert, nil, 200*time.Millisecond); ok {
		t.Fatal("client without a certificate was served")
	}
	otherCA, otherKey := selfSignedCA(t)
	stranger := clientCert(t, otherCA, otherKey)
	if ok, _ := getShop(t, gwPort, cert, &stranger, 200*time.Millisecond); ok {
		t.Fatal("client with a certificate from another CA was served")
	}
}

// selfSignedCA returns a CA certificate and key (PEM).
func selfSignedCA(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return selfSign(t, key, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature})
}

// clientCert issues a client certificate from the CA.
func clientCert(t *testing.T, caPEM, caKeyPEM []byte) tls.Certificate {
	t.Helper()
	caBlock, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(caBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	keyBlock, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParseECPrivateKey(keyBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "shopper"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
