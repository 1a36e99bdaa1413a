package config

import (
	"fmt"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	corsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	faultv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	jwtv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	rbacfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TranslateExtension translates an ECDS TypedExtensionConfig into an HTTP filter.
func TranslateExtension(e *corev3.TypedExtensionConfig) (*HTTPFilter, error) {
	out, err := httpFilter(e.GetName(), e.GetTypedConfig(), false)
	return out, wrap("extension", e.GetName(), err)
}

func filterKindOfURL(url string) HTTPFilterKind {
	switch url {
	case "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm":
		return FilterWasm
	case "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault":
		return FilterFault
	case "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors":
		return FilterCORS
	case "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication":
		return FilterJWT
	case "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC":
		return FilterDenyAll
	}
	return ""
}

// httpFilter translates one HTTP filter's typed config. With ecds set, a
// missing typed_config is allowed (it arrives later through ECDS).
func httpFilter(name string, tc *anypb.Any, ecds bool) (*HTTPFilter, error) {
	out := &HTTPFilter{Name: name}
	if tc == nil {
		if ecds {
			return out, nil
		}
		return nil, invalid("typed_config", "missing for filter %q", name)
	}
	msg, err := anypb.UnmarshalNew(tc, unmarshalOpts)
	if err != nil {
		return nil, invalid("typed_config", "%v", err)
	}
	switch c := msg.(type) {
	case *wasmfilterv3.Wasm:
		w, err := wasmFilter(c)
		if err != nil {
			return nil, at("typed_config", err)
		}
		out.Kind, out.Wasm = FilterWasm, w
	case *faultv3.HTTPFault:
		f, err := fault(c)
		if err != nil {
			return nil, at("typed_config", err)
		}
		out.Kind, out.Fault = FilterFault, f
	case *corsv3.Cors:
		if err := onlyFields(c); err != nil {
			return nil, at("typed_config", err)
		}
		out.Kind, out.CORS = FilterCORS, true
	case *jwtv3.JwtAuthentication:
		j, err := jwtAuthn(c)
		if err != nil {
			return nil, at("typed_config", err)
		}
		out.Kind, out.JWT = FilterJWT, j
	case *rbacfilterv3.RBAC:
		if err := denyAll(c); err != nil {
			return nil, at("typed_config", err)
		}
		out.Kind = FilterDenyAll
	default:
		return nil, unsupported("typed_config", "http filter %q (%s)", name, tc.GetTypeUrl())
	}
	return out, nil
}

func wasmFilter(w *wasmfilterv3.Wasm) (*WasmFilter, error) {
	if err := onlyFields(w, "config"); err != nil {
		return nil, err
	}
	pc := w.GetConfig()
	if err := onlyFields(pc, "name", "root_id", "vm_config", "configuration", "fail_open", "failure_policy"); err != nil {
		return nil, at("config", err)
	}
	out := &WasmFilter{Name: pc.GetName(), RootID: pc.GetRootId(), FailOpen: pc.GetFailOpen()}
	switch pc.GetFailurePolicy() {
	case wasmv3.FailurePolicy_UNSPECIFIED, wasmv3.FailurePolicy_FAIL_CLOSED:
	case wasmv3.FailurePolicy_FAIL_OPEN:
		out.FailOpen = true
	default:
		return nil, unsupported("config.failure_policy", "%v", pc.GetFailurePolicy())
	}
	cfg, err := anyBytes("config.configuration", pc.GetConfiguration())
	if err != nil {
		return nil, err
	}
	out.Configuration = cfg
	vm := pc.GetVmConfig()
	if vm == nil {
		return nil, invalid("config.vm_config", "missing")
	}
	if err := onlyFields(vm, "vm_id", "runtime", "code", "configuration", "environment_variables", "allow_precompiled"); err != nil {
		return nil, at("config.vm_config", err)
	}
	switch vm.GetRuntime() {
	case "", "envoy.wasm.runtime.v8", "envoy.wasm.runtime.wazero", "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wasmtime":
	default:
		return nil, unsupported("config.vm_config.runtime", "%q", vm.GetRuntime())
	}
	out.VMID, out.Runtime = vm.GetVmId(), vm.GetRuntime()
	if out.VMConfiguration, err = anyBytes("config.vm_config.configuration", vm.GetConfiguration()); err != nil {
		return nil, err
	}
	if ev := vm.GetEnvironmentVariables(); ev != nil {
		if len(ev.GetHostEnvKeys()) > 0 {
			return nil, unsupported("config.vm_config.environment_variables.host_env_keys", "set")
		}
		out.Env = ev.GetKeyValues()
	}
	code := vm.GetCode()
	switch {
	case code.GetLocal() != nil:
		switch s := code.GetLocal().GetSpecifier().(type) {
		case *corev3.DataSource_Filename:
			out.LocalFile = s.Filename
		case *corev3.DataSource_InlineBytes:
			out.LocalBytes = s.InlineBytes
		default:
			return nil, unsupported("config.vm_config.code.local", "only filename and inline_bytes")
		}
	case code.GetRemote() != nil:
		r := code.GetRemote()
		if err := onlyFields(r, "http_uri", "sha256", "retry_policy"); err != nil {
			return nil, at("config.vm_config.code.remote", err)
		}
		out.RemoteURI, out.SHA256 = r.GetHttpUri().GetUri(), strings.ToLower(r.GetSha256())
		if out.RemoteURI == "" {
			return nil, invalid("config.vm_config.code.remote.http_uri.uri", "empty")
		}
		if len(out.SHA256) != 64 {
			return nil, invalid("config.vm_config.code.remote.sha256", "must be 64 hex digits")
		}
	default:
		return nil, invalid("config.vm_config.code", "missing")
	}
	return out, nil
}

// anyBytes extracts plugin configuration bytes the way Envoy does for the
// common wrapper types.
func anyBytes(field string, a *anypb.Any) ([]byte, error) {
	if a == nil {
		return nil, nil
	}
	msg, err := anypb.UnmarshalNew(a, unmarshalOpts)
	if err != nil {
		return nil, invalid(field, "%v", err)
	}
	switch v := msg.(type) {
	case *wrapperspb.StringValue:
		return []byte(v.GetValue()), nil
	case *wrapperspb.BytesValue:
		return v.GetValue(), nil
	case *structpb.Struct:
		b, err := protojson.Marshal(v)
		if err != nil {
			return nil, invalid(field, "%v", err)
		}
		return b, nil
	}
	return nil, unsupported(field, "configuration type %s", a.GetTypeUrl())
}

func fault(f *faultv3.HTTPFault) (*Fault, error) {
	if err := onlyFields(f, "delay", "abort", "headers", "max_active_faults"); err != nil {
		return nil, err
	}
	out := &Fault{AbortGRPCStatus: -1, MaxActive: f.GetMaxActiveFaults().GetValue()}
	if d := f.GetDelay(); d != nil {
		if err := onlyFields(d, "fixed_delay", "percentage"); err != nil {
			return nil, at("delay", err)
		}
		if d.GetFixedDelay() == nil {
			return nil, invalid("delay.fixed_delay", "missing")
		}
		out.Delay = dur(d.GetFixedDelay())
		pm, err := perMillion("delay.percentage", d.GetPercentage())
		if err != nil {
			return nil, err
		}
		out.DelayPerMillion = pm
	}
	if a := f.GetAbort(); a != nil {
		if err := onlyFields(a, "http_status", "grpc_status", "percentage"); err != nil {
			return nil, at("abort", err)
		}
		switch {
		case a.GetHttpStatus() != 0:
			if a.GetHttpStatus() < 200 || a.GetHttpStatus() >= 600 {
				return nil, invalid("abort.http_status", "%d", a.GetHttpStatus())
			}
			out.AbortStatus = int(a.GetHttpStatus())
		case a.GetErrorType() != nil:
			out.AbortGRPCStatus = int(a.GetGrpcStatus())
			out.AbortStatus = 200
		default:
			return nil, invalid("abort", "no status")
		}
		pm, err := perMillion("abort.percentage", a.GetPercentage())
		if err != nil {
			return nil, err
		}
		out.AbortPerMillion = pm
	}
	for i, h := range f.GetHeaders() {
		hm, err := headerMatcher(fmt.Sprintf("headers[%d]", i), h)
		if err != nil {
			return nil, err
		}
		out.HeaderMatch = append(out.HeaderMatch, hm)
	}
	return out, nil
}

func jwtAuthn(j *jwtv3.JwtAuthentication) (*JWTAuthn, error) {
	if err := onlyFields(j, "providers", "rules", "bypass_cors_preflight"); err != nil {
		return nil, err
	}
	out := &JWTAuthn{Providers: map[string]*JWTProvider{}}
	for name, p := range j.GetProviders() {
		jp, err := jwtProvider(name, p)
		if err != nil {
			return nil, at("providers["+name+"]", err)
		}
		out.Providers[name] = jp
	}
	for i, r := range j.GetRules() {
		f := fmt.Sprintf("rules[%d]", i)
		if err := onlyFields(r, "match", "requires"); err != nil {
			return nil, at(f, err)
		}
		m, err := routeMatch(r.GetMatch())
		if err != nil {
			return nil, at(f+".match", err)
		}
		rule := JWTRule{Match: *m}
		if err := jwtRequirement(f+".requires", r.GetRequires(), &rule, out.Providers, true); err != nil {
			return nil, err
		}
		out.Rules = append(out.Rules, rule)
	}
	return out, nil
}

func jwtRequirement(f string, q *jwtv3.JwtRequirement, rule *JWTRule, providers map[string]*JWTProvider, top bool) error {
	if q == nil {
		return nil
	}
	switch {
	case q.GetProviderName() != "":
		if providers[q.GetProviderName()] == nil {
			return invalid(f+".provider_name", "unknown provider %q", q.GetProviderName())
		}
		rule.Providers = append(rule.Providers, q.GetProviderName())
	case q.GetAllowMissing() != nil:
		rule.AllowMissing = true
	case q.GetAllowMissingOrFailed() != nil:
		rule.AllowMissing, rule.AllowFailed = true, true
	case q.GetRequiresAny() != nil && top:
		for i, sub := range q.GetRequiresAny().GetRequirements() {
			if err := jwtRequirement(fmt.Sprintf("%s.requires_any.requirements[%d]", f, i), sub, rule, providers, false); err != nil {
				return err
			}
		}
	default:
		return unsupported(f, "only provider_name, requires_any, allow_missing and allow_missing_or_failed")
	}
	return nil
}

func jwtProvider(name string, p *jwtv3.JwtProvider) (*JWTProvider, error) {
	if err := onlyFields(p, "issuer", "audiences", "remote_jwks", "local_jwks", "forward", "from_headers",
		"from_params", "forward_payload_header", "payload_in_metadata", "claim_to_headers"); err != nil {
		return nil, err
	}
	out := &JWTProvider{Name: name, Issuer: p.GetIssuer(), Audiences: p.GetAudiences(), Forward: p.GetForward(),
		FromParams: p.GetFromParams(), ForwardPayload: p.GetForwardPayloadHeader(), PayloadInMetadata: p.GetPayloadInMetadata()}
	switch {
	case p.GetLocalJwks() != nil:
		b, err := dataSource("local_jwks", p.GetLocalJwks())
		if err != nil {
			return nil, err
		}
		out.InlineJWKS = b
	case p.GetRemoteJwks() != nil:
		r := p.GetRemoteJwks()
		if err := onlyFields(r, "http_uri", "cache_duration"); err != nil {
			return nil, at("remote_jwks", err)
		}
		out.RemoteJWKSURI = r.GetHttpUri().GetUri()
		out.RemoteJWKSCluster = r.GetHttpUri().GetCluster()
		out.CacheDuration = dur(r.GetCacheDuration())
		if out.RemoteJWKSURI == "" {
			return nil, invalid("remote_jwks.http_uri.uri", "empty")
		}
	default:
		return nil, invalid("jwks_source_specifier", "neither local_jwks nor remote_jwks")
	}
	for _, h := range p.GetFromHeaders() {
		out.FromHeaders = append(out.FromHeaders, JWTHeader{Name: h.GetName(), ValuePrefix: h.GetValuePrefix()})
	}
	for i, c := range p.GetClaimToHeaders() {
		if c.GetClaimName() == "" || c.GetHeaderName() == "" {
			return nil, invalid(fmt.Sprintf("claim_to_headers[%d]", i), "claim_name and header_name required")
		}
		out.ClaimToHeaders = append(out.ClaimToHeaders, ClaimHeader{Claim: c.GetClaimName(), Header: c.GetHeaderName()})
	}
	return out, nil
}

// corsPolicy translates a route-level CORS policy (route.v3.CorsPolicy or cors.v3.CorsPolicy).
func corsPolicy(field string, origins []*routev3.CorsPolicy) (*CORSPolicy, error) {
	if len(origins) == 0 || origins[0] == nil {
		return nil, nil
	}
	c := origins[0]
	if err := onlyFields(c, "allow_origin_string_match", "allow_methods", "allow_headers", "expose_headers",
		"max_age", "allow_credentials", "filter_enabled"); err != nil {
		return nil, at(field, err)
	}
	out := &CORSPolicy{AllowMethods: c.GetAllowMethods(), AllowHeaders: c.GetAllowHeaders(),
		ExposeHeaders: c.GetExposeHeaders(), MaxAge: c.GetMaxAge(), AllowCredentials: c.GetAllowCredentials().GetValue()}
	for i, o := range c.GetAllowOriginStringMatch() {
		sm, err := stringMatcher(fmt.Sprintf("%s.allow_origin_string_match[%d]", field, i), o)
		if err != nil {
			return nil, err
		}
		out.AllowOrigins = append(out.AllowOrigins, sm)
	}
	return out, nil
}

func corsFilterPolicy(field string, c *corsv3.CorsPolicy) (*CORSPolicy, error) {
	if err := onlyFields(c, "allow_origin_string_match", "allow_methods", "allow_headers", "expose_headers",
		"max_age", "allow_credentials"); err != nil {
		return nil, at(field, err)
	}
	return corsPolicy(field, []*routev3.CorsPolicy{{
		AllowOriginStringMatch: c.GetAllowOriginStringMatch(), AllowMethods: c.GetAllowMethods(),
		AllowHeaders: c.GetAllowHeaders(), ExposeHeaders: c.GetExposeHeaders(), MaxAge: c.GetMaxAge(),
		AllowCredentials: c.GetAllowCredentials(),
	}})
}

// denyAll accepts the one RBAC filter form supported: rules with the ALLOW
// action and no policies, which match no request and so refuse all.
func denyAll(r *rbacfilterv3.RBAC) error {
	if err := onlyFields(r, "rules"); err != nil {
		return err
	}
	rules := r.GetRules()
	if rules == nil {
		return unsupported("rules", "an RBAC filter without rules allows everything; only deny-all is supported")
	}
	if err := onlyFields(rules, "action", "policies"); err != nil {
		return at("rules", err)
	}
	if rules.GetAction() != rbacv3.RBAC_ALLOW || len(rules.GetPolicies()) > 0 {
		return unsupported("rules", "only deny-all (action ALLOW with no policies) is supported")
	}
	return nil
}
