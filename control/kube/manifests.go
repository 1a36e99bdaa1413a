package kube

import (
	"fmt"

	"github.com/wasmesh/wasmesh/control/api"
	admregv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names of the installed objects.
const (
	DefaultNamespace  = "wasmesh-system"
	MeshdName         = "meshd"
	CASecretName      = "cacerts" // Istio's plug-in CA secret
	ValidatorName     = "wasmesh-validator"
	InjectorName      = "wasmesh-sidecar-injector"
	WebhookPort       = 15017
	LeaseName         = "meshd-leader"
	DefaultMeshdImage = "wasmesh/meshd:latest"
)

// InstallOptions say what to install.
type InstallOptions struct {
	// Namespace of meshd; DefaultNamespace when empty.
	Namespace string
	// Image of meshd; DefaultMeshdImage when empty.
	Image string
	// Replicas of meshd; 2 when zero.
	Replicas int32
	// CASecret is the data of the CA secret (ca-cert.pem, ca-key.pem,
	// root-cert.pem, cert-chain.pem).
	CASecret map[string][]byte
	// WebhookURL, when set, points the webhook configurations at this
	// base URL (e.g. "https://127.0.0.1:15017") instead of meshd's Service.
	WebhookURL string
}

func (o InstallOptions) withDefaults() InstallOptions {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Image == "" {
		o.Image = DefaultMeshdImage
	}
	if o.Replicas == 0 {
		o.Replicas = 2
	}
	return o
}

// Manifests returns every object `meshctl install` applies, in apply order:
// CRDs, the namespace, RBAC, the CA secret, meshd's Service and Deployment,
// and the validating and mutating webhook configurations (whose caBundle is
// the CA secret's root-cert.pem).
func Manifests(o InstallOptions) ([]*unstructured.Unstructured, error) {
	o = o.withDefaults()
	root := o.CASecret["root-cert.pem"]
	if len(root) == 0 {
		return nil, fmt.Errorf("kube: install: the CA secret has no root-cert.pem")
	}
	labels := map[string]string{LabelPartOf: PartOf, "app": MeshdName}
	meta := func(name, ns string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}
	}
	var objs []runtime.Object
	for _, crd := range CRDs() {
		objs = append(objs, crd)
	}
	objs = append(objs,
		&corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: meta(o.Namespace, "")},
		&corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: meta(MeshdName, o.Namespace)},
		&rbacv1.ClusterRole{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"), ObjectMeta: meta(MeshdName, ""), Rules: clusterRules()},
		&rbacv1.ClusterRoleBinding{
			TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"), ObjectMeta: meta(MeshdName, ""),
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: MeshdName},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: MeshdName, Namespace: o.Namespace}},
		},
		&rbacv1.Role{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: meta(MeshdName, o.Namespace), Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch", "create", "update"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}},
		}},
		&rbacv1.RoleBinding{
			TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: meta(MeshdName, o.Namespace),
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: MeshdName},
			Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: MeshdName, Namespace: o.Namespace}},
		},
		&corev1.Secret{TypeMeta: typeMeta("v1", "Secret"), ObjectMeta: meta(CASecretName, o.Namespace), Data: o.CASecret},
		service(o, meta(MeshdName, o.Namespace)),
		deployment(o, meta(MeshdName, o.Namespace), labels),
		validatingWebhook(o, meta(ValidatorName, ""), root),
		mutatingWebhook(o, meta(InjectorName, ""), root),
	)
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, obj := range objs {
		u, err := ToUnstructured(obj)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// clusterRules are what meshd reads cluster-wide: config, discovery
// objects, namespaces for injection, and token reviews for the CA.
func clusterRules() []rbacv1.PolicyRule {
	groups := map[string]bool{}
	var configGroups []string
	for _, k := range api.Kinds() {
		if !groups[k.GVK.Group] {
			groups[k.GVK.Group] = true
			configGroups = append(configGroups, k.GVK.Group)
		}
	}
	read := []string{"get", "list", "watch"}
	return []rbacv1.PolicyRule{
		{APIGroups: configGroups, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods", "services", "nodes", "namespaces", "endpoints"}, Verbs: read},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
		// The leader keeps the webhooks' caBundle equal to the CA's trust bundle.
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"validatingwebhookconfigurations"},
			ResourceNames: []string{ValidatorName}, Verbs: []string{"get", "update"}},
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"mutatingwebhookconfigurations"},
			ResourceNames: []string{InjectorName}, Verbs: []string{"get", "update"}},
	}
}

