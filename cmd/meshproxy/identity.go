package main

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"
)

// identity is who this proxy's workload is, from flags and the injector's
// environment (Istio's names: POD_NAME, POD_NAMESPACE, INSTANCE_IP,
// SERVICE_ACCOUNT, TRUST_DOMAIN, ISTIO_META_*). Flags win over the environment.
type identity struct {
	Pod, Namespace, IP, IPs, ServiceAccount, TrustDomain string
	Workload, Service, Interception, ClusterID           string
	Labels                                               map[string]string
	Ports                                                []podPort
	Meta                                                 map[string]string // ISTIO_META_<KEY> → KEY
}

// identityFlags are the loopback-friendly flags (no pod exists).
type identityFlags struct {
	workload, namespace, serviceAccount, labels, service, ports, ip, trustDomain, interception string
}

// resolveIdentity merges flags over the bootstrap's node metadata (boot) over
// the environment over defaults; it is pure.
func resolveIdentity(f identityFlags, boot *corev3.Node, environ []string, hostname string) (identity, error) {
	envm := map[string]string{}
	id := identity{Meta: map[string]string{}}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		envm[k] = v
		if mk, ok := strings.CutPrefix(k, "ISTIO_META_"); ok && mk != "" {
			id.Meta[mk] = v
		}
	}
	env := func(k string) string { return envm[k] }
	bmd := boot.GetMetadata().GetFields()
	pick := func(flag, bootKey, envName, def string) string {
		if flag != "" {
			return flag
		}
		if v := bmd[bootKey].GetStringValue(); bootKey != "" && v != "" {
			return v
		}
		if v := env(envName); envName != "" && v != "" {
			return v
		}
		return def
	}
	id.Namespace = pick(f.namespace, "NAMESPACE", "POD_NAMESPACE", "default")
	id.Pod = pick(f.workload, "NAME", "POD_NAME", hostname)
	id.IPs = pick(f.ip, "INSTANCE_IPS", "INSTANCE_IP", "127.0.0.1")
	id.IP, _, _ = strings.Cut(id.IPs, ",")
	id.ServiceAccount = pick(f.serviceAccount, "SERVICE_ACCOUNT", "SERVICE_ACCOUNT", "default")
	id.TrustDomain = pick(f.trustDomain, "", "TRUST_DOMAIN", "cluster.local")
	id.Workload = pick(f.workload, "WORKLOAD_NAME", "ISTIO_META_WORKLOAD_NAME", id.Pod)
	id.Service = pick(f.service, "SERVICE", "", "")
	id.ClusterID = pick("", "CLUSTER_ID", "ISTIO_META_CLUSTER_ID", "Kubernetes")
	defMode := "REDIRECT"
	if env("INSTANCE_IP") == "" {
		defMode = "NONE" // no pod, nothing captured: loopback use
	}
	id.Interception = pick(f.interception, "INTERCEPTION_MODE", "ISTIO_META_INTERCEPTION_MODE", defMode)
	switch id.Interception {
	case "REDIRECT", "NONE", "TPROXY":
	default:
		return identity{}, fmt.Errorf("--interception-mode: %q is not REDIRECT, TPROXY or NONE", id.Interception)
	}
	if net.ParseIP(id.IP) == nil {
		return identity{}, fmt.Errorf("instance ip %q is not an IP address", id.IP)
	}
	labels, err := parseLabels(f.labels)
	if err != nil {
		return identity{}, fmt.Errorf("--labels: %w", err)
	}
	if f.labels == "" {
		for k, v := range bmd["LABELS"].GetStructValue().GetFields() {
			labels[k] = v.GetStringValue()
		}
	}
	id.Labels = labels
	if id.Ports, err = parsePorts(f.ports); err != nil {
		return identity{}, fmt.Errorf("--ports: %w", err)
	}
	return id, nil
}

// parseLabels reads "app=x,version=v1".
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", kv)
		}
		out[k] = v
	}
	return out, nil
}

