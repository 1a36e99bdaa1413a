package api

import (
	"reflect"
	"sort"
)

// GroupVersionKind names a kind in an API group version.
type GroupVersionKind struct {
	Group   string
	Version string
	Kind    string
}

// APIVersion renders "group/version".
func (g GroupVersionKind) APIVersion() string { return g.Group + "/" + g.Version }

// String renders "group/version, Kind=Kind".
func (g GroupVersionKind) String() string { return g.APIVersion() + ", Kind=" + g.Kind }

// KindInfo describes one config kind.
type KindInfo struct {
	// GVK is the canonical group, version and kind.
	GVK GroupVersionKind
	// AliasVersions are other versions of the group accepted on input.
	AliasVersions []string
	// Plural is the lower-case plural resource name (for CRDs and URLs).
	Plural string
	// Spec is the Go type of the spec (a struct type, not a pointer).
	Spec reflect.Type
}

// NewSpec returns a pointer to a new zero spec of the kind.
func (k KindInfo) NewSpec() any { return reflect.New(k.Spec).Interface() }

// Accepts reports whether apiVersion names this kind's group in its
// canonical or an alias version.
func (k KindInfo) Accepts(apiVersion string) bool {
	if apiVersion == k.GVK.APIVersion() {
		return true
	}
	for _, v := range k.AliasVersions {
		if apiVersion == k.GVK.Group+"/"+v {
			return true
		}
	}
	return false
}

// API groups.
const (
	GroupNetworking = "networking.istio.io"
	GroupSecurity   = "security.istio.io"
	GroupExtensions = "extensions.istio.io"
	GroupTelemetry  = "telemetry.istio.io"
	GroupPolicy     = "policy.wasmesh.io"
)

// Kind names.
const (
	KindVirtualService        = "VirtualService"
	KindDestinationRule       = "DestinationRule"
	KindGateway               = "Gateway"
	KindServiceEntry          = "ServiceEntry"
	KindWorkloadEntry         = "WorkloadEntry"
	KindSidecar               = "Sidecar"
	KindAuthorizationPolicy   = "AuthorizationPolicy"
	KindPeerAuthentication    = "PeerAuthentication"
	KindRequestAuthentication = "RequestAuthentication"
	KindWasmPlugin            = "WasmPlugin"
	KindTelemetry             = "Telemetry"
	KindPolicy                = "Policy"
)

var networkingAliases = []string{"v1beta1", "v1alpha3"}

var kinds = []KindInfo{
	{GroupVersionKind{GroupNetworking, "v1", KindVirtualService}, networkingAliases, "virtualservices", reflect.TypeFor[VirtualService]()},
	{GroupVersionKind{GroupNetworking, "v1", KindDestinationRule}, networkingAliases, "destinationrules", reflect.TypeFor[DestinationRule]()},
	{GroupVersionKind{GroupNetworking, "v1", KindGateway}, networkingAliases, "gateways", reflect.TypeFor[Gateway]()},
	{GroupVersionKind{GroupNetworking, "v1", KindServiceEntry}, networkingAliases, "serviceentries", reflect.TypeFor[ServiceEntry]()},
	{GroupVersionKind{GroupNetworking, "v1", KindWorkloadEntry}, networkingAliases, "workloadentries", reflect.TypeFor[WorkloadEntry]()},
	{GroupVersionKind{GroupNetworking, "v1", KindSidecar}, networkingAliases, "sidecars", reflect.TypeFor[Sidecar]()},
	{GroupVersionKind{GroupSecurity, "v1", KindAuthorizationPolicy}, []string{"v1beta1"}, "authorizationpolicies", reflect.TypeFor[AuthorizationPolicy]()},
	{GroupVersionKind{GroupSecurity, "v1", KindPeerAuthentication}, []string{"v1beta1"}, "peerauthentications", reflect.TypeFor[PeerAuthentication]()},
	{GroupVersionKind{GroupSecurity, "v1", KindRequestAuthentication}, []string{"v1beta1"}, "requestauthentications", reflect.TypeFor[RequestAuthentication]()},
	{GroupVersionKind{GroupExtensions, "v1alpha1", KindWasmPlugin}, nil, "wasmplugins", reflect.TypeFor[WasmPlugin]()},
	{GroupVersionKind{GroupTelemetry, "v1", KindTelemetry}, []string{"v1alpha1"}, "telemetries", reflect.TypeFor[Telemetry]()},
	{GroupVersionKind{GroupPolicy, "v1alpha1", KindPolicy}, nil, "policies", reflect.TypeFor[Policy]()},
}

// Kinds returns every kind, sorted by kind name.
func Kinds() []KindInfo {
	out := append([]KindInfo(nil), kinds...)
	sort.Slice(out, func(i, j int) bool { return out[i].GVK.Kind < out[j].GVK.Kind })
	return out
}

// LookupKind finds a kind by name.
func LookupKind(kind string) (KindInfo, bool) {
	for _, k := range kinds {
		if k.GVK.Kind == kind {
			return k, true
		}
	}
	return KindInfo{}, false
}

// NewConfig returns a Config of the kind with its canonical apiVersion and a
// zero spec. ok is false for an unknown kind.
func NewConfig(kind, namespace, name string) (Config, bool) {
	k, ok := LookupKind(kind)
	if !ok {
		return Config{}, false
	}
	return Config{
		APIVersion: k.GVK.APIVersion(),
		Kind:       kind,
		Metadata:   ObjectMeta{Name: name, Namespace: namespace},
		Spec:       k.NewSpec(),
	}, true
}
