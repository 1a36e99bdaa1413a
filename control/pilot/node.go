package pilot

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/registry"
)

// ProxyType is the role of a proxy.
type ProxyType string

// Proxy types, spelled as the first field of an Istio node id.
const (
	SidecarProxy ProxyType = "sidecar"
	RouterProxy  ProxyType = "router"
)

// Node metadata keys read from the xDS node (Istio's names where Istio has
// one).
const (
	MetaName             = "NAME"
	MetaNamespace        = "NAMESPACE"
	MetaLabels           = "LABELS"
	MetaServiceAccount   = "SERVICE_ACCOUNT"
	MetaInstanceIPs      = "INSTANCE_IPS"
	MetaWorkloadName     = "WORKLOAD_NAME"
	MetaInterceptionMode = "INTERCEPTION_MODE"
	MetaPodPorts         = "POD_PORTS"
	// MetaService is wasmesh's: the service the workload implements
	// ("<name>" in its namespace), registering it without a ServiceEntry.
	MetaService = "SERVICE"
	// MetaMetricsURL is wasmesh's: where the proxy serves its merged
	// Prometheus metrics (default http://<first instance IP>:15020/stats/prometheus).
	MetaMetricsURL = "METRICS_URL"
)

// ErrBadNode is wrapped by ParseNode errors.
var ErrBadNode = errors.New("pilot: bad node")

// Node is a proxy's identity as read from its xDS node.
type Node struct {
	ID             string            `json:"id"`
	Type           ProxyType         `json:"type"`
	Name           string            `json:"name,omitempty"`
	Namespace      string            `json:"namespace"`
	Labels         map[string]string `json:"labels,omitempty"`
	ServiceAccount string            `json:"serviceAccount,omitempty"`
	IPs            []string          `json:"ips,omitempty"`
	Workload       string            `json:"workload,omitempty"`
	Service        string            `json:"service,omitempty"`
	Ports          []registry.Port   `json:"ports,omitempty"`
	// Interception is the capture mode: "REDIRECT" (default) or "NONE".
	Interception string `json:"interception,omitempty"`
	// MetricsURL is where the proxy's merged Prometheus metrics are.
	MetricsURL string `json:"metricsURL,omitempty"`
}

// limits on untrusted node metadata
const (
	maxNodeID     = 1024
	maxLabels     = 64
	maxIPs        = 16
	maxPorts      = 64
	maxStringMeta = 4096
)

// ParseNode reads a proxy's identity from an xDS node. The id may be Istio's
// "type~ip~name.namespace~domain" or any other string (then the type is
// sidecar and metadata names the workload). Bad metadata is an error.
func ParseNode(n *corev3.Node) (Node, error) {
	id := n.GetId()
	if id == "" {
		return Node{}, fmt.Errorf("%w: empty id", ErrBadNode)
	}
	if len(id) > maxNodeID {
		return Node{}, fmt.Errorf("%w: id longer than %d bytes", ErrBadNode, maxNodeID)
	}
	out := Node{ID: id, Type: SidecarProxy, Interception: "REDIRECT"}
	if parts := strings.Split(id, "~"); len(parts) == 4 {
		switch ProxyType(parts[0]) {
		case SidecarProxy, RouterProxy:
			out.Type = ProxyType(parts[0])
		default:
			return Node{}, fmt.Errorf("%w: unknown proxy type %q in id", ErrBadNode, parts[0])
		}
		if parts[1] != "" {
			out.IPs = []string{parts[1]}
		}
		if name, ns, ok := strings.Cut(parts[2], "."); ok {
			out.Name, out.Namespace = name, ns
		} else {
			out.Name = parts[2]
		}
	}
	md := n.GetMetadata().GetFields()
	str := func(key string) (string, error) {
		v, ok := md[key]
		if !ok {
			return "", nil
		}
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok {
			return "", fmt.Errorf("%w: metadata %s must be a string", ErrBadNode, key)
		}
		if len(s.StringValue) > maxStringMeta {
			return "", fmt.Errorf("%w: metadata %s longer than %d bytes", ErrBadNode, key, maxStringMeta)
		}
		return s.StringValue, nil
	}
	set := func(dst *string, key string) error {
		s, err := str(key)
		if err == nil && s != "" {
			*dst = s
		}
		return err
	}
	for _, f := range []struct {
		dst *string
		key string
	}{{&out.Name, MetaName}, {&out.Namespace, MetaNamespace}, {&out.ServiceAccount, MetaServiceAccount},
		{&out.Workload, MetaWorkloadName}, {&out.Service, MetaService}, {&out.Interception, MetaInterceptionMode},
		{&out.MetricsURL, MetaMetricsURL}} {
		if err := set(f.dst, f.key); err != nil {
			return Node{}, err
		}
	}
	switch out.Interception {
	case "REDIRECT", "NONE", "TPROXY":
	default:
		return Node{}, fmt.Errorf("%w: metadata %s: unknown mode %q", ErrBadNode, MetaInterceptionMode, out.Interception)
	}
	if out.Namespace == "" {
		out.Namespace = "default"
	}
	if v, ok := md[MetaLabels]; ok {
		st := v.GetStructValue()
		if st == nil {
			return Node{}, fmt.Errorf("%w: metadata %s must be a map of strings", ErrBadNode, MetaLabels)
		}
		if len(st.GetFields()) > maxLabels {
			return Node{}, fmt.Errorf("%w: metadata %s has more than %d labels", ErrBadNode, MetaLabels, maxLabels)
		}
		out.Labels = map[string]string{}
		for k, lv := range st.GetFields() {
			s, ok := lv.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return Node{}, fmt.Errorf("%w: metadata %s[%s] must be a string", ErrBadNode, MetaLabels, k)
			}
			out.Labels[k] = s.StringValue
		}
	}
	ips, err := str(MetaInstanceIPs)
	if err != nil {
		return Node{}, err
	}
	if ips != "" {
		out.IPs = nil
		for _, ip := range strings.Split(ips, ",") {
			if ip = strings.TrimSpace(ip); ip != "" {
				out.IPs = append(out.IPs, ip)
			}
		}
		if len(out.IPs) > maxIPs {
			return Node{}, fmt.Errorf("%w: metadata %s has more than %d addresses", ErrBadNode, MetaInstanceIPs, maxIPs)
		}
	}
	ports, err := str(MetaPodPorts)
	if err != nil {
		return Node{}, err
	}
	if ports != "" {
		if out.Ports, err = parsePodPorts(ports); err != nil {
			return Node{}, err
		}
	}
	if out.Workload == "" {
		out.Workload = out.Name
	}
	if out.MetricsURL == "" && len(out.IPs) > 0 {
		out.MetricsURL = "http://" + net.JoinHostPort(out.IPs[0], "15020") + "/stats/prometheus"
	}
	return out, nil
}

