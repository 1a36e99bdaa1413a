// Package extauthz is the reference point for the in-proxy policy check:
// an ext_authz-style remote authorization service, as Envoy deployments run
// it with opa-envoy-plugin, built from the same OPA library.
//
// Server implements Envoy's envoy.service.auth.v3.Authorization/Check: it
// turns the CheckRequest's attributes into the Mixer attribute set the authz
// filter hands its policy (so the same Rego decides), evaluates it with a
// prepared query of OPA's Go rego package, and answers OK or a denied HTTP
// response with the policy's status and reason.
//
//	srv, err := extauthz.NewServer(ctx, regoSource, "data.wasmesh.authz.allow")
//	g := grpc.NewServer()
//	authv3.RegisterAuthorizationServer(g, srv)
//	go g.Serve(lis) // a 127.0.0.1 listener
//
// The package's benchmarks (bench_test.go) compare, in one run, a decision
// through the compiled authz filter on wasm/host with the proxy's policy
// engine, cached and uncached, against this check over gRPC on loopback, and
// measure what the authz+telemetry filter pair adds to a request. The
// numbers and the commands are in docs/benchmarks.md.
package extauthz
