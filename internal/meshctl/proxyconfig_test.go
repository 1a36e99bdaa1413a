package meshctl

import (
	"encoding/json"
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
