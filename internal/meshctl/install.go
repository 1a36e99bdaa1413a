package meshctl

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/ca"
	"github.com/wasmesh/wasmesh/control/kube"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// kubeFlags are the cluster flags of install and uninstall.
type kubeFlags struct {
	kubeconfig, context, namespace string
}

func (f *kubeFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	c.Flags().StringVar(&f.context, "context", "", "kubeconfig context (default: the current one)")
	c.Flags().StringVarP(&f.namespace, "namespace", "n", kube.DefaultNamespace, "namespace of meshd")
}

func (f *kubeFlags) restConfig() (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = f.kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: f.context}).ClientConfig()
	if err != nil {
		return nil, usageError{fmt.Errorf("kubeconfig: %w", err)}
	}
	return cfg, nil
}

func init() {
	commands = append(commands, installCommand, uninstallCommand)
}

func installCommand(e *env) *cobra.Command {
	var kf kubeFlags
	var image, webhookURL string
	var replicas int32
	var dryRun bool
	c := &cobra.Command{
		Use:   "install",
		Short: "Install wasmesh into a Kubernetes cluster",
		Long: `install applies (server-side, so running it again updates) the CRDs of every
config kind, the meshd namespace, service account and RBAC, the CA secret
"cacerts" (a new self-signed root unless the secret exists already), meshd's
Service and Deployment, and the validating and sidecar-injecting webhook
configurations, whose caBundle is the CA's root.`,
		Example: "  meshctl install\n  meshctl install --dry-run > wasmesh.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts := kube.InstallOptions{Namespace: kf.namespace, Image: image, Replicas: replicas, WebhookURL: webhookURL}
			if dryRun {
				secret, err := newCASecret()
				if err != nil {
					return err
				}
				opts.CASecret = secret
				objs, err := kube.Manifests(opts)
				if err != nil {
					return err
				}
				return writeYAML(e.stdout, objs)
			}
			cfg, err := kf.restConfig()
			if err != nil {
				return err
			}
			if opts.CASecret, err = caSecret(cmd.Context(), cfg, kf.namespace); err != nil {
				return err
			}
			objs, err := kube.Manifests(opts)
			if err != nil {
				return err
			}
			a, err := kube.NewApplier(cfg)
			if err != nil {
				return err
			}
			if err := a.Apply(cmd.Context(), objs); err != nil {
				return failure{fmt.Errorf("install: %w", err)}
			}
			for _, u := range objs {
				fmt.Fprintf(e.stdout, "applied %s %s\n", u.GetKind(), qualified(u))
			}
			return nil
		},
	}
	kf.add(c)
	c.Flags().StringVar(&image, "image", kube.DefaultMeshdImage, "meshd container image")
	c.Flags().Int32Var(&replicas, "replicas", 2, "meshd replicas")
	c.Flags().StringVar(&webhookURL, "webhook-url", "", "base URL of a meshd running outside the cluster (development); default: meshd's Service")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the manifests instead of applying them (with a new CA)")
	return c
}

func uninstallCommand(e *env) *cobra.Command {
	var kf kubeFlags
	var keepCRDs bool
	c := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove wasmesh from a Kubernetes cluster",
		Long: `uninstall deletes what install applied: webhook configurations, meshd, RBAC,
the CA secret, the namespace and (unless --keep-crds) the CRDs, which deletes
every wasmesh config resource in the cluster.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := kf.restConfig()
			if err != nil {
				return err
			}
			// Only names and kinds matter for deletion: any CA will do.
			secret, err := newCASecret()
			if err != nil {
				return err
			}
			objs, err := kube.Manifests(kube.InstallOptions{Namespace: kf.namespace, CASecret: secret})
			if err != nil {
				return err
			}
			if keepCRDs {
				var kept []*unstructured.Unstructured
				for _, u := range objs {
					if u.GetKind() != "CustomResourceDefinition" {
						kept = append(kept, u)
					}
				}
				objs = kept
			}
			a, err := kube.NewApplier(cfg)
			if err != nil {
				return err
			}
			if err := a.Delete(cmd.Context(), objs); err != nil {
				return failure{fmt.Errorf("uninstall: %w", err)}
			}
			for i := len(objs) - 1; i >= 0; i-- {
				fmt.Fprintf(e.stdout, "deleted %s %s\n", objs[i].GetKind(), qualified(objs[i]))
			}
			return nil
		},
	}
	kf.add(c)
	c.Flags().BoolVar(&keepCRDs, "keep-crds", false, "keep the CRDs and with them every wasmesh config resource")
	return c
}

func qualified(u *unstructured.Unstructured) string {
	if u.GetNamespace() != "" {
		return u.GetNamespace() + "/" + u.GetName()
	}
	return u.GetName()
}

// caSecret returns the data of the existing CA secret, or of a new one.
func caSecret(ctx context.Context, cfg *rest.Config, namespace string) (map[string][]byte, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	s, err := client.CoreV1().Secrets(namespace).Get(ctx, kube.CASecretName, metav1.GetOptions{})
	switch {
	case err == nil && len(s.Data["root-cert.pem"]) > 0:
		return s.Data, nil
	case err == nil, apierrors.IsNotFound(err):
		return newCASecret()
	default:
		return nil, fmt.Errorf("install: read the CA secret: %w", err)
	}
}

// newCASecret generates a self-signed root with control/ca and lays it out
// as Istio's plug-in CA secret.
func newCASecret() (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "meshctl-ca-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := ca.New(ca.Config{Dir: dir}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		return nil, fmt.Errorf("install: create the CA: %w", err)
	}
	cert, err := os.ReadFile(filepath.Join(dir, "root-cert.pem"))
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	key, err := os.ReadFile(filepath.Join(dir, "root-key.pem"))
	if err != nil {
		return nil, fmt.Errorf("install: %w", err)
	}
	return map[string][]byte{"ca-cert.pem": cert, "ca-key.pem": key, "root-cert.pem": cert, "cert-chain.pem": cert}, nil
}

func writeYAML(w io.Writer, objs []*unstructured.Unstructured) error {
	for _, u := range objs {
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "---\n%s", b); err != nil {
			return err
		}
	}
	return nil
}
