package prom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/test/fixture"
)

// prometheus is a running Debian prometheus on loopback.
type prometheus struct {
	base string
}

// job is one scrape job: targets (host:port) serving metrics at path.
type job struct {
	name, path string
	targets    []string
}

// startPrometheus runs prometheus scraping every job every second.
func startPrometheus(t *testing.T, jobs ...job) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed: apt-get install -y prometheus")
	}
	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n")
	for _, j := range jobs {
		quoted := make([]string, len(j.targets))
		for i, tg := range j.targets {
			quoted[i] = fmt.Sprintf("%q", tg)
		}
		fmt.Fprintf(&cfg, "  - job_name: %q\n    metrics_path: %q\n    static_configs:\n      - targets: [%s]\n",
			j.name, j.path, strings.Join(quoted, ", "))
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fixture.FreeAddr(t)
	fixture.Start(t, "prometheus", exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	))
	p := &prometheus{base: "http://" + addr}
	fixture.WaitHTTP(t, nil, p.base+"/-/ready", 30*time.Second)
	return p
}

// series is one element of an instant vector.
type series struct {
	Metric map[string]string
	Value  float64
}

// errQuery is returned when Prometheus rejects a query.
type errQuery struct{ kind, msg string }

func (e *errQuery) Error() string { return "prom: query rejected: " + e.kind + ": " + e.msg }

// query evaluates PromQL now and returns the instant vector (or a scalar as
// one series without labels).
func (p *prometheus) query(q string) ([]series, error) {
	resp, err := http.Get(p.base + "/api/v1/query?" + url.Values{"query": {q}}.Encode())
	if err != nil {
		return nil, fmt.Errorf("prom: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("prom: decoding answer to %q: %w", q, err)
	}
	if body.Status != "success" {
		return nil, &errQuery{body.ErrorType, body.Error}
	}
	switch body.Data.ResultType {
	case "vector":
		var raw []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(body.Data.Result, &raw); err != nil {
			return nil, fmt.Errorf("prom: %w", err)
		}
		out := make([]series, len(raw))
		for i, r := range raw {
			out[i].Metric = r.Metric
			if _, err := fmt.Sscan(fmt.Sprint(r.Value[1]), &out[i].Value); err != nil {
				return nil, fmt.Errorf("prom: value %v: %w", r.Value[1], err)
			}
		}
		return out, nil
	case "scalar":
		var v [2]any
		if err := json.Unmarshal(body.Data.Result, &v); err != nil {
			return nil, fmt.Errorf("prom: %w", err)
		}
		var f float64
		if _, err := fmt.Sscan(fmt.Sprint(v[1]), &f); err != nil {
			return nil, fmt.Errorf("prom: %w", err)
		}
		return []series{{Value: f}}, nil
	}
	return nil, fmt.Errorf("prom: unexpected result type %q for %q", body.Data.ResultType, q)
}

// waitScrapes waits until Prometheus has scraped every target n more times.
func (p *prometheus) waitScrapes(t *testing.T, n int) {
	t.Helper()
	count := func() float64 {
		s, err := p.query(`min(count_over_time(up[10m]))`)
		if err != nil || len(s) == 0 {
			return 0
		}
		return s[0].Value
	}
	want := count() + float64(n)
	fixture.Eventually(t, fmt.Sprintf("prometheus to scrape every target %d more times", n), time.Duration(n)*time.Second+15*time.Second,
		func() bool { return count() >= want })
}