// parsePorts reads "8080" or "http:8080,grpc:9090"; a single bare port is
// named "http" (matching a ServiceEntry port named http), several "http-<port>".
func parsePorts(s string) ([]podPort, error) {
	var out []podPort
	items := strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
	for _, it := range items {
		it = strings.TrimSpace(it)
		name, num, named := strings.Cut(it, ":")
		if !named {
			name, num = "http", it
			if len(items) > 1 {
				name = "http-" + it
			}
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 65535 || name == "" {
			return nil, fmt.Errorf("%q is not a port or name:port", it)
		}
		out = append(out, podPort{Name: name, ContainerPort: n, Protocol: "TCP"})
	}
	return out, nil
}

// podPort is a container port as Istio's POD_PORTS lists it; the name's
// prefix is the protocol and matches ServiceEntry port names.
type podPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// spiffeID is the workload's SPIFFE identity.
func (id identity) spiffeID() string {
	return fmt.Sprintf("spiffe://%s/ns/%s/sa/%s", id.TrustDomain, id.Namespace, id.ServiceAccount)
}

// nodeID is Istio's sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local.
func (id identity) nodeID(mode string) string {
	prefix := "sidecar"
	if mode == "gateway" {
		prefix = "router"
	}
	return fmt.Sprintf("%s~%s~%s.%s~%s.svc.cluster.local", prefix, id.IP, id.Pod, id.Namespace, id.Namespace)
}

// metadata is the xDS node metadata pilot reads (control/pilot/node.go).
// Bootstrap metadata already present is kept unless a flag set it.
func (id identity) metadata(metricsURL string) (map[string]any, error) {
	md := map[string]any{}
	for k, v := range id.Meta {
		md[k] = v
	}
	md["NAME"] = id.Pod
	md["NAMESPACE"] = id.Namespace
	md["SERVICE_ACCOUNT"] = id.ServiceAccount
	md["INSTANCE_IPS"] = id.IPs
	md["WORKLOAD_NAME"] = id.Workload
	md["INTERCEPTION_MODE"] = id.Interception
	md["CLUSTER_ID"] = id.ClusterID
	if id.Service != "" {
		md["SERVICE"] = id.Service
	}
	if metricsURL != "" {
		md["METRICS_URL"] = metricsURL
	}
	if len(id.Labels) > 0 {
		l := map[string]any{}
		for k, v := range id.Labels {
			l[k] = v
		}
		md["LABELS"] = l
	}
	if len(id.Ports) > 0 {
		b, err := json.Marshal(id.Ports)
		if err != nil {
			return nil, err
		}
		md["POD_PORTS"] = string(b)
	}
	return md, nil
}

// applyIdentity sets the node's id (unless given) and metadata.
func applyIdentity(node *corev3.Node, id identity, mode, metricsURL string) error {
	if node.GetId() == "" {
		node.Id = id.nodeID(mode)
	}
	md, err := id.metadata(metricsURL)
	if err != nil {
		return err
	}
	fields := map[string]*structpb.Value{}
	for k, v := range node.GetMetadata().GetFields() {
		fields[k] = v
	}
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := structpb.NewValue(md[k])
		if err != nil {
			return fmt.Errorf("node metadata %s: %w", k, err)
		}
		fields[k] = v
	}
	node.Metadata = &structpb.Struct{Fields: fields}
	return nil
}

// wasmMetadata is the flat node metadata the Wasm host serves as
// node.metadata.*: every string field plus what filters/telemetry reads.
func wasmMetadata(node *corev3.Node) map[string]string {
	md := map[string]string{}
	labels := map[string]string{}
	for k, v := range node.GetMetadata().GetFields() {
		if s := v.GetStringValue(); s != "" {
			md[k] = s
		}
	}
	for k, v := range node.GetMetadata().GetFields()["LABELS"].GetStructValue().GetFields() {
		labels[k] = v.GetStringValue()
	}
	first := func(vs ...string) string {
		for _, v := range vs {
			if v != "" {
				return v
			}
		}
		return ""
	}
	set := func(k string, vs ...string) {
		if md[k] == "" {
			if v := first(vs...); v != "" {
				md[k] = v
			}
		}
	}
	set("WORKLOAD_NAME", md["NAME"])
	set("APP", labels["app"], labels["app.kubernetes.io/name"])
	set("VERSION", labels["version"], labels["app.kubernetes.io/version"])
	set("CANONICAL_SERVICE", labels["service.istio.io/canonical-name"], md["APP"], md["WORKLOAD_NAME"])
	set("CANONICAL_REVISION", labels["service.istio.io/canonical-revision"], md["VERSION"], "latest")
	return md
}
