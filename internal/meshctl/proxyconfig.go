package meshctl

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// configDump is Envoy's /config_dump, read generically: each section is
// found by its @type.
type configDump struct {
	Configs []map[string]any `json:"configs"`
}

func (d configDump) section(typeSuffix string) map[string]any {
	for _, c := range d.Configs {
		if t, _ := c["@type"].(string); strings.HasSuffix(t, typeSuffix) {
			return c
		}
	}
	return map[string]any{}
}

var proxyConfigViews = map[string]func(configDump) (string, [][]string, error){
	"listeners": listenerRows,
	"routes":    routeRows,
	"clusters":  clusterRows,
	"endpoints": endpointRows,
	"secret":    secretRows,
	"filters":   filterRows,
}

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		var admin string
		c := &cobra.Command{
			Use:   "proxy-config listeners|routes|clusters|endpoints|secret|filters PROXY",
			Short: "Show what one proxy runs, from its admin /config_dump",
			Long: `proxy-config reads the proxy's admin /config_dump (Envoy's format) and prints one
resource type as a table; -o json|yaml prints that section of the dump. The admin
address is --admin host:port, or the one 'meshctl demo up' recorded for PROXY.
secret shows each certificate's SPIFFE ID, serial, expiry and chain.`,
			Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := e.checkOutput(); err != nil {
					return err
				}
				view, ok := proxyConfigViews[args[0]]
				if !ok {
					return usageError{fmt.Errorf("proxy-config: unknown type %q; use listeners, routes, clusters, endpoints, secret or filters", args[0])}
				}
				addr := admin
				if addr == "" {
					addr = demoAdmin(args[1])
				}
				if addr == "" {
					return usageError{fmt.Errorf("proxy-config: no admin address known for %q; pass --admin host:port (meshproxy --admin-port)", args[1])}
				}
				dump, err := fetchDump(cmd.Context(), addr)
				if err != nil {
					return err
				}
				header, rows, err := view(dump)
				if err != nil {
					return failure{err}
				}
				if e.output == "json" || e.output == "yaml" {
					var out []map[string]any
					for _, r := range rows {
						m := map[string]any{}
						for i, h := range strings.Split(header, "\t") {
							m[strings.ToLower(h)] = r[i]
						}
						out = append(out, m)
					}
					_, err := e.structured(out)
					return err
				}
				return table(e.stdout, header, rows)
			},
		}
		c.Flags().StringVar(&admin, "admin", "", "the proxy's admin address host:port")
		return c
	})
}

func fetchDump(ctx context.Context, addr string) (configDump, error) {
	var d configDump
	explain := func(err error) error {
		return failure{fmt.Errorf("cannot reach the proxy's admin at %s: %w; is meshproxy running with that --admin-port?", addr, err)}
	}
	url := addr
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	err := fetchJSON(ctx, strings.TrimRight(url, "/")+"/config_dump", &d, explain)
	return d, err
}

// demoAdmin finds a proxy's admin address in the demo's state file.
func demoAdmin(proxy string) string {
	b, err := os.ReadFile(filepath.Join(".cache", "demo", "state.json"))
	if err != nil {
		return ""
	}
	var st struct {
		Processes []struct {
			Name  string `json:"name"`
			Admin string `json:"admin"`
		} `json:"processes"`
	}
	if json.Unmarshal(b, &st) != nil {
		return ""
	}
	// "productpage-v1", "productpage-v1-proxy" or the xDS node id
	// "sidecar~127.0.0.1~productpage-v1.bookinfo~..." name the same proxy
	for _, p := range st.Processes {
		base := strings.TrimSuffix(p.Name, "-proxy")
		if p.Admin != "" && (p.Name == proxy || base == proxy || strings.Contains(proxy, "~"+base+".")) {
			return p.Admin
		}
	}
	return ""
}

