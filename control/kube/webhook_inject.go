package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/wasmesh/wasmesh/control/inject"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NamespaceLabels returns the labels of a namespace.
type NamespaceLabels func(ctx context.Context, namespace string) (map[string]string, error)

// NamespaceLabelsFrom reads namespace labels from the API server.
func NamespaceLabelsFrom(client kubernetes.Interface) NamespaceLabels {
	return func(ctx context.Context, name string) (map[string]string, error) {
		ns, err := client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("kube: namespace %s: %w", name, err)
		}
		return ns.Labels, nil
	}
}

// Injector is the sidecar injector served as a mutating webhook: Istio's
// rules (namespace label istio-injection, pod label or annotation
// sidecar.istio.io/inject) decided and applied by control/inject.
type Injector struct {
	// Config is the mesh-wide injection config.
	Config inject.Config
	// Namespaces looks up the labels of the pod's namespace.
	Namespaces NamespaceLabels
}

func (in *Injector) review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.Kind.Kind != "Pod" || req.Operation != admissionv1.Create {
		return allow()
	}
	var pod struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return deny(http.StatusBadRequest, "kube: pod is not JSON: "+err.Error())
	}
	labels, err := in.Namespaces(ctx, req.Namespace)
	if err != nil {
		return deny(http.StatusInternalServerError, err.Error())
	}
	owner := ownerOf(pod.Metadata, req.Namespace)
	ops, dec, err := inject.Pod(req.Object.Raw, owner, inject.Target{NamespaceLabels: labels}, in.Config)
	if err != nil {
		return deny(http.StatusUnprocessableEntity, "wasmesh: cannot inject the sidecar: "+err.Error())
	}
	resp := allow()
	resp.AuditAnnotations = map[string]string{"injection": dec.Reason}
	if len(ops) == 0 {
		return resp
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return deny(http.StatusInternalServerError, "kube: "+err.Error())
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp.Patch, resp.PatchType = patch, &pt
	return resp
}

// ownerOf names the workload a pod belongs to: its controller, with a
// Deployment's ReplicaSet (name "<deployment>-<pod-template-hash>") mapped
// back to the Deployment; the pod itself when it has no controller.
func ownerOf(m metav1.ObjectMeta, namespace string) inject.Workload {
	for _, ref := range m.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		if hash := m.Labels["pod-template-hash"]; ref.Kind == "ReplicaSet" && hash != "" && strings.HasSuffix(ref.Name, "-"+hash) {
			return inject.Workload{Kind: "Deployment", Name: strings.TrimSuffix(ref.Name, "-"+hash), Namespace: namespace}
		}
		return inject.Workload{Kind: ref.Kind, Name: ref.Name, Namespace: namespace}
	}
	name := m.Name
	if name == "" {
		name = strings.TrimSuffix(m.GenerateName, "-")
	}
	return inject.Workload{Kind: "Pod", Name: name, Namespace: namespace}
}
