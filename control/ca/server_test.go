package ca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/wasmesh/wasmesh/proxy/agent/capb"
)

// startServer serves c's CSR API over TLS on loopback and returns its address.
func startServer(t *testing.T, c *CA, auth Authenticator) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.Creds(credentials.NewTLS(c.ServerTLSConfig("127.0.0.1"))))
	NewServer(c, auth, nil).Register(s)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

type staticToken string

func (s staticToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(s)}, nil
}
func (staticToken) RequireTransportSecurity() bool { return true }

func TestServer(t *testing.T) {
	c := newTestCA(t, Config{DefaultTTL: time.Hour, MaxTTL: 2 * time.Hour})
	tokens, err := OpenTokenStore("")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Mint(web)
	if err != nil {
		t.Fatal(err)
	}
	addr := startServer(t, c, tokens)

	pool := x509.NewCertPool()
	pool.AddCert(c.Bundle()[0])
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	call := func(token string, csr []byte, validity int64) (*capb.Response, error) {
		opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
		if token != "" {
			opts = append(opts, grpc.WithPerRPCCredentials(staticToken(token)))
		}
		cc, err := grpc.NewClient(addr, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return capb.NewClient(cc).CreateCertificate(ctx, &capb.Request{CSR: string(csr), ValiditySeconds: validity})
	}
	own, _ := makeCSR(t, []string{webID})
	other, _ := makeCSR(t, []string{"spiffe://cluster.local/ns/kube-system/sa/admin"})

	for _, tc := range []struct {
		name  string
		token string
		csr   []byte
		want  codes.Code
	}{
		{"no token", "", own, codes.Unauthenticated},
		{"bad token", "wmt_forged", own, codes.Unauthenticated},
		{"another identity", tok, other, codes.PermissionDenied},
		{"garbage csr", tok, []byte("nope"), codes.InvalidArgument},
		{"own identity", tok, own, codes.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(tc.token, tc.csr, 0)
			if got := status.Code(err); got != tc.want {
				t.Fatalf("code %v (%v), want %v", got, err, tc.want)
			}
		})
	}

	resp, err := call(tok, own, 1<<62) // absurd validity: capped, not overflowed
	if err != nil {
		t.Fatal(err)
	}
	certs, roots := parseChain(t, resp.CertChain)
	verifyChain(t, certs, roots)
	if life := time.Until(certs[0].NotAfter); life > 2*time.Hour || life < 2*time.Hour-time.Minute {
		t.Fatalf("leaf lives %s, want the 2h maximum", life)
	}
}
