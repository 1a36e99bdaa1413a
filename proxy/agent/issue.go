package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/proxy/agent/capb"
)

// issue generates a fresh key, sends its CSR to the CA and returns the
// checked material. trusted are the roots meshd's serving certificate may
// chain to.
func (a *Agent) issue(ctx context.Context, trusted []*x509.Certificate) (*Material, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("agent: key: %w", err)
	}
	u, err := url.Parse(a.cfg.id.String())
	if err != nil {
		return nil, fmt.Errorf("agent: id: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{URIs: []*url.URL{u}}, key)
	if err != nil {
		return nil, fmt.Errorf("agent: csr: %w", err)
	}
	req := &capb.Request{
		CSR:             string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})),
		ValiditySeconds: int64(a.cfg.TTL / time.Second),
	}
	if len(a.cfg.Metadata) > 0 {
		fields := make(map[string]any, len(a.cfg.Metadata))
		for k, v := range a.cfg.Metadata {
			fields[k] = v
		}
		if req.Metadata, err = structpb.NewStruct(fields); err != nil {
			return nil, fmt.Errorf("agent: metadata: %w", err)
		}
	}
	token, err := a.token()
	if err != nil {
		return nil, err
	}

	pool := x509.NewCertPool()
	for _, r := range trusted {
		pool.AddCert(r)
	}
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: a.cfg.ServerName, MinVersion: tls.VersionTLS12})
	cc, err := grpc.NewClient(a.cfg.CAAddress, grpc.WithTransportCredentials(creds), grpc.WithPerRPCCredentials(bearer(token)))
	if err != nil {
		return nil, fmt.Errorf("agent: dialing ca: %w", err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(ctx, a.cfg.RequestTimeout)
	defer cancel()
	resp, err := capb.NewClient(cc).CreateCertificate(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("agent: csr to %s: %w", a.cfg.CAAddress, err)
	}
	return newMaterial(resp.CertChain, key, a.cfg.id, time.Now())
}

func (a *Agent) token() (string, error) {
	if a.cfg.TokenFile == "" {
		return a.cfg.Token, nil
	}
	b, err := os.ReadFile(a.cfg.TokenFile)
	if err != nil {
		return "", fmt.Errorf("agent: token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// bearer sends "authorization: Bearer <token>", over TLS only.
type bearer string

var _ credentials.PerRPCCredentials = bearer("")

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }
