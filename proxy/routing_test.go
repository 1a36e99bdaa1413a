package proxy

import (
	"net/http"
	"strings"
	"testing"
)

func TestRouteFeatures(t *testing.T) {
	a := newBackend(t, "a", nil)
	b := newBackend(t, "b", nil)
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("a", "", a.addr())), res(t, staticCluster("b", "", b.addr())))
	u := e.routes("l", `
"@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
name: rds
request_headers_to_add: [{header: {key: x-added, value: rc}}]
virtual_hosts:
- name: exact
  domains: ["exact.test"]
  routes: [{match: {prefix: /}, route: {cluster: b}}]
- name: wild
  domains: ["*.wild.test"]
  routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: wild}}}]
- name: all
  domains: ["*"]
  response_headers_to_add: [{header: {key: x-vh, value: "1"}}]
  routes:
  - match: {path: /exact}
    direct_response: {status: 201, body: {inline_string: exact}}
  - match: {safe_regex: {regex: "/re/[0-9]+"}}
    direct_response: {status: 202, body: {inline_string: regex}}
  - match: {prefix: /hdr, headers: [{name: x-v, string_match: {prefix: can}}]}
    route: {cluster: b}
  - match: {prefix: /hdr, headers: [{name: x-v, present_match: true, invert_match: true}]}
    direct_response: {status: 203}
  - match: {prefix: /q, query_parameters: [{name: v, string_match: {exact: "2"}}]}
    route: {cluster: b}
  - match: {prefix: /rw/}
    route: {cluster: a, prefix_rewrite: /new/, host_rewrite_literal: rewritten.test}
  - match: {prefix: /rx/}
    route: {cluster: a, regex_rewrite: {pattern: {regex: "^/rx/([a-z]+)/(.*)$"}, substitution: "/\\2/\\1"}}
  - match: {prefix: /redir}
    redirect: {https_redirect: true, path_redirect: /moved, response_code: PERMANENT_REDIRECT}
  - match: {prefix: /split}
    route: {weighted_clusters: {clusters: [{name: a, weight: 75}, {name: b, weight: 25}]}}
  - match: {prefix: /hops}
    route: {cluster: a}
    request_headers_to_remove: [x-remove]
    response_headers_to_add: [{header: {key: x-route, value: r}}]
  - match: {prefix: /nocluster}
    route: {cluster: missing}
`)
	check := func(name, path string, wantStatus int, wantBody string, hdr ...string) *http.Response {
		t.Helper()
		resp, body := get(t, u+path, hdr...)
		if resp.StatusCode != wantStatus || !strings.Contains(body, wantBody) {
			t.Errorf("%s: got %d %q, want %d %q", name, resp.StatusCode, body, wantStatus, wantBody)
		}
		return resp
	}
	check("exact domain", "/x", 200, "b exact.test /x rc", "host", "exact.test")
	check("wildcard domain", "/x", 200, "wild", "host", "x.wild.test")
	check("exact path", "/exact", 201, "exact")
	check("exact path miss falls through", "/exact/more", 404, "")
	check("regex", "/re/42", 202, "regex")
	check("header prefix", "/hdr", 200, "b ", "x-v", "canary")
	check("header absent inverted present", "/hdr", 203, "")
	check("query", "/q?v=2", 200, "b ")
	check("query miss", "/q?v=3", 404, "")
	check("prefix+host rewrite", "/rw/x?k=1", 200, "a rewritten.test /new/x?k=1")
	check("regex rewrite", "/rx/abc/def", 200, "a 127.0.0.1")
	if _, body := get(t, u+"/rx/abc/def"); !strings.Contains(body, "/def/abc") {
		t.Errorf("regex rewrite body %q", body)
	}
	r := check("redirect", "/redir?z=1", 308, "")
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "https://127.0.0.1") || !strings.HasSuffix(loc, "/moved?z=1") {
		t.Errorf("redirect location %q", loc)
	}
	r = check("header ops", "/hops", 200, "a ", "x-remove", "1")
	if r.Header.Get("X-Route") != "r" || r.Header.Get("X-Vh") != "1" {
		t.Errorf("response headers %v", r.Header)
	}
	check("cluster not found", "/nocluster", 503, "")
	counts := map[string]int{}
	for i := 0; i < 400; i++ {
		resp, _ := get(t, u+"/split")
		counts[resp.Header.Get("X-Backend")]++
	}
	if counts["a"] < 250 || counts["a"] > 350 || counts["a"]+counts["b"] != 400 {
		t.Errorf("weighted split %v, want ~300/100", counts)
	}
	if e.p.Stats().Value("http.l.downstream_rq_total") < 400 {
		t.Errorf("stats not counted")
	}
	select {
	case line := <-e.log.ch:
		if !strings.HasPrefix(line, "[") || !strings.Contains(line, `"GET `) {
			t.Errorf("access log line %q", line)
		}
	default:
		t.Error("no access log line")
	}
}
