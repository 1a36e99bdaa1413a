package inject

import "strings"

// Annotation and label keys, Istio's names.
const (
	KeyInject           = "sidecar.istio.io/inject"
	KeyStatus           = "sidecar.istio.io/status"
	KeyRewriteProbes    = "sidecar.istio.io/rewriteAppHTTPProbers"
	KeyProxyCPU         = "sidecar.istio.io/proxyCPU"
	KeyProxyMemory      = "sidecar.istio.io/proxyMemory"
	KeyProxyCPULimit    = "sidecar.istio.io/proxyCPULimit"
	KeyProxyMemoryLimit = "sidecar.istio.io/proxyMemoryLimit"
	KeyProxyImage       = "sidecar.istio.io/proxyImage"
	KeyNamespaceInject  = "istio-injection"
)

// Decision says whether a pod gets a sidecar, and why.
type Decision struct {
	Inject bool
	Reason string
}

// Target is what the decision looks at besides the pod itself.
type Target struct {
	// Manual is true for `meshctl inject`: the namespace is not consulted and
	// only the pod's own opt-out counts.
	Manual bool
	// NamespaceLabels are the labels of the pod's namespace (webhook mode).
	NamespaceLabels map[string]string
}

// Decide applies Istio's precedence: host-network pods and pods already
// injected are never touched; then the pod's sidecar.istio.io/inject label,
// then its annotation; then, for the webhook, the namespace's
// istio-injection label and the mesh's default policy.
func Decide(pod object, t Target, cfg Config) Decision {
	spec := pod.obj("spec")
	if b, _ := spec["hostNetwork"].(bool); b {
		return Decision{false, "pod uses hostNetwork"}
	}
	meta := pod.obj("metadata")
	if _, ok := meta.obj("annotations")[KeyStatus]; ok {
		return Decision{false, "already injected (" + KeyStatus + " is set)"}
	}
	for _, where := range []string{"labels", "annotations"} {
		if v, ok := meta.obj(where)[KeyInject].(string); ok {
			on, known := parseBool(v)
			if !known {
				return Decision{false, "pod " + strings.TrimSuffix(where, "s") + " " + KeyInject + "=" + v + " is not a boolean"}
			}
			if on {
				return Decision{true, "pod " + strings.TrimSuffix(where, "s") + " " + KeyInject + "=true"}
			}
			return Decision{false, "pod " + strings.TrimSuffix(where, "s") + " " + KeyInject + "=false"}
		}
	}
	if t.Manual {
		return Decision{true, "manual injection"}
	}
	switch t.NamespaceLabels[KeyNamespaceInject] {
	case "enabled":
		if cfg.DefaultPolicy == PolicyDisabled {
			return Decision{false, "mesh default policy is disabled and the pod did not opt in"}
		}
		return Decision{true, "namespace label " + KeyNamespaceInject + "=enabled"}
	case "disabled":
		return Decision{false, "namespace label " + KeyNamespaceInject + "=disabled"}
	}
	return Decision{false, "namespace has no " + KeyNamespaceInject + "=enabled label"}
}

// parseBool accepts the spellings Istio accepts for the inject switch.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "y", "yes", "on", "enabled", "1":
		return true, true
	case "false", "n", "no", "off", "disabled", "0":
		return false, true
	}
	return false, false
}
