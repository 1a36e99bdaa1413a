package tokenreview

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	"google.golang.org/grpc/metadata"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

func withToken(tok string) context.Context {
	return metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+tok))
}

func TestAuthenticateWithProjectedTokens(t *testing.T) {
	c := kubetest.Get(t)
	ctx := context.Background()
	ns := c.Namespace(t, "ca", nil)
	if _, err := c.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "reviews"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	token := func(sa string, aud ...string) string {
		tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{Audiences: aud}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status.Token
	}
	const aud = "wasmesh-ca"
	a := New(c.Client, aud)

	id, err := a.Authenticate(withToken(token("reviews", aud)))
	if err != nil {
		t.Fatal(err)
	}
	if id != (ca.Identity{Namespace: ns, ServiceAccount: "reviews"}) {
		t.Fatalf("identity = %+v", id)
	}
	if got, want := id.SPIFFEID("cluster.local"), "spiffe://cluster.local/ns/"+ns+"/sa/reviews"; got != want {
		t.Fatalf("SPIFFE ID %s, want %s", got, want)
	}

	// The other account's token yields the other account, never reviews.
	if id, err := a.Authenticate(withToken(token("default", aud))); err != nil || id.ServiceAccount != "default" {
		t.Fatalf("default token: %+v, %v", id, err)
	}

	for name, ctx := range map[string]context.Context{
		"wrong audience": withToken(token("reviews", "someone-else")),
		"garbage":        withToken("not-a-token"),
		"no header":      context.Background(),
	} {
		if _, err := a.Authenticate(ctx); !errors.Is(err, ca.ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated", name, err)
		}
	}

	// A deleted account's token stops working.
	tok := token("reviews", aud)
	if err := c.Client.CoreV1().ServiceAccounts(ns).Delete(ctx, "reviews", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The apiserver's token authenticator sees the deletion through its
	// informer, so the refusal follows within moments, not at once; and a
	// review that still succeeded meanwhile is cached by the apiserver
	// (token success cache, 10 s by default), so allow for that too.
	const within = 20 * time.Second
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = a.Authenticate(withToken(tok)); errors.Is(err, ca.ErrUnauthenticated) {
			return
		}
	}
	t.Fatalf("token of deleted account still accepted after %s: err = %v", within, err)
}

func TestIdentityOf(t *testing.T) {
	for user, ok := range map[string]bool{
		"system:serviceaccount:shop:reviews": true,
		"system:serviceaccount:shop":         false,
		"alice":                              false,
		"system:serviceaccount:Shop:x":       false,
	} {
		_, err := identityOf(user)
		if (err == nil) != ok {
			t.Errorf("%s: err = %v", user, err)
		}
	}
}
