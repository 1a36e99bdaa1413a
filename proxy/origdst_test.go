package proxy

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOriginalDst checks iptables capture: connections to 127.0.0.1:9998 and
// :9999 are REDIRECTed to the proxy's 15001 listener (use_original_dst), which
// hands :9999 to the bind_to_port=false listener for that address and matches
// :9998 by destination port on its own chains. It runs itself in a private
// network namespace (unshare --net) so that the host's netfilter is untouched.
func TestOriginalDst(t *testing.T) {
	if os.Getenv("MESHPROXY_IN_NETNS") != "1" {
		if os.Geteuid() != 0 {
			t.Skip("optional: needs root for a private network namespace with iptables (run as root to include it)")
		}
		for _, tool := range []string{"unshare", "ip", "iptables"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("%s not found: apt-get install -y util-linux iproute2 iptables", tool)
			}
		}
		script := "ip link set lo up && " +
			"iptables -t nat -A OUTPUT -p tcp -d 127.0.0.1 --dport 9998:9999 -j REDIRECT --to-ports 15001 && " +
			fmt.Sprintf("exec %q -test.run '^TestOriginalDst$' -test.v", os.Args[0])
		cmd := exec.Command("unshare", "--net", "sh", "-c", script)
		cmd.Env = append(os.Environ(), "MESHPROXY_IN_NETNS=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestOriginalDst") {
			t.Fatalf("in netns: %v\n%s", err, out)
		}
		return
	}
	e := start(t, res(t, `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: virtualOutbound
address: {socket_address: {address: 127.0.0.1, port_value: 15001}}
use_original_dst: true
filter_chains:
- filter_chain_match: {destination_port: 9998}
  filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: p9998
      route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: chain-9998}}}]}]}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`), res(t, `
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: 127.0.0.1_9999
address: {socket_address: {address: 127.0.0.1, port_value: 9999}}
bind_to_port: false
filter_chains:
- filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: p9999
      route_config: {name: r, virtual_hosts: [{name: v, domains: ["*"], routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: listener-9999}}}]}]}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`))
	if _, body := get(t, "http://127.0.0.1:9999/"); body != "listener-9999" {
		t.Errorf("captured :9999 got %q", body)
	}
	if _, body := get(t, "http://127.0.0.1:9998/"); body != "chain-9998" {
		t.Errorf("captured :9998 got %q", body)
	}
	if e.p.Stats().Value("listener.127.0.0.1_9999.downstream_cx_total") == 0 {
		t.Error("handoff not counted on the target listener")
	}
}
