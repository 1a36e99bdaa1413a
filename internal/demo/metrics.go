package demo

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// sample is one istio_requests_total line.
type sample struct {
	labels map[string]string
	value  float64
}

// inbound returns the istio_requests_total samples a sidecar reported on
// its inbound side (reporter="destination") for requests to the service
// named app: the requests that workload served.
func inbound(text io.Reader, app string) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(text)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "istio_requests_total{")
		if !ok {
			continue
		}
		end := strings.LastIndex(rest, "}")
		if end < 0 {
			continue
		}
		labels, err := parseLabels(rest[:end])
		if err != nil {
			return nil, fmt.Errorf("demo: metrics line %q: %w", line, err)
		}
		if labels["reporter"] != "destination" || labels["destination_service_name"] != app {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest[end+1:]), 64)
		if err != nil {
			return nil, fmt.Errorf("demo: metrics line %q: %w", line, err)
		}
		out = append(out, sample{labels, v})
	}
	return out, sc.Err()
}

// sum adds the values of the samples for which keep is true (nil: all).
func sum(ss []sample, keep func(map[string]string) bool) float64 {
	var n float64
	for _, s := range ss {
		if keep == nil || keep(s.labels) {
			n += s.value
		}
	}
	return n
}

// parseLabels reads the label set of one Prometheus text-format sample.
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, ", ")
		if s == "" {
			break
		}
		name, rest, ok := strings.Cut(s, "=\"")
		if !ok {
			return nil, fmt.Errorf("label without a quoted value near %q", s)
		}
		var v strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
				switch rest[i] {
				case 'n':
					v.WriteByte('\n')
				default:
					v.WriteByte(rest[i])
				}
				continue
			}
			v.WriteByte(rest[i])
		}
		if i >= len(rest) {
			return nil, fmt.Errorf("unterminated value of %s", name)
		}
		out[name] = v.String()
		s = rest[i+1:]
	}
	return out, nil
}

// scrape reads the inbound samples of each of app's sidecars, by version.
func (r *run) scrape(ctx context.Context, app string) (map[string][]sample, error) {
	out := map[string][]sample{}
	for _, w := range r.ws {
		if w.app != app {
			continue
		}
		url := fmt.Sprintf("http://127.0.0.1:%d/stats/prometheus", w.status)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := r.client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("demo: scraping %s: %w", w.name(), err)
		}
		ss, err := inbound(resp.Body, app)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		out[w.version] = ss
	}
	return out, nil
}

// totals sums each version's samples.
func totals(by map[string][]sample, keep func(map[string]string) bool) map[string]float64 {
	out := map[string]float64{}
	for v, ss := range by {
		out[v] = sum(ss, keep)
	}
	return out
}
