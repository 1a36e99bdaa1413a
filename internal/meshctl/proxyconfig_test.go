package meshctl

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzProxyConfigViews: a config_dump comes from a proxy; every view takes
// any JSON without panicking.
func FuzzProxyConfigViews(f *testing.F) {
	f.Add(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamicListeners":[{"activeState":{"listener":{"name":"l","address":{"socketAddress":{"address":"127.0.0.1","portValue":1}},"filterChains":[{"filters":[{"name":"hcm","typedConfig":{"httpFilters":[{"name":"router"}]}}]}]}}}]}]}`)
	f.Add(`{"configs":[{"@type":"x.RoutesConfigDump","dynamicRouteConfigs":[{"routeConfig":{"virtualHosts":[{"routes":[{"route":{"weightedClusters":{"clusters":[{"name":"a","weight":1}]}}}]}]}}]}]}`)
	f.Add(`{"configs":[{"@type":"x.SecretsConfigDump","dynamicActiveSecrets":[{"secret":{"tlsCertificate":{"certificateChain":{"inlineBytes":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="}}}}]}]}`)
	f.Add(`{"configs":[{"@type":1},null,{"@type":"x.EndpointsConfigDump","dynamicEndpointConfigs":[1,{"endpointConfig":{"endpoints":[{"lbEndpoints":[null]}]}}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		var d configDump
		if json.Unmarshal([]byte(s), &d) != nil {
			return
		}
		for _, view := range proxyConfigViews {
			_, _, _ = view(d)
		}
	})
}

func TestDemoAdmin(t *testing.T) {
	t.Chdir(t.TempDir())
	if got := demoAdmin("productpage-v1"); got != "" {
		t.Errorf("no state file: %q", got)
	}
	os.MkdirAll(filepath.Join(".cache", "demo"), 0o755)
	os.WriteFile(filepath.Join(".cache", "demo", "state.json"), []byte(`{"processes":[
{"name":"productpage-v1","pid":1},{"name":"productpage-v1-proxy","pid":2,"admin":"127.0.0.1:20001"},
{"name":"ingressgateway","pid":3,"admin":"127.0.0.1:20002"}]}`), 0o644)
	for proxy, want := range map[string]string{
		"productpage-v1": "127.0.0.1:20001", "productpage-v1-proxy": "127.0.0.1:20001",
		"sidecar~127.0.0.1~productpage-v1.bookinfo~bookinfo.svc.cluster.local": "127.0.0.1:20001",
		"ingressgateway": "127.0.0.1:20002", "reviews-v1": "", "productpage": "",
	} {
		if got := demoAdmin(proxy); got != want {
			t.Errorf("demoAdmin(%q) = %q, want %q", proxy, got, want)
		}
	}
}
