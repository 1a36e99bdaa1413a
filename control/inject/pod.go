package inject

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Names of what injection adds to a pod.
const (
	ContainerProxy = "meshproxy"
	ContainerInit  = "meshproxy-init"
	VolumeData     = "meshproxy-data"
	VolumeToken    = "mesh-token"
	VolumePodInfo  = "mesh-podinfo"
)

// Workload names the object a pod template belongs to, for the proxy's
// metadata (ISTIO_META_WORKLOAD_NAME) and canonical service labels.
type Workload struct {
	Kind, Name, Namespace string
}

// injectPod adds the sidecar to one pod (a Pod object or a workload's pod
// template: an object with metadata and spec). It returns the decision; on
// a negative decision the pod is untouched.
func injectPod(pod object, w Workload, t Target, cfg Config) (Decision, error) {
	if err := cfg.Validate(); err != nil {
		return Decision{}, err
	}
	d := Decide(pod, t, cfg)
	if !d.Inject {
		return d, nil
	}
	spec := pod.ensure("spec")
	for _, c := range spec.list("containers") {
		if c.str("name") == ContainerProxy {
			return Decision{false, "already has a " + ContainerProxy + " container"}, nil
		}
	}
	meta := pod.ensure("metadata")
	ann := meta.ensure("annotations")
	labels := meta.ensure("labels")

	args, err := captureArgs(ann, cfg)
	if err != nil {
		return Decision{}, err
	}
	apps := spec.list("containers")
	if len(apps) == 0 {
		return Decision{}, fmt.Errorf("inject: %s %q has no containers", w.Kind, w.Name)
	}
	var probers string
	if rewrite, known := parseBool(ann.str(KeyRewriteProbes)); (known && rewrite) || (!known && cfg.RewriteAppHTTPProbers) {
		if probers, err = rewriteProbes(apps); err != nil {
			return Decision{}, err
		}
	}
	image := cfg.Image
	if v := ann.str(KeyProxyImage); v != "" {
		image = v
	}
	res, err := resources(ann, cfg)
	if err != nil {
		return Decision{}, err
	}

	appNames := make([]string, len(apps))
	for i, c := range apps {
		appNames[i] = c.str("name")
	}
	canonical := firstNonEmpty(labels.str("service.istio.io/canonical-name"), labels.str("app.kubernetes.io/name"), labels.str("app"), w.Name)
	revision := firstNonEmpty(labels.str("service.istio.io/canonical-revision"), labels.str("app.kubernetes.io/version"), labels.str("version"), "latest")

	initC := object{
		"name":  ContainerInit,
		"image": image,
		"args":  toAny(args),
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"privileged":               false,
			"readOnlyRootFilesystem":   false,
			"runAsGroup":               json.Number("0"),
			"runAsNonRoot":             false,
			"runAsUser":                json.Number("0"),
			"capabilities": map[string]any{
				"add":  []any{"NET_ADMIN", "NET_RAW"},
				"drop": []any{"ALL"},
			},
		},
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "10m", "memory": "10Mi"},
			"limits":   map[string]any{"cpu": "100m", "memory": "50Mi"},
		},
	}
	proxy := object{
		"name":  ContainerProxy,
		"image": image,
		"args":  []any{"--mode", "sidecar", "--xds-address", cfg.DiscoveryAddress},
		"env":   proxyEnv(w, cfg, appNames, probers),
		"ports": []any{
			map[string]any{"name": "http-envoy-prom", "containerPort": json.Number(fmt.Sprint(PortPrometheus)), "protocol": "TCP"},
		},
		"readinessProbe": map[string]any{
			"httpGet":             map[string]any{"path": "/healthz/ready", "port": json.Number(fmt.Sprint(PortHealth))},
			"initialDelaySeconds": json.Number("1"),
			"periodSeconds":       json.Number("2"),
			"timeoutSeconds":      json.Number("3"),
			"failureThreshold":    json.Number("30"),
		},
		"resources": res,
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"privileged":               false,
			"readOnlyRootFilesystem":   true,
			"runAsGroup":               json.Number(fmt.Sprint(cfg.ProxyGID)),
			"runAsNonRoot":             true,
			"runAsUser":                json.Number(fmt.Sprint(cfg.ProxyUID)),
			"capabilities":             map[string]any{"drop": []any{"ALL"}},
		},
		"volumeMounts": []any{
			map[string]any{"name": VolumeData, "mountPath": "/var/lib/meshproxy"},
			map[string]any{"name": VolumeToken, "mountPath": "/var/run/secrets/tokens"},
			map[string]any{"name": VolumePodInfo, "mountPath": "/etc/meshproxy/pod"},
		},
	}
	if cfg.ImagePullPolicy != "" {
		initC["imagePullPolicy"] = cfg.ImagePullPolicy
		proxy["imagePullPolicy"] = cfg.ImagePullPolicy
	}

	spec.setList("initContainers", append(spec.list("initContainers"), initC))
	spec.setList("containers", append(apps, proxy))
	spec.setList("volumes", append(spec.list("volumes"), podVolumes()...))

	labels["security.istio.io/tlsMode"] = "istio"
	labels["service.istio.io/canonical-name"] = canonical
	labels["service.istio.io/canonical-revision"] = revision
	setDefault(ann, "kubectl.kubernetes.io/default-container", appNames[0])
	setDefault(ann, "prometheus.io/scrape", "true")
	setDefault(ann, "prometheus.io/port", fmt.Sprint(PortStatus))
	setDefault(ann, "prometheus.io/path", "/stats/prometheus")
	status, _ := json.Marshal(map[string]any{
		"initContainers": []string{ContainerInit},
		"containers":     []string{ContainerProxy},
		"volumes":        []string{VolumeData, VolumeToken, VolumePodInfo},
	})
	ann[KeyStatus] = string(status)
	return d, nil
}

