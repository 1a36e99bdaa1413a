package config

import (
	"bytes"
	"fmt"
	"net"
	"strconv"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"
)

// MaxBootstrapBytes bounds the size of a bootstrap file.
const MaxBootstrapBytes = 16 << 20

// Bootstrap is what meshproxy takes from an Envoy bootstrap file.
type Bootstrap struct {
	Node         *corev3.Node
	AdminAddress string // host:port, "" when absent
	// XDSAddress is the host:port of the ADS server: the first host of the
	// static cluster named by dynamic_resources.ads_config, or a google_grpc target.
	XDSAddress string
	XDSCluster string
	Delta      bool // ads_config.api_type DELTA_GRPC
	Listeners  []*listenerv3.Listener
	Clusters   []*clusterv3.Cluster
	Secrets    []*tlsv3.Secret
}

// DecodeBootstrap reads an envoy.config.bootstrap.v3.Bootstrap in JSON or
// YAML. Unknown fields are errors; the fields meshproxy does not implement
// are refused with an *Error naming them.
func DecodeBootstrap(data []byte) (*Bootstrap, error) {
	if len(data) > MaxBootstrapBytes {
		return nil, &Error{Kind: "bootstrap", Field: "", Err: fmt.Errorf("%w: larger than %d bytes", ErrInvalid, MaxBootstrapBytes)}
	}
	js := data
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		var err error
		if js, err = yaml.YAMLToJSON(data); err != nil {
			return nil, &Error{Kind: "bootstrap", Err: fmt.Errorf("%w: yaml: %v", ErrInvalid, err)}
		}
	}
	var b bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(js, &b); err != nil {
		return nil, &Error{Kind: "bootstrap", Err: fmt.Errorf("%w: %v", ErrInvalid, err)}
	}
	out, err := bootstrap(&b)
	if err != nil {
		return nil, wrap("bootstrap", b.GetNode().GetId(), err)
	}
	return out, nil
}

func bootstrap(b *bootstrapv3.Bootstrap) (*Bootstrap, error) {
	if err := onlyFields(b, "node", "static_resources", "dynamic_resources", "admin", "stats_config",
		"layered_runtime", "cluster_manager", "stats_flush_interval"); err != nil {
		return nil, err
	}
	out := &Bootstrap{Node: b.GetNode()}
	if a := b.GetAdmin(); a != nil {
		addr, err := socketAddress("admin.address", a.GetAddress())
		if err != nil {
			return nil, err
		}
		out.AdminAddress = addr
	}
	sr := b.GetStaticResources()
	out.Listeners, out.Clusters, out.Secrets = sr.GetListeners(), sr.GetClusters(), sr.GetSecrets()
	dr := b.GetDynamicResources()
	if dr == nil {
		return out, nil
	}
	if err := onlyFields(dr, "lds_config", "cds_config", "ads_config"); err != nil {
		return nil, at("dynamic_resources", err)
	}
	for name, cs := range map[string]*corev3.ConfigSource{"lds_config": dr.GetLdsConfig(), "cds_config": dr.GetCdsConfig()} {
		if cs != nil && cs.GetAds() == nil {
			return nil, unsupported("dynamic_resources."+name, "only ads")
		}
	}
	ads := dr.GetAdsConfig()
	if ads == nil {
		return out, nil
	}
	switch ads.GetApiType() {
	case corev3.ApiConfigSource_GRPC, corev3.ApiConfigSource_AGGREGATED_GRPC:
	case corev3.ApiConfigSource_DELTA_GRPC, corev3.ApiConfigSource_AGGREGATED_DELTA_GRPC:
		out.Delta = true
	default:
		return nil, unsupported("dynamic_resources.ads_config.api_type", "%v", ads.GetApiType())
	}
	if len(ads.GetGrpcServices()) != 1 {
		return nil, invalid("dynamic_resources.ads_config.grpc_services", "need exactly one")
	}
	gs := ads.GetGrpcServices()[0]
	switch {
	case gs.GetEnvoyGrpc() != nil:
		out.XDSCluster = gs.GetEnvoyGrpc().GetClusterName()
		addr, err := staticClusterAddress(out.Clusters, out.XDSCluster)
		if err != nil {
			return nil, at("dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name", err)
		}
		out.XDSAddress = addr
	case gs.GetGoogleGrpc() != nil:
		out.XDSAddress = gs.GetGoogleGrpc().GetTargetUri()
	default:
		return nil, invalid("dynamic_resources.ads_config.grpc_services[0]", "no target")
	}
	return out, nil
}

func staticClusterAddress(clusters []*clusterv3.Cluster, name string) (string, error) {
	for _, c := range clusters {
		if c.GetName() != name {
			continue
		}
		for _, le := range c.GetLoadAssignment().GetEndpoints() {
			for _, lb := range le.GetLbEndpoints() {
				sa := lb.GetEndpoint().GetAddress().GetSocketAddress()
				if sa != nil {
					return net.JoinHostPort(sa.GetAddress(), strconv.Itoa(int(sa.GetPortValue()))), nil
				}
			}
		}
		return "", invalid("", "cluster %q has no endpoints", name)
	}
	return "", invalid("", "no static cluster %q", name)
}
