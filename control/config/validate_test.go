package config

import (
	"errors"
	"strings"
	"testing"
)

// vs wraps VirtualService spec lines (each already indented by two spaces)
// in an envelope; the first spec line is line 5.
func vs(spec ...string) string {
	return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspec:\n" + strings.Join(spec, "\n") + "\n"
}

func doc(apiVersion, kind string, spec ...string) string {
	return "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata: {name: r}\nspec:\n" + strings.Join(spec, "\n") + "\n"
}

// One test per class of error, with the exact message users see.
func TestValidationErrors(t *testing.T) {
	route := []string{"  hosts: [r]", "  http:", "  - route:", "    - destination: {host: r}"}
	cases := []struct {
		name, in string
		want     []string
	}{
		{"unknown field", vs(append(route, "    retires: {attempts: 2}")...),
			[]string{`f.yaml:9: spec.http[0].retires: unknown field "retires" (did you mean "retries"?)`}},
		{"unknown field without suggestion", vs(append(route, "    color: red")...),
			[]string{`f.yaml:9: spec.http[0].color: unknown field "color"`}},
		{"snake case suggestion", vs(append(route, "    mirror_percentage: {value: 1}")...),
			[]string{`f.yaml:9: spec.http[0].mirror_percentage: unknown field "mirror_percentage" (did you mean "mirrorPercentage"?)`}},
		{"unknown top-level field", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r}\nspecs: {}\n",
			[]string{`f.yaml:1: spec: required (use {} for an empty spec)`, `f.yaml:4: specs: unknown field "specs"`}},
		{"wrong type string for int", vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {host: r}", `      weight: "100"`),
			[]string{`f.yaml:9: spec.http[0].route[0].weight: expected an integer, got "100"`}},
		{"wrong type int for string", vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {host: 42}"),
			[]string{`f.yaml:8: spec.http[0].route[0].destination.host: expected a string, got number 42 (quote it to make it a string)`}},
		{"wrong type object for list", vs("  hosts: {a: b}", "  http:", "  - route:", "    - destination: {host: r}"),
			[]string{`f.yaml:5: spec.hosts: expected a list, got an object`}},
		{"wrong type bool", vs(append(route, "    match: [{ignoreUriCase: yes}]")...),
			[]string{`f.yaml:9: spec.http[0].match[0].ignoreUriCase: expected a boolean, got "yes"`}},
		{"integer overflow", vs(append(route, "    mirrorPercent: 4294967296")...),
			[]string{`f.yaml:9: spec.http[0].mirrorPercent: integer 4294967296 out of range for an unsigned 32-bit integer`}},
		{"negative unsigned", vs(append(route, "    match: [{port: -1}]")...),
			[]string{`f.yaml:9: spec.http[0].match[0].port: must not be negative, got -1`}},
		{"port out of range", vs(append(route, "    match: [{port: 70000}]")...),
			[]string{`f.yaml:9: spec.http[0].match[0].port: must be between 1 and 65535, got 70000`}},
		{"weight out of range", vs("  hosts: [r]", "  http:", "  - route:",
			"    - destination: {host: a}", "      weight: 60", "    - destination: {host: b}", "      weight: 140"),
			[]string{`f.yaml:11: spec.http[0].route[1].weight: must be between 0 and 100, got 140`}},
		{"weights not summing to 100", vs("  hosts: [r]", "  http:", "  - route:",
			"    - destination: {host: a}", "      weight: 60", "    - destination: {host: b}", "      weight: 30"),
			[]string{`f.yaml:7: spec.http[0].route: weights must sum to 100, got 90`}},
		{"percentage out of range", vs(append(route, "    fault: {abort: {httpStatus: 503, percentage: {value: 101}}}")...),
			[]string{`f.yaml:9: spec.http[0].fault.abort.percentage.value: must be between 0 and 100, got 101`}},
		{"bad enum", doc("networking.istio.io/v1", "DestinationRule", "  host: r", "  trafficPolicy:", "    tls: {mode: MTLS}"),
			[]string{`f.yaml:7: spec.trafficPolicy.tls.mode: invalid value "MTLS": must be one of DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL`}},
		{"bad regex", vs(append(route, `    match: [{uri: {regex: "a(b"}}]`)...),
			[]string{"f.yaml:9: spec.http[0].match[0].uri.regex: invalid regex \"a(b\": missing closing ): `a(b`"}},
		{"non-RE2 regex", vs(append(route, `    match: [{uri: {regex: "(?=x)"}}]`)...),
			[]string{"f.yaml:9: spec.http[0].match[0].uri.regex: invalid regex \"(?=x)\": invalid or unsupported Perl syntax: `(?=`"}},
		{"bad duration", vs(append(route, "    timeout: 10")...),
			[]string{`f.yaml:9: spec.http[0].timeout: expected a duration such as "1.5s", got number 10`}},
		{"bad duration string", vs(append(route, "    timeout: 10 seconds")...),
			[]string{`f.yaml:9: spec.http[0].timeout: invalid duration "10 seconds": use a number with a unit (ms, s, m, h), e.g. "1.5s"`}},
		{"negative duration", vs(append(route, "    timeout: -1s")...),
			[]string{`f.yaml:9: spec.http[0].timeout: must not be negative, got -1s`}},
		{"bad digest", doc("extensions.istio.io/v1alpha1", "WasmPlugin", "  url: file:///f.wasm", "  sha256: ABCD"),
			[]string{`f.yaml:6: spec.sha256: must be a sha256 digest of 64 lower-case hexadecimal characters, got "ABCD"`}},
		{"required field", vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {subset: v1}"),
			[]string{`f.yaml:8: spec.http[0].route[0].destination.host: required`}},
		{"mutually exclusive", vs(append(route, "    redirect: {uri: /x}")...),
			[]string{`f.yaml:7: spec.http[0]: route, redirect, directResponse and delegate are mutually exclusive: set only one`}},
		{"exactly one of", vs(append(route, `    match: [{uri: {exact: /a, prefix: /b}}]`)...),
			[]string{`f.yaml:9: spec.http[0].match[0].uri: must set exactly one of exact, prefix or regex`}},
		{"duplicate field", vs("  hosts: [r]", "  hosts: [s]", "  http:", "  - route:", "    - destination: {host: r}"),
			[]string{`f.yaml:6: spec.hosts: duplicate field "hosts"`}},
		{"unknown kind", "apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: r}\nspec: {}\n",
			[]string{`f.yaml:2: kind: unknown kind "VirtualServce" (known: AuthorizationPolicy, DestinationRule, Gateway, PeerAuthentication, Policy, RequestAuthentication, ServiceEntry, Sidecar, Telemetry, VirtualService, WasmPlugin, WorkloadEntry)`}},
		{"wrong apiVersion", doc("security.istio.io/v1", "VirtualService", route...),
			[]string{`f.yaml:1: apiVersion: "security.istio.io/v1" does not serve kind VirtualService (use networking.istio.io/v1)`}},
		{"missing kind", "apiVersion: networking.istio.io/v1\nmetadata: {name: r}\n",
			[]string{`f.yaml:1: kind: required`}},
		{"bad name", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: My_Route}\nspec:\n" + strings.Join(route, "\n") + "\n",
			[]string{`f.yaml:3: metadata.name: must be a DNS name (lower-case letters, digits, '-' and '.'), got "My_Route"`}},
		{"bad address", doc("networking.istio.io/v1", "ServiceEntry", "  hosts: [a.com]", "  addresses: [10.0.0.300]"),
			[]string{`f.yaml:6: spec.addresses[0]: must be an IP address or CIDR, got "10.0.0.300"`}},
		{"bad host", vs("  hosts: [\"a..b\"]", "  http:", "  - route:", "    - destination: {host: r}"),
			[]string{`f.yaml:5: spec.hosts[0]: invalid host "a..b": must be a DNS name, optionally prefixed by "*."`}},
		{"yaml syntax", "apiVersion: networking.istio.io/v1\nkind: [\n",
			[]string{`f.yaml:2: did not find expected node content`}},
		{"tabs", "apiVersion: networking.istio.io/v1\n\tkind: VirtualService\n",
			[]string{`f.yaml:2: found a tab character that violates indentation`}},
		{"merge key", vs("  hosts: [r]", "  http:", "  - route:", "    - destination: &d {host: r}", "  - route:", "    - destination:", "        <<: *d"),
			[]string{`f.yaml:11: spec.http[1].route[0].destination: merge keys (<<) are not supported`}},
		{"not a config", "base: {hosts: [r]}\n",
			[]string{`f.yaml:1: base: unknown field "base"`, `f.yaml:1: apiVersion: required`, `f.yaml:1: kind: required`}},
		{"bad status code", vs(append(route[:3], "    directResponse: {status: 99}")...),
			[]string{`f.yaml:8: spec.http[0].directResponse.status: must be between 200 and 599, got 99`}},
		{"map key type", doc("security.istio.io/v1", "PeerAuthentication", "  selector: {matchLabels: {a: b}}", "  portLevelMtls:", "    http: {mode: STRICT}"),
			[]string{`f.yaml:7: spec.portLevelMtls[http]: key must be a number, got "http"`}},
		{"sidecar egress host", doc("networking.istio.io/v1", "Sidecar", "  egress:", "  - hosts: [reviews]"),
			[]string{`f.yaml:6: spec.egress[0].hosts[0]: must be "namespace/host", got "reviews"`}},
		{"policy", doc("policy.wasmesh.io/v1alpha1", "Policy", "  files: [../x.rego]", "  entrypoint: a.b", "  failStrategy: FAIL_RELOAD"),
			[]string{`f.yaml:5: spec.files[0]: must be a path inside the config directory, got "../x.rego"`,
				`f.yaml:6: spec.entrypoint: must be a rule path such as "wasmesh/authz/allow", got "a.b"`,
				`f.yaml:7: spec.failStrategy: must be FAIL_CLOSE or FAIL_OPEN, got FAIL_RELOAD`}},
		{"authz condition", doc("security.istio.io/v1", "AuthorizationPolicy", "  rules:", "  - when:", "    - key: request.foo", "      values: [x]"),
			[]string{`f.yaml:7: spec.rules[0].when[0].key: unknown condition key "request.foo"`}},
		{"tcp route without destination", vs("  hosts: [r]", "  tcp:", "  - match: [{port: 80}]"),
			[]string{`f.yaml:7: spec.tcp[0].route: at least one destination is required`}},
		{"wasm url", doc("extensions.istio.io/v1alpha1", "WasmPlugin", "  url: ftp://x/f.wasm"),
			[]string{`f.yaml:5: spec.url: unsupported scheme "ftp": use file://, http://, https:// or oci://`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeFile("f.yaml", []byte(c.in))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("errors.Is(err, ErrInvalid) = false")
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// Every error of a file is reported at once, across documents, and the
// valid documents are still returned.
func TestAllErrorsAtOnce(t *testing.T) {
	in := vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {host: r, port: {number: 0}}", "    timeout: x") +
		"---\n" + vs("  hosts: [ok]", "  http:", "  - route:", "    - destination: {host: ok}") +
		"---\n" + doc("networking.istio.io/v1", "Gateway", "  servers: []")
	cfgs, err := DecodeFile("all.yaml", []byte(in))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("err = %v", err)
	}
	want := []string{
		"all.yaml:8: spec.http[0].route[0].destination.port.number: must be between 1 and 65535, got 0",
		`all.yaml:9: spec.http[0].timeout: invalid duration "x": use a number with a unit (ms, s, m, h), e.g. "1.5s"`,
		"all.yaml:24: spec.servers: at least one server is required",
	}
	for i, w := range want {
		if list[i].Error() != w {
			t.Errorf("error %d = %q, want %q", i, list[i].Error(), w)
		}
	}
	if list[0].File != "all.yaml" || list[0].Line != 8 || list[0].Path != "spec.http[0].route[0].destination.port.number" {
		t.Errorf("fields = %+v", list[0])
	}
	if len(cfgs) != 1 || cfgs[0].Metadata.Namespace != "default" {
		t.Fatalf("valid configs = %+v", cfgs)
	}
}

func TestJSONAndList(t *testing.T) {
	in := `{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "a", "namespace": "x"},
   "spec": {"hosts": ["a.com"], "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}},
  {"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry", "metadata": {"name": "b"},
   "spec": {"hosts": ["b.com"], "ports": [{"number": 80, "name": "http", "protocol": "HTTPX"}]}}
]}`
	cfgs, err := DecodeFile("l.json", []byte(in))
	want := `l.json:5: items[1].spec.ports[0].protocol: invalid value "HTTPX": must be one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP, TLS, HTTP_PROXY`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if len(cfgs) != 1 || cfgs[0].Metadata.Name != "a" {
		t.Fatalf("cfgs = %+v", cfgs)
	}
}

// Aliases are followed; alias bombs are cut off with an error.
func TestAliases(t *testing.T) {
	cfgs, err := DecodeFile("a.yaml", []byte(vs("  hosts: [r]", "  http:", "  - route:", "    - destination: &d {host: r}",
		"  - route:", "    - destination: *d")))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 1 {
		t.Fatalf("cfgs = %d", len(cfgs))
	}
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g"} {
		bomb += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	in := "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\nmetadata: {name: r}\nspec:\n  url: file:///f.wasm\n  pluginConfig:\n" +
		indent(bomb, "    ") + "    all: *g\n"
	_, err = DecodeFile("bomb.yaml", []byte(in))
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Fatalf("err = %v, want document too large", err)
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}
