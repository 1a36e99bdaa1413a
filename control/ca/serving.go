package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/internal/pki"
)

// servingTTL is the lifetime of meshd's own serving certificate; it is
// renewed at half of it, or as soon as the root rotates.
const servingTTL = 24 * time.Hour

// ServerTLSConfig returns a TLS configuration for meshd's gRPC port (15012)
// whose certificate, for hosts (DNS names or IP addresses), is issued by this
// CA on first use and renewed at half its lifetime or after a root rotation.
// Proxies verify it against the trust bundle.
func (c *CA) ServerTLSConfig(hosts ...string) *tls.Config {
	var (
		mu     sync.Mutex
		cur    *tls.Certificate
		gen    uint64
		renew  time.Time
		leafIP []net.IP
		leafDN []string
	)
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leafIP = append(leafIP, ip)
		} else {
			leafDN = append(leafDN, h)
		}
	}
	get := func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		mu.Lock()
		defer mu.Unlock()
		c.mu.RLock()
		g := c.gen
		c.mu.RUnlock()
		now := time.Now()
		if cur != nil && g == gen && now.Before(renew) {
			return cur, nil
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("ca: serving key: %w", err)
		}
		tmpl := &x509.Certificate{
			DNSNames:    leafDN,
			IPAddresses: leafIP,
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		chain, leaf, err := c.issue(tmpl, key.Public(), servingTTL)
		if err != nil {
			return nil, err
		}
		cert := &tls.Certificate{PrivateKey: key, Leaf: leaf}
		// Serve the leaf and intermediates; the last chain entry is the bundle.
		for _, p := range chain[:len(chain)-1] {
			certs, err := pki.ParseCertificates([]byte(p))
			if err != nil {
				return nil, fmt.Errorf("ca: serving chain: %w", err)
			}
			cert.Certificate = append(cert.Certificate, certs[0].Raw)
		}
		cur, gen, renew = cert, g, now.Add(leaf.NotAfter.Sub(now)/2)
		return cur, nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: get}
}
