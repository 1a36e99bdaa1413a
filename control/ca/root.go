package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmesh/wasmesh/internal/pki"
)

// Files of the self-signed root in Config.Dir, and of a staged next root.
const (
	rootCertFile       = "root-cert.pem"
	rootKeyFile        = "root-key.pem"
	stagedRootCertFile = "staged-root-cert.pem"
	stagedRootKeyFile  = "staged-root-key.pem"
)

// loadOrCreateRoot reads the self-signed root from dir, or generates one
// (ECDSA P-256, key written 0600) when dir has none.
func loadOrCreateRoot(dir, trustDomain string, ttl time.Duration, log *slog.Logger) (*signer, error) {
	s, err := loadRoot(dir, rootCertFile, rootKeyFile)
	if s != nil || err != nil {
		return s, err
	}
	if s, err = newRoot(trustDomain, ttl); err != nil {
		return nil, err
	}
	if err := saveRoot(dir, rootCertFile, rootKeyFile, s); err != nil {
		return nil, err
	}
	log.Info("ca: generated self-signed root", "dir", dir, "serial", SerialString(s.cert.SerialNumber), "not_after", s.cert.NotAfter)
	return s, nil
}

// loadRoot reads a self-signed root and its key; (nil, nil) when neither file exists.
func loadRoot(dir, certName, keyName string) (*signer, error) {
	certPath, keyPath := filepath.Join(dir, certName), filepath.Join(dir, keyName)
	certData, certErr := os.ReadFile(certPath)
	keyData, keyErr := os.ReadFile(keyPath)
	if errors.Is(certErr, fs.ErrNotExist) && errors.Is(keyErr, fs.ErrNotExist) {
		return nil, nil
	}
	if err := errors.Join(certErr, keyErr); err != nil {
		return nil, fmt.Errorf("ca: reading root: %w", err)
	}
	certs, err := pki.ParseCertificates(certData)
	if err != nil {
		return nil, fmt.Errorf("ca: %s: %w", certPath, err)
	}
	key, err := pki.ParseKey(keyData)
	if err != nil {
		return nil, fmt.Errorf("ca: %s: %w", keyPath, err)
	}
	s := &signer{cert: certs[0], key: key, roots: certs[:1]}
	if err := checkSigner(s); err != nil {
		return nil, err
	}
	return s, nil
}

// newRoot generates a self-signed root valid for ttl.
func newRoot(trustDomain string, ttl time.Duration) (*signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("ca: root key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{trustDomain}, CommonName: "wasmesh root CA"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ttl),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("ca: root certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: root certificate: %w", err)
	}
	return &signer{cert: cert, key: key, roots: []*x509.Certificate{cert}}, nil
}

// saveRoot writes the root's key (0600) then its certificate.
func saveRoot(dir, certName, keyName string, s *signer) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("ca: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return fmt.Errorf("ca: root key: %w", err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := writeFileAtomic(filepath.Join(dir, keyName), keyPEM, 0o600); err != nil {
		return fmt.Errorf("ca: writing root key: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, certName), certPEM(s.cert), 0o644); err != nil {
		return fmt.Errorf("ca: writing root certificate: %w", err)
	}
	return nil
}

// checkSigner verifies the key matches the certificate, the certificate may
// sign certificates and the chain verifies against the roots.
func checkSigner(s *signer) error {
	pub, ok := s.key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.cert.PublicKey) {
		return errors.New("ca: the CA key does not match the CA certificate")
	}
	if !s.cert.IsCA || s.cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return errors.New("ca: the CA certificate is not allowed to sign certificates")
	}
	now := time.Now()
	if now.After(s.cert.NotAfter) {
		return fmt.Errorf("ca: the CA certificate expired at %s", s.cert.NotAfter)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, r := range s.roots {
		roots.AddCert(r)
	}
	for _, c := range s.intermediates {
		inter.AddCert(c)
	}
	if _, err := s.cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		return fmt.Errorf("ca: the CA certificate does not chain to the roots: %w", err)
	}
	return nil
}