// parsePodPorts reads Istio's POD_PORTS: a JSON list of container ports
// [{"name":"http","containerPort":8080,"protocol":"TCP"}]. The application
// protocol comes from the port name's prefix (http, http2, grpc, tcp, tls).
func parsePodPorts(s string) ([]registry.Port, error) {
	var in []struct {
		Name          string `json:"name"`
		ContainerPort int64  `json:"containerPort"`
		Protocol      string `json:"protocol"`
	}
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("%w: metadata %s: %v", ErrBadNode, MetaPodPorts, err)
	}
	if len(in) > maxPorts {
		return nil, fmt.Errorf("%w: metadata %s has more than %d ports", ErrBadNode, MetaPodPorts, maxPorts)
	}
	out := make([]registry.Port, 0, len(in))
	for i, p := range in {
		if p.ContainerPort < 1 || p.ContainerPort > 65535 {
			return nil, fmt.Errorf("%w: metadata %s[%d].containerPort %d out of range", ErrBadNode, MetaPodPorts, i, p.ContainerPort)
		}
		if p.Protocol != "" && p.Protocol != "TCP" {
			continue // UDP/SCTP are not proxied
		}
		name := p.Name
		if name == "" {
			name = strconv.FormatInt(p.ContainerPort, 10)
		}
		out = append(out, registry.Port{Name: name, Number: uint32(p.ContainerPort), Protocol: ProtocolFromPortName(p.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// ProtocolFromPortName infers a port's protocol from its name as Istio does
// ("http-web" is HTTP, "grpc" is GRPC); unknown names are TCP.
func ProtocolFromPortName(name string) api.Protocol {
	prefix, _, _ := strings.Cut(strings.ToLower(name), "-")
	switch prefix {
	case "http":
		return api.ProtocolHTTP
	case "http2":
		return api.ProtocolHTTP2
	case "grpc":
		return api.ProtocolGRPC
	case "grpc-web":
		return api.ProtocolGRPCWeb
	case "https":
		return api.ProtocolHTTPS
	case "tls":
		return api.ProtocolTLS
	}
	return api.ProtocolTCP
}

// RegistryWorkload is the registry workload this proxy registers when it connects;
// ok is false when the node names no workload (e.g. a gateway).
func (n Node) RegistryWorkload() (registry.Workload, bool) {
	if n.Type != SidecarProxy || n.Workload == "" || len(n.IPs) == 0 {
		return registry.Workload{}, false
	}
	return registry.Workload{Name: n.Workload, Namespace: n.Namespace, ServiceAccount: n.ServiceAccount,
		Labels: n.Labels, Ports: n.Ports, Address: n.IPs[0], Service: n.Service, Source: "proxy"}, true
}

// IP is the proxy's first instance address, or 127.0.0.1.
func (n Node) IP() string {
	if len(n.IPs) > 0 {
		return n.IPs[0]
	}
	return "127.0.0.1"
}
