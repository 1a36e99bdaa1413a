package prom

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashboard is the part of Grafana's dashboard JSON the checks read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos *struct{ X, Y, W, H int } `json:"gridPos"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a row's panels
}

func loadDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in dashboards/: %v", err)
	}
	out := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = d
	}
	return out
}

// grafanaVars stand in for Grafana's variables when a query is sent to
// Prometheus directly.
var grafanaVars = strings.NewReplacer(
	"$__rate_interval", "1m",
	"$__interval", "1m",
	"$__range", "1m",
	"${service}", "reviews.bookinfo.svc.cluster.local",
	"$service", "reviews.bookinfo.svc.cluster.local",
)

// servedMetrics are the families the test sidecars and meshd expose:
// queries over only these must return data, not just evaluate.
var servedMetrics = []string{
	"istio_requests_total", "istio_request_duration_milliseconds_bucket",
	"pilot_xds", "pilot_xds_pushes", "pilot_xds_rejected_proxies", "pilot_push_duration_seconds_bucket",
	"process_cpu_seconds_total", "process_resident_memory_bytes", "go_memstats_heap_alloc_bytes", "go_goroutines",
}

var metricRef = regexp.MustCompile(`\b(istio_[a-z_]+|pilot_[a-z_]+|wasmesh_[a-z_]+|process_[a-z_]+|go_[a-z_]+)\b`)

// checkDashboards checks every dashboard's shape and evaluates every
// panel's query against p, which has seen bookinfo-like traffic.
func checkDashboards(t *testing.T, p *prometheus) {
	uids := map[string]string{}
	for file, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
			t.Errorf("%s: uid, title and schemaVersion are required", file)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s: uid %q already used by %s", file, d.UID, other)
		}
		uids[d.UID] = file
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			q, _ := v.Query.(map[string]any)["query"].(string)
			checkLabelValues(t, p, file, v.Name, q)
		}
		ids := map[int]bool{}
		var walk func([]panel)
		walk = func(ps []panel) {
			for _, pn := range ps {
				if ids[pn.ID] {
					t.Errorf("%s: panel id %d repeated", file, pn.ID)
				}
				ids[pn.ID] = true
				if pn.GridPos == nil || pn.Title == "" {
					t.Errorf("%s: panel %d needs a title and gridPos", file, pn.ID)
				}
				walk(pn.Panels)
				if pn.Type == "row" {
					continue
				}
				if pn.Datasource.UID != "${datasource}" || len(pn.Targets) == 0 {
					t.Errorf("%s: panel %q must query the ${datasource} variable", file, pn.Title)
				}
				for _, tg := range pn.Targets {
					checkExpr(t, p, file, pn.Title, tg.Expr)
				}
			}
		}
		walk(d.Panels)
	}
	for _, want := range []string{"wasmesh-mesh", "wasmesh-service", "wasmesh-control-plane"} {
		if uids[want] == "" {
			t.Errorf("dashboard %s is missing", want)
		}
	}
}

func checkExpr(t *testing.T, p *prometheus, file, title, expr string) {
	t.Helper()
	q := grafanaVars.Replace(expr)
	if strings.Contains(q, "$") {
		t.Errorf("%s / %s: unknown variable in %q", file, title, expr)
		return
	}
	res, err := p.query(q)
	if err != nil {
		t.Errorf("%s / %s: %v\n  query: %s", file, title, err, q)
		return
	}
	refs := metricRef.FindAllString(q, -1)
	served := len(refs) > 0
	for _, m := range refs {
		served = served && slices.Contains(servedMetrics, m)
	}
	if served && len(res) == 0 {
		t.Errorf("%s / %s: no data after traffic\n  query: %s", file, title, q)
	}
}

var labelValuesCall = regexp.MustCompile(`^label_values\((.+),\s*([a-z_]+)\)$`)

func checkLabelValues(t *testing.T, p *prometheus, file, name, q string) {
	t.Helper()
	m := labelValuesCall.FindStringSubmatch(q)
	if m == nil {
		t.Errorf("%s: variable %s: want label_values(selector, label), got %q", file, name, q)
		return
	}
	resp, err := http.Get(p.base + "/api/v1/label/" + m[2] + "/values?" + url.Values{"match[]": {m[1]}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Errorf("%s: variable %s: %q: %v %s", file, name, q, err, body.Status)
		return
	}
	if !slices.Contains(body.Data, "reviews.bookinfo.svc.cluster.local") {
		t.Errorf("%s: variable %s lists %v, want the services that had traffic", file, name, body.Data)
	}
}
