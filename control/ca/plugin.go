package ca

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/wasmesh/wasmesh/internal/pki"
)

// Files of a plug-in CA, as Istio's cacerts secret names them.
const (
	pluginCertFile  = "ca-cert.pem"
	pluginKeyFile   = "ca-key.pem"
	pluginRootFile  = "root-cert.pem"
	pluginChainFile = "cert-chain.pem"
)

// loadPlugin reads a plug-in CA: the signing certificate and key, the root(s),
// and the chain from the signing certificate towards the root (optional;
// self-signed certificates in it are dropped, the roots come from
// root-cert.pem).
func loadPlugin(dir string) (*signer, error) {
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("ca: plug-in CA: %w", err)
		}
		return b, nil
	}
	certData, err := read(pluginCertFile)
	if err != nil {
		return nil, err
	}
	keyData, err := read(pluginKeyFile)
	if err != nil {
		return nil, err
	}
	rootData, err := read(pluginRootFile)
	if err != nil {
		return nil, err
	}
	certs, err := pki.ParseCertificates(certData)
	if err != nil {
		return nil, fmt.Errorf("ca: plug-in CA %s: %w", pluginCertFile, err)
	}
	key, err := pki.ParseKey(keyData)
	if err != nil {
		return nil, fmt.Errorf("ca: plug-in CA %s: %w", pluginKeyFile, err)
	}
	roots, err := pki.ParseCertificates(rootData)
	if err != nil {
		return nil, fmt.Errorf("ca: plug-in CA %s: %w", pluginRootFile, err)
	}
	s := &signer{cert: certs[0], key: key, roots: roots}
	chainData, err := os.ReadFile(filepath.Join(dir, pluginChainFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		chainData = certData
	case err != nil:
		return nil, fmt.Errorf("ca: plug-in CA: %w", err)
	}
	chain, err := pki.ParseCertificates(chainData)
	if err != nil {
		return nil, fmt.Errorf("ca: plug-in CA %s: %w", pluginChainFile, err)
	}
	if !bytes.Equal(chain[0].Raw, s.cert.Raw) {
		chain = append(certs[:1:1], chain...)
	}
	for _, c := range chain {
		if !isSelfSigned(c) {
			s.intermediates = append(s.intermediates, c)
		}
	}
	if err := checkSigner(s); err != nil {
		return nil, fmt.Errorf("ca: plug-in CA in %s: %w", dir, err)
	}
	return s, nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}
