package inject

import (
	"encoding/json"
	"fmt"
	"sort"
)

// probeKinds maps a container probe field to the suffix of its rewritten path.
var probeKinds = []struct{ field, suffix string }{
	{"livenessProbe", "livez"},
	{"readinessProbe", "readyz"},
	{"startupProbe", "startupz"},
}

// rewriteProbes points every HTTP probe of the app containers at the proxy's
// status port (/app-health/<container>/<kind>) and returns the original
// probes keyed by their new path, for the proxy to forward (the value of the
// ISTIO_KUBE_APP_PROBERS environment variable, as in Istio). It returns ""
// when no probe was rewritten.
func rewriteProbes(containers []object) (string, error) {
	orig := map[string]any{}
	for _, c := range containers {
		name := c.str("name")
		for _, k := range probeKinds {
			probe := c.obj(k.field)
			get := probe.obj("httpGet")
			if len(get) == 0 {
				continue
			}
			port, err := resolvePort(get["port"], c)
			if err != nil {
				return "", fmt.Errorf("inject: container %q %s: %w", name, k.field, err)
			}
			saved := map[string]any{"path": get.str("path"), "port": port}
			if s := get.str("scheme"); s != "" {
				saved["scheme"] = s
			}
			if h, ok := get["httpHeaders"]; ok {
				saved["httpHeaders"] = h
			}
			entry := map[string]any{"httpGet": saved}
			if t, ok := probe["timeoutSeconds"]; ok {
				entry["timeoutSeconds"] = t
			}
			path := fmt.Sprintf("/app-health/%s/%s", name, k.suffix)
			orig[path] = entry
			probe["httpGet"] = map[string]any{"path": path, "port": json.Number(fmt.Sprint(PortStatus)), "scheme": "HTTP"}
		}
	}
	if len(orig) == 0 {
		return "", nil
	}
	// encoding/json sorts map keys, so the value is deterministic.
	b, err := json.Marshal(orig)
	return string(b), err
}

// resolvePort turns a probe's port (a number or a container port name) into
// a number.
func resolvePort(p any, c object) (json.Number, error) {
	switch v := p.(type) {
	case json.Number:
		return v, nil
	case float64:
		return json.Number(fmt.Sprint(int(v))), nil
	case string:
		names := []string{}
		for _, cp := range c.list("ports") {
			if cp.str("name") == v {
				switch n := cp["containerPort"].(type) {
				case json.Number:
					return n, nil
				case float64:
					return json.Number(fmt.Sprint(int(n))), nil
				}
			}
			names = append(names, cp.str("name"))
		}
		sort.Strings(names)
		return "", fmt.Errorf("port name %q is not one of the container's ports %v", v, names)
	}
	return "", fmt.Errorf("probe port %v is neither a number nor a port name", p)
}
