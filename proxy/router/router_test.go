package router

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/wasmesh/wasmesh/proxy/config"
)

func rc() *config.RouteConfig {
	return &config.RouteConfig{VirtualHosts: []config.VirtualHost{
		{Name: "star", Domains: []string{"*"}},
		{Name: "exact", Domains: []string{"api.example.com", "api.example.com:8080"}},
		{Name: "suffix", Domains: []string{"*.example.com"}},
		{Name: "longsuffix", Domains: []string{"*.b.example.com"}},
		{Name: "prefix", Domains: []string{"foo.*"}},
	}}
}

func TestSelectVirtualHost(t *testing.T) {
	for host, want := range map[string]string{
		"api.example.com":      "exact",
		"API.example.com":      "exact",
		"api.example.com:8080": "exact",
		"api.example.com:9":    "exact",
		"x.example.com":        "suffix",
		"x.b.example.com":      "longsuffix",
		"foo.bar":              "prefix",
		"other":                "star",
		"example.com":          "star",
	} {
		if got := SelectVirtualHost(rc(), host); got == nil || got.Name != want {
			t.Errorf("%s: got %v want %s", host, got, want)
		}
	}
}

func TestMatches(t *testing.T) {
	re := regexp.MustCompile(`^(?:/v[0-9]+/.*)$`)
	cases := []struct {
		name string
		m    config.RouteMatch
		req  Request
		want bool
	}{
		{"prefix", config.RouteMatch{PathKind: config.PathPrefix, Path: "/api", CaseSensitive: true}, Request{Path: "/api/x"}, true},
		{"prefix miss", config.RouteMatch{PathKind: config.PathPrefix, Path: "/api", CaseSensitive: true}, Request{Path: "/ap"}, false},
		{"prefix ci", config.RouteMatch{PathKind: config.PathPrefix, Path: "/api"}, Request{Path: "/API/x"}, true},
		{"exact", config.RouteMatch{PathKind: config.PathExact, Path: "/a", CaseSensitive: true}, Request{Path: "/a/"}, false},
		{"regex", config.RouteMatch{PathKind: config.PathRegex, Regex: re}, Request{Path: "/v2/x"}, true},
		{"regex miss", config.RouteMatch{PathKind: config.PathRegex, Regex: re}, Request{Path: "/vx/x"}, false},
		{"sep prefix", config.RouteMatch{PathKind: config.PathSeparatedPrefix, Path: "/api", CaseSensitive: true}, Request{Path: "/apix"}, false},
		{"header exact", config.RouteMatch{Path: "/", Headers: []config.HeaderMatcher{{Name: "x-a", Match: config.StringMatcher{Kind: config.MatchExact, Value: "1"}}}},
			Request{Path: "/", Header: http.Header{"X-A": {"1"}}}, true},
		{"header invert", config.RouteMatch{Path: "/", Headers: []config.HeaderMatcher{{Name: "x-a", Invert: true, Match: config.StringMatcher{Kind: config.MatchExact, Value: "1"}}}},
			Request{Path: "/", Header: http.Header{"X-A": {"1"}}}, false},
		{"header absent", config.RouteMatch{Path: "/", Headers: []config.HeaderMatcher{{Name: "x-a", Match: config.StringMatcher{Kind: config.MatchPresent}, Present: true}}},
			Request{Path: "/", Header: http.Header{}}, false},
		{"header prefix", config.RouteMatch{Path: "/", Headers: []config.HeaderMatcher{{Name: "x-a", Match: config.StringMatcher{Kind: config.MatchPrefix, Value: "ab"}}}},
			Request{Path: "/", Header: http.Header{"X-A": {"abc"}}}, true},
		{"query", config.RouteMatch{Path: "/", Query: []config.QueryMatcher{{Name: "v", Match: config.StringMatcher{Kind: config.MatchExact, Value: "2"}}}},
			Request{Path: "/", Query: "v=2&x=1"}, true},
		{"query miss", config.RouteMatch{Path: "/", Query: []config.QueryMatcher{{Name: "v", Match: config.StringMatcher{Kind: config.MatchExact, Value: "2"}}}},
			Request{Path: "/", Query: "v=3"}, false},
		{"query present", config.RouteMatch{Path: "/", Query: []config.QueryMatcher{{Name: "debug", Present: true}}},
			Request{Path: "/", Query: "debug"}, true},
	}
	for _, c := range cases {
		if c.req.Header == nil {
			c.req.Header = http.Header{}
		}

		if got := Matches(&c.m, &c.req, new(url.Values)); got != c.want {
			t.Errorf("%s: got %v", c.name, got)
		}
	}
}

func TestPickCluster(t *testing.T) {
	a := &config.RouteAction{Weighted: []config.WeightedCluster{{Name: "a", Weight: 90}, {Name: "b", Weight: 10}}, TotalWeight: 100}
	counts := map[string]int{}
	for i := 0; i < 1000; i++ {
		n, _ := PickCluster(a, uint32((uint64(i)*2+1)*(1<<32)/2000))
		counts[n]++
	}
	if counts["a"] != 900 || counts["b"] != 100 {
		t.Fatalf("counts %v", counts)
	}
}

func TestRewrite(t *testing.T) {
	m := &config.RouteMatch{PathKind: config.PathPrefix, Path: "/api/"}
	if got := RewritePath(&config.RouteAction{PrefixRewrite: "/"}, m, "/api/v1"); got != "/v1" {
		t.Fatal(got)
	}
	a := &config.RouteAction{RegexRewrite: regexp.MustCompile(`^/svc/([^/]+)/(.*)$`), RegexSubstitute: "/${2}/instance/${1}"}
	if got := RewritePath(a, m, "/svc/x/y"); got != "/y/instance/x" {
		t.Fatal(got)
	}
	rd := &config.Redirect{Scheme: "https", Path: "/new", Code: 301}
	if got := RedirectURL(rd, m, "http", "a.com:80", "/old", "q=1"); got != "https://a.com/new?q=1" {
		t.Fatal(got)
	}
	h := http.Header{"X-Rm": {"1"}, "X-Keep": {"a"}}
	ApplyHeaders(h, &config.HeaderOps{Remove: []string{"x-rm"}, Add: []config.HeaderValue{{Key: "x-keep", Value: "b", Append: true}, {Key: "x-set", Value: "c"}}})
	if h.Get("X-Rm") != "" || len(h.Values("X-Keep")) != 2 || h.Get("X-Set") != "c" {
		t.Fatal(h)
	}
}

func BenchmarkSelectRoute(b *testing.B) {
	rc := rc()
	vh := &rc.VirtualHosts[0]
	for i := 0; i < 20; i++ {
		vh.Routes = append(vh.Routes, config.Route{Match: config.RouteMatch{PathKind: config.PathPrefix, Path: "/svc" + string(rune('a'+i)), CaseSensitive: true}})
	}
	vh.Routes = append(vh.Routes, config.Route{Name: "last", Match: config.RouteMatch{PathKind: config.PathPrefix, Path: "/", CaseSensitive: true,
		Headers: []config.HeaderMatcher{{Name: "x-user", Match: config.StringMatcher{Kind: config.MatchExact, Value: "a"}}}}})
	req := Request{Host: "other", Path: "/api/v1/items", Header: http.Header{"X-User": {"a"}}}
	b.ReportAllocs()
	for b.Loop() {
		v := SelectVirtualHost(rc, req.Host)
		if r := SelectRoute(v, &req); r == nil || r.Name != "last" {
			b.Fatal("no route")
		}
	}
}
