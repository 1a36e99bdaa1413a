package tokenreview

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/proxy/agent/capb"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func csrFor(t *testing.T, spiffeID string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(spiffeID)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{URIs: []*url.URL{u}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// TestCASignsForTheTokensAccountOnly runs control/ca's CSR API with this
// authenticator: a pod's projected token gets a certificate for its own
// service account and is refused one for another account.
func TestCASignsForTheTokensAccountOnly(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	ns := c.Namespace(t, "csr", nil)
	tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authnv1.TokenRequest{
		Spec: authnv1.TokenRequestSpec{Audiences: []string{"wasmesh-ca"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	authority, err := ca.New(ca.Config{Dir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := ca.NewServer(authority, New(c.Client, "wasmesh-ca"), log)
	own := ca.Identity{Namespace: ns, ServiceAccount: "default"}.SPIFFEID("cluster.local")
	resp, err := srv.CreateCertificate(withToken(tr.Status.Token), &capb.Request{CSR: csrFor(t, own)})
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(resp.CertChain[0]))
	if block == nil {
		t.Fatalf("chain[0] is not PEM: %q", resp.CertChain[0])
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != own {
		t.Fatalf("leaf URIs %v, want [%s]", leaf.URIs, own)
	}
	other := ca.Identity{Namespace: ns, ServiceAccount: "admin"}.SPIFFEID("cluster.local")
	_, err = srv.CreateCertificate(withToken(tr.Status.Token), &capb.Request{CSR: csrFor(t, other)})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("CSR for another account: %v, want PermissionDenied", err)
	}
	_, err = srv.CreateCertificate(withToken("forged"), &capb.Request{CSR: csrFor(t, own)})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("forged token: %v, want Unauthenticated", err)
	}
}