// meshdPorts are meshd's ports, Istio's numbers.
var meshdPorts = []struct {
	name string
	port int32
}{{"grpc-xds", 15010}, {"https-xds-ca", 15012}, {"http-monitoring", 15014}, {"https-webhook", WebhookPort}}

func service(o InstallOptions, meta metav1.ObjectMeta) *corev1.Service {
	s := &corev1.Service{TypeMeta: typeMeta("v1", "Service"), ObjectMeta: meta, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": MeshdName}}}
	for _, p := range meshdPorts {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: p.name, Port: p.port, TargetPort: intstr.FromInt32(p.port)})
	}
	if o.WebhookURL == "" {
		// Webhooks reach meshd through the Service on 443.
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "https-webhook-443", Port: 443, TargetPort: intstr.FromInt32(WebhookPort)})
	}
	return s
}

func deployment(o InstallOptions, meta metav1.ObjectMeta, labels map[string]string) *appsv1.Deployment {
	c := corev1.Container{
		Name:  MeshdName,
		Image: o.Image,
		Args: []string{"--config-source=kubernetes", "--xds-address=0.0.0.0:15010", "--monitor-address=0.0.0.0:15014",
			"--webhook-address=0.0.0.0:15017", "--ca-plugin-dir=/etc/cacerts", "--leader-lease=" + LeaseName},
		Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}},
		VolumeMounts:   []corev1.VolumeMount{{Name: "cacerts", MountPath: "/etc/cacerts", ReadOnly: true}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(15014)}}},
	}
	for _, p := range meshdPorts {
		c.Ports = append(c.Ports, corev1.ContainerPort{Name: p.name, ContainerPort: p.port})
	}
	return &appsv1.Deployment{
		TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: meta,
		Spec: appsv1.DeploymentSpec{
			Replicas: &o.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": MeshdName}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"sidecar.istio.io/inject": "false"}},
				Spec: corev1.PodSpec{
					ServiceAccountName: MeshdName,
					Containers:         []corev1.Container{c},
					Volumes:            []corev1.Volume{{Name: "cacerts", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: CASecretName}}}},
				},
			},
		},
	}
}

func clientConfig(o InstallOptions, path string, caBundle []byte) admregv1.WebhookClientConfig {
	if o.WebhookURL != "" {
		u := o.WebhookURL + path
		return admregv1.WebhookClientConfig{URL: &u, CABundle: caBundle}
	}
	port := int32(443)
	return admregv1.WebhookClientConfig{CABundle: caBundle, Service: &admregv1.ServiceReference{Namespace: o.Namespace, Name: MeshdName, Path: &path, Port: &port}}
}

// systemNamespaces never get webhooks called for their objects.
func systemNamespaces(o InstallOptions) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"kube-system", "kube-public", o.Namespace},
	}}}
}

func validatingWebhook(o InstallOptions, meta metav1.ObjectMeta, caBundle []byte) *admregv1.ValidatingWebhookConfiguration {
	fail, none := admregv1.Fail, admregv1.SideEffectClassNone
	var rules []admregv1.RuleWithOperations
	seen := map[string]bool{}
	for _, k := range api.Kinds() {
		if seen[k.GVK.Group] {
			continue
		}
		seen[k.GVK.Group] = true
		rules = append(rules, admregv1.RuleWithOperations{
			Operations: []admregv1.OperationType{admregv1.Create, admregv1.Update},
			Rule:       admregv1.Rule{APIGroups: []string{k.GVK.Group}, APIVersions: []string{"*"}, Resources: []string{"*"}},
		})
	}
	return &admregv1.ValidatingWebhookConfiguration{
		TypeMeta: typeMeta("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"), ObjectMeta: meta,
		Webhooks: []admregv1.ValidatingWebhook{{
			Name:                    "validation.wasmesh.io",
			ClientConfig:            clientConfig(o, PathValidate, caBundle),
			Rules:                   rules,
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}

func mutatingWebhook(o InstallOptions, meta metav1.ObjectMeta, caBundle []byte) *admregv1.MutatingWebhookConfiguration {
	fail, none := admregv1.Fail, admregv1.SideEffectClassNone
	sel := systemNamespaces(o)
	sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: "istio-injection", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"disabled"}})
	return &admregv1.MutatingWebhookConfiguration{
		TypeMeta: typeMeta("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration"), ObjectMeta: meta,
		Webhooks: []admregv1.MutatingWebhook{{
			Name:         "sidecar-injector.wasmesh.io",
			ClientConfig: clientConfig(o, PathInject, caBundle),
			Rules: []admregv1.RuleWithOperations{{
				Operations: []admregv1.OperationType{admregv1.Create},
				Rule:       admregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			NamespaceSelector:       sel,
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
}
