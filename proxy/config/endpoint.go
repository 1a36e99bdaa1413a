package config

import (
	"fmt"
	"net/netip"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
)

// TranslateEndpoints translates one EDS ClusterLoadAssignment.
func TranslateEndpoints(cla *endpointv3.ClusterLoadAssignment) (*Endpoints, error) {
	out, err := endpoints(cla, false)
	return out, wrap("endpoints", cla.GetClusterName(), err)
}

func endpoints(cla *endpointv3.ClusterLoadAssignment, dnsNames bool) (*Endpoints, error) {
	if err := onlyFields(cla, "cluster_name", "endpoints", "policy"); err != nil {
		return nil, err
	}
	out := &Endpoints{ClusterName: cla.GetClusterName(), OverprovisioningFactor: defaultOverprovision}
	if p := cla.GetPolicy(); p != nil {
		if err := onlyFields(p, "overprovisioning_factor"); err != nil {
			return nil, at("policy", err)
		}
		if p.GetOverprovisioningFactor() != nil {
			out.OverprovisioningFactor = int(p.GetOverprovisioningFactor().GetValue())
		}
	}
	for i, le := range cla.GetEndpoints() {
		f := fmt.Sprintf("endpoints[%d]", i)
		if err := onlyFields(le, "locality", "lb_endpoints", "load_balancing_weight", "priority", "metadata"); err != nil {
			return nil, at(f, err)
		}
		loc := Locality{Region: le.GetLocality().GetRegion(), Zone: le.GetLocality().GetZone(),
			SubZone: le.GetLocality().GetSubZone(), Weight: le.GetLoadBalancingWeight().GetValue(), Priority: le.GetPriority()}
		for j, lb := range le.GetLbEndpoints() {
			h, err := host(lb, dnsNames)
			if err != nil {
				return nil, at(fmt.Sprintf("%s.lb_endpoints[%d]", f, j), err)
			}
			loc.Hosts = append(loc.Hosts, h)
		}
		out.Localities = append(out.Localities, loc)
	}
	return out, nil
}

func host(lb *endpointv3.LbEndpoint, dnsNames bool) (Host, error) {
	if err := onlyFields(lb, "endpoint", "health_status", "load_balancing_weight", "metadata"); err != nil {
		return Host{}, err
	}
	ep := lb.GetEndpoint()
	if ep == nil {
		return Host{}, unsupported("host_identifier", "only endpoint")
	}
	if err := onlyFields(ep, "address", "hostname", "health_check_config"); err != nil {
		return Host{}, at("endpoint", err)
	}
	sa := ep.GetAddress().GetSocketAddress()
	if sa == nil {
		return Host{}, unsupported("endpoint.address", "only socket_address")
	}
	if _, err := netip.ParseAddr(sa.GetAddress()); err != nil && !dnsNames {
		return Host{}, invalid("endpoint.address.socket_address.address", "%q is not an IP address", sa.GetAddress())
	}
	if sa.GetPortValue() == 0 || sa.GetPortValue() > 65535 {
		return Host{}, invalid("endpoint.address.socket_address.port_value", "%d", sa.GetPortValue())
	}
	h := Host{Address: sa.GetAddress(), Port: sa.GetPortValue(), Weight: 1, Hostname: ep.GetHostname()}
	if w := lb.GetLoadBalancingWeight(); w != nil {
		h.Weight = w.GetValue()
	}
	switch lb.GetHealthStatus() {
	case corev3.HealthStatus_UNKNOWN:
		h.Health = HealthUnknown
	case corev3.HealthStatus_HEALTHY:
		h.Health = HealthHealthy
	case corev3.HealthStatus_UNHEALTHY, corev3.HealthStatus_TIMEOUT:
		h.Health = HealthUnhealthy
	case corev3.HealthStatus_DRAINING:
		h.Health = HealthDraining
	case corev3.HealthStatus_DEGRADED:
		h.Health = HealthDegraded
	}
	return h, nil
}
