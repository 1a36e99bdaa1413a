package config

import (
	"errors"
	"strings"
	"testing"
)

// TestValidationRules checks one kind-specific rule per case; specs are
// written in YAML flow style and the expected problems as "path: message".
func TestValidationRules(t *testing.T) {
	const (
		net = "networking.istio.io/v1"
		sec = "security.istio.io/v1"
		ext = "extensions.istio.io/v1alpha1"
		tel = "telemetry.istio.io/v1"
		pol = "policy.wasmesh.io/v1alpha1"
	)
	route := `http: [{route: [{destination: {host: r}}]}]`
	cases := []struct {
		apiVersion, kind, spec string
		want                   []string
	}{
		// VirtualService
		{net, "VirtualService", `{hosts: [r]}`, []string{`spec: at least one of http, tls or tcp routes is required`}},
		{net, "VirtualService", `{gateways: [g], http: [{delegate: {name: d}}], tcp: [{route: [{destination: {host: r}}]}]}`,
			[]string{`spec.gateways: not allowed in a delegate VirtualService (one without hosts)`, `spec: a delegate VirtualService (one without hosts) may only have http routes`,
				`spec.http[0].delegate: a delegate VirtualService cannot delegate further`}},
		{net, "VirtualService", `{hosts: [r], gateways: ["a/B_x"], ` + route + `}`, []string{`spec.gateways[0]: invalid gateway "a/B_x": must be "mesh", "name" or "namespace/name"`}},
		{net, "VirtualService", `{hosts: [r], exportTo: [Bad], ` + route + `}`, []string{`spec.exportTo[0]: must be a DNS label (lower-case letters, digits and '-', at most 63 characters), got "Bad"`}},
		{net, "VirtualService", `{hosts: [r], http: [{}]}`, []string{`spec.http[0]: must set one of route, redirect, directResponse or delegate`}},
		{net, "VirtualService", `{hosts: [r], http: [{redirect: {port: 80, derivePort: FROM_REQUEST_PORT, redirectCode: 305}}]}`,
			[]string{`spec.http[0].redirect: port and derivePort are mutually exclusive: set only one`, `spec.http[0].redirect.redirectCode: must be one of 301, 302, 303, 307, 308, got 305`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], retries: {attempts: -1, retryOn: "5xx,sometimes"}}]}`,
			[]string{`spec.http[0].retries.attempts: must not be negative, got -1`, `spec.http[0].retries.retryOn: unknown retry condition "sometimes"`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], fault: {}}]}`, []string{`spec.http[0].fault: must set delay or abort`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], fault: {delay: {percent: 10}, abort: {httpStatus: 500, grpcStatus: NOPE}}}]}`,
			[]string{`spec.http[0].fault.delay.fixedDelay: required`, `spec.http[0].fault.abort: must set exactly one of httpStatus, grpcStatus or http2Error`,
				`spec.http[0].fault.abort.grpcStatus: unknown gRPC status "NOPE" (use names such as UNAVAILABLE)`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], mirror: {host: m}, mirrors: [{destination: {host: n}}]}]}`,
			[]string{`spec.http[0]: mirror and mirrors are mutually exclusive: set only one`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], headers: {request: {set: {"bad header": x}}}}]}`,
			[]string{`spec.http[0].headers.request.set[bad header]: invalid header name "bad header"`}},
		{net, "VirtualService", `{hosts: [r], http: [{route: [{destination: {host: r}}], rewrite: {uri: /, uriRegexRewrite: {match: "(", rewrite: x}}}]}`,
			[]string{`spec.http[0].rewrite: uri and uriRegexRewrite are mutually exclusive: set only one`, "spec.http[0].rewrite.uriRegexRewrite.match: invalid regex \"(\": missing closing ): `(`"}},
		{net, "VirtualService", `{hosts: [r], tls: [{match: [{}], route: [{destination: {host: r}}]}]}`, []string{`spec.tls[0].match[0].sniHosts: at least one SNI host is required`}},
		// DestinationRule
		{net, "DestinationRule", `{host: r, subsets: [{name: v1}, {name: v1}]}`, []string{`spec.subsets[1].name: duplicate subset name "v1" (also subsets[0])`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {loadBalancer: {simple: RANDOM, consistentHash: {}}}}`,
			[]string{`spec.trafficPolicy.loadBalancer: simple and consistentHash are mutually exclusive: set only one`,
				`spec.trafficPolicy.loadBalancer.consistentHash: must set exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 100}}}}}`,
			[]string{`spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: must be a prime number, got 100`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {loadBalancer: {localityLbSetting: {distribute: [{from: a, to: {b: 50}}], failover: [{from: x, to: x}]}}}}`,
			[]string{`spec.trafficPolicy.loadBalancer.localityLbSetting: distribute and failover are mutually exclusive: set only one`,
				`spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to: weights must sum to 100, got 50`,
				`spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]: from and to must differ, both are "x"`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {outlierDetection: {consecutiveLocalOriginFailures: 2, maxEjectionPercent: 101, interval: 0s}}}`,
			[]string{`spec.trafficPolicy.outlierDetection.interval: must be greater than 0, got 0s`,
				`spec.trafficPolicy.outlierDetection.maxEjectionPercent: must be between 0 and 100, got 101`,
				`spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures: requires splitExternalLocalOriginErrors: true`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {tls: {mode: MUTUAL}}}`, []string{`spec.trafficPolicy.tls: mode MUTUAL requires credentialName, or clientCertificate and privateKey`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {tls: {mode: ISTIO_MUTUAL, caCertificates: /ca.pem}}}`, []string{`spec.trafficPolicy.tls.caCertificates: not allowed with mode ISTIO_MUTUAL`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {portLevelSettings: [{port: {number: 80}}, {port: {number: 80}}, {}]}}`,
			[]string{`spec.trafficPolicy.portLevelSettings[1].port.number: duplicate port 80 (also portLevelSettings[0])`, `spec.trafficPolicy.portLevelSettings[2].port: required`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {tunnel: {protocol: GET, targetHost: h, targetPort: 0}, connectionPool: {http: {maxRetries: -2}}}}`,
			[]string{`spec.trafficPolicy.connectionPool.http.maxRetries: must not be negative, got -2`, `spec.trafficPolicy.tunnel.protocol: must be CONNECT or POST, got "GET"`,
				`spec.trafficPolicy.tunnel.targetPort: must be between 1 and 65535, got 0`}},
		// Gateway
		{net, "Gateway", `{servers: [{port: {number: 443, protocol: HTTPS}, hosts: [a.com], name: s}, {port: {number: 80}, hosts: [], name: s}]}`,
			[]string{`spec.servers[0].tls: required for protocol HTTPS`, `spec.servers[1].port.protocol: required`,
				`spec.servers[1].hosts: at least one host is required`, `spec.servers[1].name: duplicate server name "s" (also servers[0])`}},
		{net, "Gateway", `{servers: [{port: {number: 443, protocol: HTTPS}, hosts: ["*"], tls: {mode: MUTUAL, serverCertificate: c, privateKey: k}}]}`,
			[]string{`spec.servers[0].tls.caCertificates: required for mode MUTUAL (or use credentialName or caCertCredentialName)`}},
		{net, "Gateway", `{servers: [{port: {number: 443, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialNames: [a, b, c], verifyCertificateHash: [abc], minProtocolVersion: TLSV1_3, maxProtocolVersion: TLSV1_2}}]}`,
			[]string{`spec.servers[0].tls.credentialNames: at most 2 credentials (one RSA, one ECDSA), got 3`,
				`spec.servers[0].tls.verifyCertificateHash[0]: must be a sha256 hash in hex, got "abc"`,
				`spec.servers[0].tls.minProtocolVersion: TLSV1_3 is above maxProtocolVersion TLSV1_2`}},
		{net, "Gateway", `{servers: [{port: {number: 443, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE}}]}`,
			[]string{`spec.servers[0].tls: mode SIMPLE requires credentialName, tlsCertificates, or serverCertificate and privateKey`}},
		{net, "Gateway", `{servers: [{port: {number: 443, protocol: https}, hosts: ["*"], tls: {mode: MUTUAL, serverCertificate: c, tlsCertificates: [{privateKey: k}]}}]}`,
			[]string{`spec.servers[0].tls.caCertificates: required for mode MUTUAL (or use credentialName or caCertCredentialName)`,
				`spec.servers[0].tls: tlsCertificates and serverCertificate are mutually exclusive: set only one`,
				`spec.servers[0].tls.tlsCertificates[0].serverCertificate: required`}},
		{net, "DestinationRule", `{host: r, trafficPolicy: {loadBalancer: {warmupDurationSecs: 1s, warmup: {minimumPercent: 120, aggression: 0.5}, localityLbSetting: {}, zoneAwareLbSetting: {failover: [{from: a}]}}, retryBudget: {percent: -1}, outlierDetection: {outlierDetectionHttpErrorCodes: [99]}, connectionPool: {http: {http2KeepAlive: {interval: 0s}}}}}`,
			[]string{`spec.trafficPolicy.loadBalancer: localityLbSetting and zoneAwareLbSetting are mutually exclusive: set only one`,
				`spec.trafficPolicy.loadBalancer.zoneAwareLbSetting.failover[0].to: required`,
				`spec.trafficPolicy.loadBalancer: warmupDurationSecs and warmup are mutually exclusive: set only one`,
				`spec.trafficPolicy.loadBalancer.warmup.duration: required`,
				`spec.trafficPolicy.loadBalancer.warmup.minimumPercent: must be between 0 and 100, got 120`,
				`spec.trafficPolicy.loadBalancer.warmup.aggression: must be at least 1, got 0.5`,
				`spec.trafficPolicy.connectionPool.http.http2KeepAlive.interval: must be greater than 0, got 0s`,
				`spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes[0]: must be between 100 and 599, got 99`,
				`spec.trafficPolicy.retryBudget.percent: must be between 0 and 100, got -1`}},
		// ServiceEntry and WorkloadEntry
		{net, "ServiceEntry", `{hosts: [a.com], ports: [{number: 80, name: p}, {number: 80, name: p}]}`,
			[]string{`spec.ports[1].name: duplicate port name "p" (also ports[0])`, `spec.ports[1].number: duplicate port 80 (also ports[0])`}},
		{net, "ServiceEntry", `{hosts: [a.com], resolution: STATIC, ports: [{number: 80, name: p}], endpoints: [{address: a.com, ports: {q: 81}}]}`,
			[]string{`spec.endpoints[0].address: resolution STATIC requires an IP address, got "a.com"`, `spec.endpoints[0].ports[q]: no service port named "q"`}},
		{net, "ServiceEntry", `{hosts: [a.com], resolution: STATIC}`, []string{`spec.endpoints: resolution STATIC requires endpoints or a workloadSelector`}},
		{net, "ServiceEntry", `{hosts: [a.com], endpoints: [{address: 1.2.3.4}]}`, []string{`spec.endpoints: not allowed with resolution NONE`}},
		{net, "ServiceEntry", `{hosts: ["*.a.com"], resolution: DNS}`, []string{`spec.hosts[0]: wildcard host "*.a.com" needs endpoints with resolution DNS`}},
		{net, "ServiceEntry", `{hosts: [a.com], resolution: DNS_ROUND_ROBIN, endpoints: [{address: b.com}, {address: c.com}]}`,
			[]string{`spec.endpoints: resolution DNS_ROUND_ROBIN allows at most one endpoint, got 2`}},
		{net, "ServiceEntry", `{hosts: [a.com], resolution: DNS, endpoints: [{address: b.com}], workloadSelector: {labels: {app: a}}}`,
			[]string{`spec: endpoints and workloadSelector are mutually exclusive: set only one`}},
		{net, "WorkloadEntry", `{locality: a/b/c/d, ports: {http: 0}}`,
			[]string{`spec.address: required (or set network)`, `spec.ports[http]: must be between 1 and 65535, got 0`, `spec.locality: must be "region/zone/subzone", got "a/b/c/d"`}},
		// Sidecar
		{net, "Sidecar", `{ingress: [{port: {number: 80}, defaultEndpoint: "localhost:80", bind: nowhere}, {port: {number: 80}, defaultEndpoint: "unix://"}]}`,
			[]string{`spec.ingress[0].bind: must be an IP address or unix:// socket, got "nowhere"`, `spec.ingress[0].defaultEndpoint: must be "IP:port" or "unix://path", got "localhost:80"`,
				`spec.ingress[1].port.number: duplicate ingress port 80 (also ingress[0])`, `spec.ingress[1].defaultEndpoint: missing socket path in "unix://"`}},
		{net, "Sidecar", `{egress: [{hosts: ["*/*"]}, {hosts: ["./*"]}, {port: {number: 80}, hosts: ["bad ns/x"]}]}`,
			[]string{`spec.egress[1]: only one egress listener may omit port (also egress[0])`, `spec.egress[2].hosts[0]: invalid namespace "bad ns" in "bad ns/x"`,
				`spec.egress[1]: the egress listener without port must be the last one`}},
		{net, "Sidecar", `{outboundTrafficPolicy: {mode: REGISTRY_ONLY, egressProxy: {host: e}}}`, []string{`spec.outboundTrafficPolicy.egressProxy: requires mode ALLOW_ANY`}},
		// Security
		{sec, "AuthorizationPolicy", `{action: CUSTOM}`, []string{`spec.provider.name: required for action CUSTOM`}},
		{sec, "AuthorizationPolicy", `{action: DENY, provider: {name: x}, selector: {matchLabels: {a: b}}, targetRef: {kind: Gateway, name: g}}`,
			[]string{`spec: selector and targetRef are mutually exclusive: set only one`, `spec.provider: only allowed with action CUSTOM`}},
		{sec, "AuthorizationPolicy", `{rules: [{from: [{source: {}}, {source: {ipBlocks: [x], serviceAccounts: [a], principals: [p]}}], to: [{operation: {ports: ["0"], paths: [""]}}, {operation: {}}], when: [{key: remote.ip, values: [nope]}]}]}`,
			[]string{`spec.rules[0].from[0].source: must set at least one field`, `spec.rules[0].from[1].source.ipBlocks[0]: must be an IP address or CIDR, got "x"`,
				`spec.rules[0].from[1].source: serviceAccounts and principals are mutually exclusive: set only one`,
				`spec.rules[0].from[1].source.serviceAccounts[0]: must be "namespace/name", got "a"`,
				`spec.rules[0].to[0].operation.ports[0]: must be a port number between 1 and 65535, got "0"`, `spec.rules[0].to[0].operation.paths[0]: must not be empty`,
				`spec.rules[0].to[1].operation: must set at least one field`, `spec.rules[0].when[0].values[0]: must be an IP address or CIDR, got "nope"`}},
		{sec, "AuthorizationPolicy", `{rules: [{when: [{key: source.namespace}]}]}`, []string{`spec.rules[0].when[0]: must set values or notValues`}},
		{sec, "PeerAuthentication", `{portLevelMtls: {0: {mode: STRICT}}}`,
			[]string{`spec.portLevelMtls: requires a selector with matchLabels`, `spec.portLevelMtls[0]: must be between 1 and 65535, got 0`}},
		{sec, "RequestAuthentication", `{jwtRules: [{issuer: a, jwksUri: "ftp://x", jwks: "{}"}, {issuer: a, fromHeaders: [{prefix: B}], outputClaimToHeaders: [{}], timeout: 0s}]}`,
			[]string{`spec.jwtRules[0]: jwksUri and jwks are mutually exclusive: set only one`, `spec.jwtRules[0].jwksUri: must be an http(s) URL, got "ftp://x"`,
				`spec.jwtRules[0].jwks: must be a JSON Web Key Set with at least one key`, `spec.jwtRules[1].issuer: duplicate issuer "a" (also jwtRules[0])`,
				`spec.jwtRules[1].fromHeaders[0].name: required`, `spec.jwtRules[1].outputClaimToHeaders[0].header: required`,
				`spec.jwtRules[1].outputClaimToHeaders[0].claim: required`, `spec.jwtRules[1].timeout: must be greater than 0, got 0s`}},
		// Extensions, telemetry, policy
		{ext, "WasmPlugin", `{url: "file://", vmConfig: {env: [{name: A, valueFrom: HOST}, {name: A}]}, match: [{ports: [{number: 0}]}]}`,
			[]string{`spec.url: file URL needs a path, e.g. file:///var/lib/filters/f.wasm`, `spec.vmConfig.env[0].value: required with valueFrom HOST (the host variable's name)`,
				`spec.vmConfig.env[1].name: duplicate variable "A" (also env[0])`, `spec.match[0].ports[0].number: must be between 1 and 65535, got 0`}},
		{ext, "WasmPlugin", `{url: "oci://reg.example.com/f@sha256:1234"}`,
			[]string{`spec.url: must be a sha256 digest of 64 lower-case hexadecimal characters, got "1234"`}},
		{ext, "WasmPlugin", `{url: "https:///f.wasm"}`, []string{`spec.url: URL needs a host, got "https:///f.wasm"`}},
		{tel, "Telemetry", `{tracing: [{randomSamplingPercentage: 101, customTags: {a: {}}, providers: [{}]}], metrics: [{overrides: [{match: {metric: REQUEST_COUNT, customMetric: x}, tagOverrides: {t: {operation: REMOVE, value: v}}}]}]}`,
			[]string{`spec.tracing[0].providers[0].name: required`, `spec.tracing[0].randomSamplingPercentage: must be between 0 and 100, got 101`,
				`spec.tracing[0].customTags[a]: must set exactly one of literal, environment, header or formatter`,
				`spec.metrics[0].overrides[0].match: metric and customMetric are mutually exclusive: set only one`,
				`spec.metrics[0].overrides[0].tagOverrides[t].value: not allowed with operation REMOVE`}},
		{pol, "Policy", `{}`, []string{`spec: must set rego or files`}},
		{pol, "Policy", `{files: [a.txt, /etc/x.rego]}`, []string{`spec.files[0]: must be a .rego file, got "a.txt"`, `spec.files[1]: must be a path inside the config directory, got "/etc/x.rego"`}},
	}
	for _, c := range cases {
		t.Run(c.kind+" "+c.spec, func(t *testing.T) {
			in := "apiVersion: " + c.apiVersion + "\nkind: " + c.kind + "\nmetadata: {name: r}\nspec: " + c.spec + "\n"
			_, err := DecodeFile("r.yaml", []byte(in))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Path+": "+e.Message)
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
