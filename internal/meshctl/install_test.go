package meshctl

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/kube"
	"github.com/wasmesh/wasmesh/test/kube/kubetest"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

func TestInstallDryRunPrintsManifests(t *testing.T) {
	out, errs, code := run(t, "", "install", "--dry-run", "--replicas", "3")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errs)
	}
	for _, want := range []string{"kind: CustomResourceDefinition", "name: virtualservices.networking.istio.io", "kind: Deployment", "replicas: 3",
		"kind: ValidatingWebhookConfiguration", "kind: MutatingWebhookConfiguration", "name: cacerts", "root-cert.pem:"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q", want)
		}
	}
}

func TestInstallUninstallAgainstAPIServer(t *testing.T) {
	c := kubetest.StartForTest(t)
	ctx := context.Background()
	out, errs, code := run(t, "", "install", "--kubeconfig", c.Kubeconfig)
	if code != 0 {
		t.Fatalf("install: code %d: %s\n%s", code, errs, out)
	}
	ext, err := apiextclient.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range api.Kinds() {
		if _, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, k.Plural+"."+k.GVK.Group, metav1.GetOptions{}); err != nil {
			t.Errorf("CRD of %s: %v", k.GVK.Kind, err)
		}
	}
	ns := kube.DefaultNamespace
	secret, err := c.Client.CoreV1().Secrets(ns).Get(ctx, kube.CASecretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	root := secret.Data["root-cert.pem"]
	vw, err := c.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, kube.ValidatorName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(vw.Webhooks[0].ClientConfig.CABundle, root) || vw.Webhooks[0].ClientConfig.Service.Name != kube.MeshdName {
		t.Fatalf("validating webhook client config = %+v", vw.Webhooks[0].ClientConfig)
	}
	mw, err := c.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, kube.InjectorName, metav1.GetOptions{})
	if err != nil || !bytes.Equal(mw.Webhooks[0].ClientConfig.CABundle, root) {
		t.Fatalf("mutating webhook: %v", err)
	}
	d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, kube.MeshdName, metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 2 {
		t.Fatalf("deployment: %+v, %v", d, err)
	}
	for _, get := range []func() error{
		func() error {
			_, err := c.Client.CoreV1().Services(ns).Get(ctx, kube.MeshdName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := c.Client.CoreV1().ServiceAccounts(ns).Get(ctx, kube.MeshdName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := c.Client.RbacV1().ClusterRoles().Get(ctx, kube.MeshdName, metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := c.Client.RbacV1().ClusterRoleBindings().Get(ctx, kube.MeshdName, metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); err != nil {
			t.Error(err)
		}
	}

	// Installing again keeps the CA.
	if _, errs, code := run(t, "", "install", "--kubeconfig", c.Kubeconfig, "--replicas", "3"); code != 0 {
		t.Fatalf("second install: code %d: %s", code, errs)
	}
	secret, err = c.Client.CoreV1().Secrets(ns).Get(ctx, kube.CASecretName, metav1.GetOptions{})
	if err != nil || !bytes.Equal(secret.Data["root-cert.pem"], root) {
		t.Fatalf("second install replaced the CA (%v)", err)
	}
	if d, err := c.Client.AppsV1().Deployments(ns).Get(ctx, kube.MeshdName, metav1.GetOptions{}); err != nil || *d.Spec.Replicas != 3 {
		t.Fatalf("second install did not update the deployment: %v", err)
	}

	out, errs, code = run(t, "", "uninstall", "--kubeconfig", c.Kubeconfig)
	if code != 0 {
		t.Fatalf("uninstall: code %d: %s\n%s", code, errs, out)
	}
	if _, err := c.Client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, kube.ValidatorName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("validating webhook still there: %v", err)
	}
	if _, err := c.Client.RbacV1().ClusterRoles().Get(ctx, kube.MeshdName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("cluster role still there: %v", err)
	}
	// CRDs go once the API server's finalizer has run; the namespace is
	// marked for deletion (no namespace controller runs here to finish it).
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := ext.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{LabelSelector: kube.LabelPartOf + "=" + kube.PartOf})
		return err == nil && len(list.Items) == 0, nil
	})
	if err != nil {
		t.Errorf("CRDs not removed: %v", err)
	}
	nsObj, err := c.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil && nsObj.DeletionTimestamp == nil {
		t.Errorf("namespace %s not being deleted", ns)
	}
	if _, errs, code := run(t, "", "uninstall", "--kubeconfig", c.Kubeconfig); code != 0 {
		t.Fatalf("second uninstall: code %d: %s", code, errs)
	}
}
