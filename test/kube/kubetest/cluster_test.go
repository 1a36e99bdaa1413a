package kubetest

import (
	"context"
	"os"
	"testing"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestClusterServesAPIAndKubectl(t *testing.T) {
	c := Get(t)
	v, err := c.Client.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.37.2" || v.Major != "1" || v.Minor != "37" {
		t.Fatalf("server version = %+v, want v1.37.2 (1.37)", v)
	}
	ns := c.Namespace(t, "smoke", map[string]string{"a": "b"})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Data: map[string]string{"k": "v"}}
	if _, err := c.Client.CoreV1().ConfigMaps(ns).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := c.Kubectl(t, "", "get", "configmap", "x", "-n", ns, "-o", "jsonpath={.data.k}")
	if err != nil || out != "v" {
		t.Fatalf("kubectl get = %q, %v", out, err)
	}
}

func TestTokenRequestAndReview(t *testing.T) {
	c := Get(t)
	ctx := context.Background()
	ns := c.Namespace(t, "tokens", nil)
	tr, err := c.Client.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authnv1.TokenRequest{
		Spec: authnv1.TokenRequestSpec{Audiences: []string{ServiceAccountIssuer}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := c.Client.AuthenticationV1().TokenReviews().Create(ctx, &authnv1.TokenReview{
		Spec: authnv1.TokenReviewSpec{Token: tr.Status.Token},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "system:serviceaccount:" + ns + ":default"
	if !rev.Status.Authenticated || rev.Status.User.Username != want {
		t.Fatalf("review = %+v, want authenticated as %s", rev.Status, want)
	}
	if rev.Status.Error != "" {
		t.Fatalf("review error: %s", rev.Status.Error)
	}
}