func proxyEnv(w Workload, cfg Config, apps []string, probers string) []any {
	field := func(name, path string) map[string]any {
		return map[string]any{"name": name, "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": path}}}
	}
	val := func(name, v string) map[string]any { return map[string]any{"name": name, "value": v} }
	env := []any{
		field("POD_NAME", "metadata.name"),
		field("POD_NAMESPACE", "metadata.namespace"),
		field("INSTANCE_IP", "status.podIP"),
		field("SERVICE_ACCOUNT", "spec.serviceAccountName"),
		field("HOST_IP", "status.hostIP"),
		field("NODE_NAME", "spec.nodeName"),
		val("TRUST_DOMAIN", cfg.TrustDomain),
		val("CA_ADDR", cfg.DiscoveryAddress),
		val("ISTIO_META_CLUSTER_ID", cfg.ClusterID),
		val("ISTIO_META_WORKLOAD_NAME", w.Name),
		val("ISTIO_META_OWNER", fmt.Sprintf("kubernetes://apis/%s/namespaces/%s/%ss/%s", apiGroupVersion(w.Kind), w.Namespace, strings.ToLower(w.Kind), w.Name)),
		val("ISTIO_META_APP_CONTAINERS", strings.Join(apps, ",")),
		val("ISTIO_META_INTERCEPTION_MODE", "REDIRECT"),
	}
	if probers != "" {
		env = append(env, val("ISTIO_KUBE_APP_PROBERS", probers))
	}
	return env
}

func apiGroupVersion(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		return "apps/v1"
	case "Job", "CronJob":
		return "batch/v1"
	}
	return "v1"
}

func podVolumes() []object {
	return []object{
		{"name": VolumeData, "emptyDir": map[string]any{"medium": "Memory"}},
		{"name": VolumeToken, "projected": map[string]any{"sources": []any{
			map[string]any{"serviceAccountToken": map[string]any{"audience": "istio-ca", "expirationSeconds": json.Number("43200"), "path": "istio-token"}},
		}}},
		{"name": VolumePodInfo, "downwardAPI": map[string]any{"items": []any{
			map[string]any{"path": "labels", "fieldRef": map[string]any{"fieldPath": "metadata.labels"}},
			map[string]any{"path": "annotations", "fieldRef": map[string]any{"fieldPath": "metadata.annotations"}},
		}}},
	}
}

// resources builds the proxy's requests and limits from the annotations,
// falling back to the mesh config.
func resources(ann object, cfg Config) (map[string]any, error) {
	pick := func(key, def string) (string, error) {
		v := ann.str(key)
		if v == "" {
			return def, nil
		}
		if !validQuantity(v) {
			return "", fmt.Errorf("inject: annotation %s: %q is not a Kubernetes quantity", key, v)
		}
		return v, nil
	}
	out := map[string]any{}
	set := func(section, name, key, def string) error {
		v, err := pick(key, def)
		if err != nil || v == "" {
			return err
		}
		m, _ := out[section].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[section] = m
		}
		m[name] = v
		return nil
	}
	for _, s := range []struct{ section, name, key, def string }{
		{"requests", "cpu", KeyProxyCPU, cfg.CPURequest},
		{"requests", "memory", KeyProxyMemory, cfg.MemoryRequest},
		{"limits", "cpu", KeyProxyCPULimit, cfg.CPULimit},
		{"limits", "memory", KeyProxyMemoryLimit, cfg.MemoryLimit},
	} {
		if err := set(s.section, s.name, s.key, s.def); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// validQuantity accepts the common forms of a Kubernetes resource quantity:
// a decimal number with an optional binary or decimal suffix.
func validQuantity(s string) bool {
	num := strings.TrimRight(s, "numkKMGTPEi")
	suffix := s[len(num):]
	switch suffix {
	case "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u":
	default:
		return false
	}
	if num == "" || strings.Count(num, ".") > 1 {
		return false
	}
	for _, r := range num {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return true
}

func setDefault(o object, key, v string) {
	if _, ok := o[key]; !ok {
		o[key] = v
	}
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
