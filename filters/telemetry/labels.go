package main

import (
	"strconv"
	"strings"
)

// Istio's standard metric names.
const (
	metricRequests      = "istio_requests_total"
	metricDuration      = "istio_request_duration_milliseconds"
	metricRequestBytes  = "istio_request_bytes"
	metricResponseBytes = "istio_response_bytes"
)

// facts are what one request contributes to its labels.
type facts struct {
	Reporter        string // "source" (client sidecar) or "destination" (server sidecar)
	Self, Peer      peerInfo
	SourcePrincipal string
	DestPrincipal   string
	DestService     string // FQDN of the service called
	Protocol        string // http, grpc
	ResponseCode    int
	GRPCStatus      string
	ResponseFlags   string
	MutualTLS       bool
}

// labelNames in Istio's order.
var labelNames = []string{
	"reporter",
	"source_workload", "source_workload_namespace", "source_principal", "source_app", "source_version",
	"source_canonical_service", "source_canonical_revision", "source_cluster",
	"destination_workload", "destination_workload_namespace", "destination_principal", "destination_app",
	"destination_version", "destination_service", "destination_service_name", "destination_service_namespace",
	"destination_canonical_service", "destination_canonical_revision", "destination_cluster",
	"request_protocol", "response_code", "grpc_response_status", "response_flags", "connection_security_policy",
}

// labels returns the label values of one request, in labelNames order.
func labels(f facts) []string {
	src, dst := f.Peer, f.Self
	if f.Reporter == "source" {
		src, dst = f.Self, f.Peer
	}
	svcName, svcNS := splitService(f.DestService)
	if svcNS == "" {
		svcNS = dst.Namespace
	}
	policy := "none"
	if f.MutualTLS {
		policy = "mutual_tls"
	}
	if f.Reporter == "source" {
		policy = "unknown" // the client side cannot see the server's TLS mode
	}
	return []string{
		f.Reporter,
		orUnknown(src.Workload), orUnknown(src.Namespace), orUnknown(f.SourcePrincipal), orUnknown(src.App), orUnknown(src.Version),
		orUnknown(src.Service), orUnknown(src.Revision), orUnknown(src.Cluster),
		orUnknown(dst.Workload), orUnknown(dst.Namespace), orUnknown(f.DestPrincipal), orUnknown(dst.App),
		orUnknown(dst.Version), orUnknown(f.DestService), orUnknown(svcName), orUnknown(svcNS),
		orUnknown(dst.Service), orUnknown(dst.Revision), orUnknown(dst.Cluster),
		orUnknown(f.Protocol), strconv.Itoa(f.ResponseCode), orUnknown(f.GRPCStatus), orDash(f.ResponseFlags), policy,
	}
}

// metricName renders name{label="value",...}: the host's Prometheus writer
// keeps the label set and groups series by the name before the brace.
func metricName(name string, values []string) string {
	var b strings.Builder
	b.Grow(len(name) + 32*len(values))
	b.WriteString(name)
	b.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(labelNames[i])
		b.WriteString(`="`)
		b.WriteString(escapeLabel(v))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// escapeLabel escapes a label value for the Prometheus text format.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return r.Replace(s)
}

// splitService turns reviews.bookinfo.svc.cluster.local into
// (reviews, bookinfo); a bare name has no namespace.
func splitService(host string) (name, ns string) {
	if isIP(host) {
		return host, "" // an address names no namespace
	}
	parts := strings.Split(host, ".")
	if len(parts) >= 2 {
		return parts[0], parts[1]
	}
	return host, ""
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// isIP reports whether s is an IPv4 or IPv6 address literal.
func isIP(s string) bool {
	if strings.Contains(s, ":") {
		return true // only IPv6 literals contain colons once the port is gone
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}
