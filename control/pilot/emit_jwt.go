package pilot

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	jwtv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
)

// emitJWT translates RequestAuthentication rules: a token from any issuer
// must verify; a request without a token passes (authorization decides).
func emitJWT(providers []JWTProviderIR) *jwtv3.JwtAuthentication {
	out := &jwtv3.JwtAuthentication{Providers: map[string]*jwtv3.JwtProvider{}}
	any := &jwtv3.JwtRequirementOrList{}
	for _, p := range providers {
		r := p.Rule
		jp := &jwtv3.JwtProvider{Issuer: r.Issuer, Audiences: r.Audiences, Forward: r.ForwardOriginalToken,
			FromParams: r.FromParams, ForwardPayloadHeader: r.OutputPayloadToHeader, PayloadInMetadata: r.Issuer}
		for _, h := range r.FromHeaders {
			jp.FromHeaders = append(jp.FromHeaders, &jwtv3.JwtHeader{Name: h.Name, ValuePrefix: h.Prefix})
		}
		for _, c := range r.OutputClaimToHeaders {
			jp.ClaimToHeaders = append(jp.ClaimToHeaders, &jwtv3.JwtClaimToHeader{HeaderName: c.Header, ClaimName: c.Claim})
		}
		switch {
		case r.Jwks != "":
			jp.JwksSourceSpecifier = &jwtv3.JwtProvider_LocalJwks{LocalJwks: inline(r.Jwks)}
		case r.JwksURI != "":
			timeout := durationpb.New(5e9)
			if r.Timeout != nil {
				timeout = durationpb.New(r.Timeout.Duration)
			}
			cluster := p.Cluster
			jp.JwksSourceSpecifier = &jwtv3.JwtProvider_RemoteJwks{RemoteJwks: &jwtv3.RemoteJwks{
				HttpUri:       &corev3.HttpUri{Uri: r.JwksURI, HttpUpstreamType: &corev3.HttpUri_Cluster{Cluster: cluster}, Timeout: timeout},
				CacheDuration: durationpb.New(5 * 60e9)}}
		}
		out.Providers[p.Name] = jp
		any.Requirements = append(any.Requirements, &jwtv3.JwtRequirement{RequiresType: &jwtv3.JwtRequirement_ProviderName{ProviderName: p.Name}})
	}
	any.Requirements = append(any.Requirements, &jwtv3.JwtRequirement{RequiresType: &jwtv3.JwtRequirement_AllowMissing{AllowMissing: &emptypb.Empty{}}})
	out.Rules = []*jwtv3.RequirementRule{{Match: &routev3.RouteMatch{PathSpecifier: &routev3.RouteMatch_Prefix{Prefix: "/"}},
		RequirementType: &jwtv3.RequirementRule_Requires{Requires: &jwtv3.JwtRequirement{RequiresType: &jwtv3.JwtRequirement_RequiresAny{RequiresAny: any}}}}}
	return out
}
