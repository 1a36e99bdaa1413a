package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// ConfigFromIR derives the config view from the IR meshd last pushed to
// each proxy: a service's routes are those of the outbound virtual hosts
// named for it (host:port) in any proxy's route tables; its Wasm filters
// are the chain of the proxies serving it, with their digests; its
// policies are those the authz filters in that chain enforce.
func ConfigFromIR(irs []*pilot.IR) []ServiceConfig {
	byService := map[string]*ServiceConfig{}
	get := func(svc string) *ServiceConfig {
		c := byService[svc]
		if c == nil {
			c = &ServiceConfig{Service: svc}
			byService[svc] = c
		}
		return c
	}
	seenRoute := map[string]bool{}
	for _, ir := range irs {
		if ir == nil {
			continue
		}
		for _, rt := range ir.Routes {
			for _, vh := range rt.VHosts {
				host, ok := vhostService(vh.Name)
				if !ok {
					continue
				}
				for _, r := range vh.Routes {
					route := Route{Name: r.Name, Match: matchText(r.Match), Destinations: destinations(r)}
					key := fmt.Sprintf("%s\x00%s\x00%s\x00%q", host, route.Name, route.Match, route.Destinations)
					if !seenRoute[key] {
						seenRoute[key] = true
						c := get(host)
						c.Routes = append(c.Routes, route)
					}
				}
			}
		}
	}
	for _, ir := range irs {
		if ir == nil || ir.Node.Service == "" || len(ir.Filters) == 0 {
			continue
		}
		c := get(serviceHost(ir.Node.Service, ir.Node.Namespace, byService))
		for _, f := range ir.Filters {
			wf := WasmFilter{Name: f.Name, Phase: string(f.Phase), Digest: digest(f.SHA256)}
			if !slices.Contains(c.Filters, wf) {
				c.Filters = append(c.Filters, wf)
			}
			if name, ok := f.Config["policy"].(string); ok && name != "" && f.Phase == "AUTHZ" {
				p := Policy{Name: name, Kind: "Policy", Action: "enforced by " + f.Name}
				if !slices.Contains(c.Policies, p) {
					c.Policies = append(c.Policies, p)
				}
			}
		}
	}
	out := make([]ServiceConfig, 0, len(byService))
	for _, c := range byService {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b ServiceConfig) int { return strings.Compare(a.Service, b.Service) })
	return out
}

// vhostService reads the service host of an outbound virtual host, named
// "host:port"; catch-all hosts (allow_any, block_all) have no port.
func vhostService(name string) (string, bool) {
	i := strings.LastIndexByte(name, ':')
	if i <= 0 || i == len(name)-1 || strings.Trim(name[i+1:], "0123456789") != "" {
		return "", false
	}
	return name[:i], true
}

// serviceHost finds the FQDN of a proxy's service ("name" in namespace)
// among the hosts routes were found for, else names it name.namespace.
func serviceHost(name, ns string, known map[string]*ServiceConfig) string {
	prefix := name + "." + ns
	for host := range known {
		if host == prefix || strings.HasPrefix(host, prefix+".") {
			return host
		}
	}
	if strings.Contains(name, ".") {
		return name
	}
	return prefix
}

func matchText(m any) string {
	b, err := json.Marshal(m)
	if err != nil || string(b) == "null" || string(b) == "{}" {
		return ""
	}
	return string(b)
}

// destinations renders each weighted cluster as "host subset (weight%)".
func destinations(r pilot.RouteIR) []string {
	if r.Direct != 0 {
		return []string{fmt.Sprintf("direct response %d", r.Direct)}
	}
	var out []string
	for _, c := range r.Clusters {
		name := c.Cluster
		// outbound|port|subset|host
		if parts := strings.Split(c.Cluster, "|"); len(parts) == 4 {
			name = strings.TrimSpace(parts[3] + " " + parts[2])
		}
		if len(r.Clusters) > 1 {
			name += fmt.Sprintf(" (%d%%)", c.Weight)
		}
		out = append(out, name)
	}
	return out
}

func digest(sha string) string {
	if sha == "" || strings.HasPrefix(sha, "sha256:") {
		return sha
	}
	return "sha256:" + sha
}