// path walks nested maps and the first element of lists.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func list(v any) []any { l, _ := v.([]any); return l }

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func socketAddr(a any) string {
	sa := path(a, "socketAddress")
	if sa == nil {
		return ""
	}
	return fmt.Sprintf("%s:%s", str(path(sa, "address")), str(path(sa, "portValue")))
}

func listenerRows(d configDump) (string, [][]string, error) {
	s := d.section("ListenersConfigDump")
	var rows [][]string
	add := func(l any, state string) {
		var chains []string
		for _, fc := range list(path(l, "filterChains")) {
			for _, f := range list(path(fc, "filters")) {
				chains = append(chains, str(path(f, "name")))
			}
		}
		rows = append(rows, []string{str(path(l, "name")), socketAddr(path(l, "address")), state, strings.Join(chains, ",")})
	}
	for _, sl := range list(s["staticListeners"]) {
		add(path(sl, "listener"), "static")
	}
	for _, dl := range list(s["dynamicListeners"]) {
		if a := path(dl, "activeState", "listener"); a != nil {
			add(a, "active")
		} else {
			add(path(dl, "warmingState", "listener"), "warming")
		}
	}
	return "NAME\tADDRESS\tSTATE\tNETWORK FILTERS", rows, nil
}

func routeRows(d configDump) (string, [][]string, error) {
	var rows [][]string
	for _, rc := range list(d.section("RoutesConfigDump")["dynamicRouteConfigs"]) {
		cfg := path(rc, "routeConfig")
		for _, vh := range list(path(cfg, "virtualHosts")) {
			var domains []string
			for _, dm := range list(path(vh, "domains")) {
				domains = append(domains, str(dm))
			}
			for _, r := range list(path(vh, "routes")) {
				match := str(path(r, "match", "prefix"))
				if p := path(r, "match", "path"); p != nil {
					match = "=" + str(p)
				}
				rows = append(rows, []string{str(path(cfg, "name")), str(path(vh, "name")), strings.Join(domains, ","), match, routeAction(r)})
			}
		}
	}
	return "ROUTE\tVIRTUAL HOST\tDOMAINS\tMATCH\tACTION", rows, nil
}

func routeAction(r any) string {
	if c := path(r, "route", "cluster"); c != nil {
		return str(c)
	}
	if wc := list(path(r, "route", "weightedClusters", "clusters")); len(wc) > 0 {
		var parts []string
		for _, c := range wc {
			parts = append(parts, fmt.Sprintf("%s %s%%", str(path(c, "name")), str(path(c, "weight"))))
		}
		return strings.Join(parts, ", ")
	}
	if dr := path(r, "directResponse"); dr != nil {
		return "direct " + str(path(dr, "status"))
	}
	if rd := path(r, "redirect"); rd != nil {
		return "redirect"
	}
	return ""
}

func clusterRows(d configDump) (string, [][]string, error) {
	s := d.section("ClustersConfigDump")
	var rows [][]string
	add := func(c any) {
		typ := str(path(c, "type"))
		if typ == "" {
			typ = "EDS"
			if path(c, "edsClusterConfig") == nil {
				typ = "STATIC"
			}
		}
		tls := "-"
		if ts := path(c, "transportSocket", "name"); ts != nil {
			tls = str(ts)
		}
		rows = append(rows, []string{str(path(c, "name")), typ, orDash(str(path(c, "lbPolicy"))), tls})
	}
	for _, c := range list(s["staticClusters"]) {
		add(path(c, "cluster"))
	}
	for _, c := range list(s["dynamicActiveClusters"]) {
		add(path(c, "cluster"))
	}
	return "CLUSTER\tTYPE\tLB\tTRANSPORT", rows, nil
}

func endpointRows(d configDump) (string, [][]string, error) {
	var rows [][]string
	for _, ec := range list(d.section("EndpointsConfigDump")["dynamicEndpointConfigs"]) {
		cla := path(ec, "endpointConfig")
		for _, loc := range list(path(cla, "endpoints")) {
			for _, lb := range list(path(loc, "lbEndpoints")) {
				rows = append(rows, []string{socketAddr(path(lb, "endpoint", "address")), orDash(str(path(lb, "healthStatus"))), str(path(cla, "clusterName"))})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][2]+rows[i][0] < rows[j][2]+rows[j][0] })
	return "ENDPOINT\tSTATUS\tCLUSTER", rows, nil
}

