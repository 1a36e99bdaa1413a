package meshctl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/wasmesh/wasmesh/control/pilot/xds"
)

// xdsTypes are the columns of proxy-status, in Istio's order.
var xdsTypes = []struct{ short, url string }{
	{"CDS", "type.googleapis.com/envoy.config.cluster.v3.Cluster"},
	{"LDS", "type.googleapis.com/envoy.config.listener.v3.Listener"},
	{"EDS", "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"},
	{"RDS", "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"},
	{"SDS", "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"},
	{"ECDS", "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"},
}

func init() {
	commands = append(commands, func(e *env) *cobra.Command {
		return &cobra.Command{
			Use:   "proxy-status [PROXY]",
			Short: "Show every connected proxy's xDS sync state per resource type",
			Long: `proxy-status reads meshd's /debug/syncz and prints, per proxy and resource type,
SYNCED (the proxy ACKed the version meshd wants it to have), STALE (sent, not yet
ACKed), NACKED with the proxy's reason, or NOT SENT. PROXY filters by id substring.
It exits 1 when any proxy NACKed.`,
			Args: cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := e.checkOutput(); err != nil {
					return err
				}
				var all []xds.ProxyStatus
				if err := e.getJSON(cmd.Context(), "/debug/syncz", &all); err != nil {
					return err
				}
				var ps []xds.ProxyStatus
				for _, p := range all {
					if len(args) == 0 || strings.Contains(p.ID, args[0]) {
						ps = append(ps, p)
					}
				}
				if ok, err := e.structured(ps); ok {
					return err
				}
				if len(ps) == 0 {
					fmt.Fprintln(e.stderr, "no proxy connected to meshd at "+e.meshd+"; start one with meshproxy --xds-address")
					return nil
				}
				header := "PROXY"
				for _, t := range xdsTypes {
					header += "\t" + t.short
				}
				var rows [][]string
				var nacks []string
				for _, p := range ps {
					row := []string{p.ID}
					for _, t := range xdsTypes {
						cell, nack := typeState(p, t.url)
						row = append(row, cell)
						if nack != "" {
							nacks = append(nacks, fmt.Sprintf("%s %s: %s", p.ID, t.short, nack))
						}
					}
					rows = append(rows, row)
				}
				if err := table(e.stdout, header+"\tWARNINGS", appendWarnings(rows, ps)); err != nil {
					return err
				}
				sort.Strings(nacks)
				for _, n := range nacks {
					fmt.Fprintf(e.stdout, "NACK %s\n", n)
				}
				if len(nacks) > 0 {
					return failure{fmt.Errorf("proxy-status: %d NACKs; fix the config meshd logs for those proxies", len(nacks))}
				}
				return nil
			},
		}
	})
}

func appendWarnings(rows [][]string, ps []xds.ProxyStatus) [][]string {
	for i := range rows {
		rows[i] = append(rows[i], fmt.Sprint(len(ps[i].Warnings)))
	}
	return rows
}

// typeState is one cell of proxy-status and the NACK reason, if any.
func typeState(p xds.ProxyStatus, url string) (string, string) {
	ts, subscribed := p.Types[url]
	want := p.Want[url]
	switch {
	case !subscribed || ts == nil:
		return "NOT SENT", ""
	case ts.Nacked != "" && ts.Nacked == ts.Sent:
		return "NACKED (" + short(ts.Nacked) + ")", ts.Error
	case ts.Acked != "" && ts.Acked == want:
		return "SYNCED (" + short(ts.Acked) + ")", ""
	case ts.Sent == "":
		return "NOT SENT", ""
	default:
		return "STALE (sent " + short(ts.Sent) + ", acked " + orDash(short(ts.Acked)) + ")", ""
	}
}

func short(v string) string {
	if len(v) > 8 {
		return v[:8]
	}
	return v
}
