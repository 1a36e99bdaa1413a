package pilot

import (
	"errors"
	"fmt"
	"sort"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// ErrInvalidResource is wrapped when an emitted resource fails its proto
// validation (a translation bug or an input validation gap).
var ErrInvalidResource = errors.New("pilot: invalid resource")

// SDS secret names served by the proxy's agent, and the cluster reaching it.
const (
	SecretDefault  = "default"
	SecretRootCA   = "ROOTCA"
	SDSCluster     = "sds-grpc"
	wasmTypeURL    = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"
	rbacTypeURL    = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC"
	wasmRuntimeV8  = "envoy.wasm.runtime.v8"
	moduleTimeout  = 30
	defaultConnect = 10
)

type validator interface {
	proto.Message
	Validate() error
}

// Emit turns an IR into Envoy resources; every resource passes Validate().
func Emit(ir *IR) (*Resources, error) {
	out := &Resources{}
	var errs []error
	check := func(kind, name string, m validator) {
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s %q: %v", ErrInvalidResource, kind, name, err))
		}
	}
	for i := range ir.Listeners {
		l := emitListener(&ir.Listeners[i])
		check("listener", l.GetName(), l)
		out.Listeners = append(out.Listeners, l)
	}
	for i := range ir.Routes {
		r := emitRouteTable(&ir.Routes[i])
		check("route", r.GetName(), r)
		out.Routes = append(out.Routes, r)
	}
	for i := range ir.Clusters {
		c, cla := emitCluster(&ir.Clusters[i])
		check("cluster", c.GetName(), c)
		out.Clusters = append(out.Clusters, c)
		if cla != nil {
			check("endpoints", cla.GetClusterName(), cla)
			out.Endpoints = append(out.Endpoints, cla)
		}
	}
	for i := range ir.Filters {
		e := emitWasm(&ir.Filters[i])
		check("extension", e.GetName(), e)
		out.Extensions = append(out.Extensions, e)
	}
	for i := range ir.Secrets {
		s := emitSecret(&ir.Secrets[i])
		check("secret", s.GetName(), s)
		out.Secrets = append(out.Secrets, s)
	}
	sort.Slice(out.Endpoints, func(i, j int) bool { return out.Endpoints[i].GetClusterName() < out.Endpoints[j].GetClusterName() })
	sort.Slice(out.Extensions, func(i, j int) bool { return out.Extensions[i].GetName() < out.Extensions[j].GetName() })
	return out, errors.Join(errs...)
}

// mustAny packs a message; packing a generated message cannot fail.
func mustAny(m proto.Message) *anypb.Any {
	a, err := anypb.New(m)
	if err != nil {
		panic(fmt.Sprintf("pilot: pack %T: %v", m, err)) // unreachable for generated types
	}
	return a
}

func adsSource() *corev3.ConfigSource {
	return &corev3.ConfigSource{ResourceApiVersion: corev3.ApiVersion_V3,
		ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}}}
}

func sdsSource() *corev3.ConfigSource {
	return &corev3.ConfigSource{ResourceApiVersion: corev3.ApiVersion_V3,
		ConfigSourceSpecifier: &corev3.ConfigSource_ApiConfigSource{ApiConfigSource: &corev3.ApiConfigSource{
			ApiType: corev3.ApiConfigSource_GRPC, TransportApiVersion: corev3.ApiVersion_V3,
			GrpcServices: []*corev3.GrpcService{{TargetSpecifier: &corev3.GrpcService_EnvoyGrpc_{
				EnvoyGrpc: &corev3.GrpcService_EnvoyGrpc{ClusterName: SDSCluster}}}},
		}}}
}

func socketAddress(addr string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address: addr, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port}}}}
}

func u32(v int32) *wrapperspb.UInt32Value { return wrapperspb.UInt32(uint32(max(v, 0))) }

func seconds(s int64) *durationpb.Duration { return durationpb.New(secondsDur(s)) }

func secondsDur(s int64) time.Duration { return time.Duration(s) * time.Second }