// secretRows shows each secret's certificate: SPIFFE ID, serial, expiry and chain.
func secretRows(d configDump) (string, [][]string, error) {
	s := d.section("SecretsConfigDump")
	var rows [][]string
	add := func(sec any) error {
		name := str(path(sec, "name"))
		if chain := dataSource(path(sec, "tlsCertificate", "certificateChain")); chain != nil {
			certs, err := parseCerts(chain)
			if err != nil {
				return fmt.Errorf("proxy-config: secret %s: %w", name, err)
			}
			if len(certs) == 0 {
				return nil
			}
			leaf := certs[0]
			var id string
			for _, u := range leaf.URIs {
				id = u.String()
			}
			var subjects []string
			for _, c := range certs {
				subjects = append(subjects, c.Subject.String()+" (issuer "+c.Issuer.String()+")")
			}
			rows = append(rows, []string{name, "Cert Chain", id, leaf.SerialNumber.Text(16), leaf.NotAfter.UTC().Format(time.RFC3339), strings.Join(subjects, " → ")})
		}
		if ca := dataSource(path(sec, "validationContext", "trustedCa")); ca != nil {
			certs, err := parseCerts(ca)
			if err != nil {
				return fmt.Errorf("proxy-config: secret %s: %w", name, err)
			}
			for _, c := range certs {
				rows = append(rows, []string{name, "CA", "-", c.SerialNumber.Text(16), c.NotAfter.UTC().Format(time.RFC3339), c.Subject.String()})
			}
		}
		return nil
	}
	for _, sec := range append(list(s["staticSecrets"]), list(s["dynamicActiveSecrets"])...) {
		if err := add(path(sec, "secret")); err != nil {
			return "", nil, err
		}
	}
	return "RESOURCE\tTYPE\tSPIFFE ID\tSERIAL\tNOT AFTER\tCHAIN", rows, nil
}

// dataSource returns the bytes of an inline Envoy DataSource.
func dataSource(ds any) []byte {
	if s, ok := path(ds, "inlineString").(string); ok {
		return []byte(s)
	}
	if s, ok := path(ds, "inlineBytes").(string); ok {
		b, err := base64.StdEncoding.DecodeString(s)
		if err == nil {
			return b
		}
	}
	return nil
}

func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out, nil
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// filterRows lists the HTTP filter chain of each listener and the ECDS filters.
func filterRows(d configDump) (string, [][]string, error) {
	var rows [][]string
	for _, dl := range list(d.section("ListenersConfigDump")["dynamicListeners"]) {
		l := path(dl, "activeState", "listener")
		for _, fc := range list(path(l, "filterChains")) {
			for _, f := range list(path(fc, "filters")) {
				for _, hf := range list(path(f, "typedConfig", "httpFilters")) {
					kind := str(path(hf, "typedConfig", "@type"))
					if kind == "" && path(hf, "configDiscovery") != nil {
						kind = "ECDS"
					}
					rows = append(rows, []string{str(path(l, "name")), str(path(hf, "name")), lastDot(kind)})
				}
			}
		}
	}
	for _, x := range list(d.section("EcdsConfigDump")["ecdsFilters"]) {
		f := path(x, "ecdsFilter")
		rows = append(rows, []string{"(ECDS)", str(path(f, "name")), lastDot(str(path(f, "typedConfig", "@type")))})
	}
	return "LISTENER\tHTTP FILTER\tTYPE", dedupe(rows), nil
}

func lastDot(s string) string {
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func dedupe(rows [][]string) [][]string {
	seen := map[string]bool{}
	var out [][]string
	for _, r := range rows {
		k := strings.Join(r, "\x00")
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}
