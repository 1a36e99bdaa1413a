package pilot

import (
	"encoding/json"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	rbacfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// emitWasm is the ECDS resource of a WasmPlugin: envoy.filters.http.wasm
// with the module fetched remotely and verified by sha256, or, for a
// fail-closed plugin whose module is unavailable, an RBAC filter allowing
// nothing (Istio's substitute).
func emitWasm(f *WasmFilterIR) *corev3.TypedExtensionConfig {
	if f.Unavailable {
		return &corev3.TypedExtensionConfig{Name: f.Name, TypedConfig: mustAny(&rbacfilterv3.RBAC{Rules: &rbacv3.RBAC{Action: rbacv3.RBAC_ALLOW}})}
	}
	vm := &wasmv3.VmConfig{VmId: f.Name, Runtime: wasmRuntimeV8, Code: &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Remote{
		Remote: &corev3.RemoteDataSource{HttpUri: &corev3.HttpUri{Uri: f.URL, HttpUpstreamType: &corev3.HttpUri_Cluster{Cluster: f.Cluster},
			Timeout: durationpb.New(secondsDur(moduleTimeout))}, Sha256: f.SHA256}}}}
	if path, ok := strings.CutPrefix(f.URL, "file://"); ok {
		vm.Code = &corev3.AsyncDataSource{Specifier: &corev3.AsyncDataSource_Local{Local: file(path)}}
	}
	if len(f.Env) > 0 {
		vm.EnvironmentVariables = &wasmv3.EnvironmentVariables{KeyValues: f.Env}
	}
	pc := &wasmv3.PluginConfig{Name: f.Name, RootId: f.RootID, Vm: &wasmv3.PluginConfig_VmConfig{VmConfig: vm}}
	if f.FailOpen {
		pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_OPEN
	} else {
		pc.FailurePolicy = wasmv3.FailurePolicy_FAIL_CLOSED
	}
	if len(f.Config) > 0 {
		b, err := json.Marshal(f.Config)
		if err == nil {
			pc.Configuration = mustAny(wrapperspb.String(string(b)))
		}
	}
	return &corev3.TypedExtensionConfig{Name: f.Name, TypedConfig: mustAny(&wasmfilterv3.Wasm{Config: pc})}
}
