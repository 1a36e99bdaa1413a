package ui

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Istio's metric names the topology is built from.
const (
	metricRequests = "istio_requests_total"
	metricBuckets  = "istio_request_duration_milliseconds_bucket"
)

// Snapshot is one scrape of every proxy: the samples of all of them
// together, taken at At.
type Snapshot struct {
	At      time.Time
	Samples []Sample
}

// Graph is the service topology.
type Graph struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// WindowSeconds is the time between the two scrapes the rates are
	// computed over; 0 when there was only one scrape, so no rates.
	WindowSeconds float64 `json:"windowSeconds"`
}

// Node is a workload (a set of pods or VMs running one version of an app),
// a service (a host name clients call), or the unknown caller outside the
// mesh.
type Node struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"` // workload, service, unknown
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// Edge is traffic from Source to Target (node IDs). Counts are over the
// window between the two scrapes, or since the proxies started when there
// was only one scrape.
type Edge struct {
	Source string `json:"source"`
	Target string `json:"target"`
	// Requests in the window.
	Requests float64 `json:"requests"`
	// RPS is requests per second over the window (0 without a window).
	RPS float64 `json:"rps"`
	// ErrorRate is the fraction of requests answered 5xx (or not at all).
	ErrorRate float64 `json:"errorRate"`
	// DeniedRate is the fraction answered 401 or 403.
	DeniedRate float64 `json:"deniedRate"`
	// P90Ms is the 90th percentile latency, interpolated within the
	// histogram's buckets as PromQL's histogram_quantile does; nil without
	// observations.
	P90Ms *float64 `json:"p90Ms"`
}

const unknown = "unknown"

// BuildGraph computes the topology from two snapshots; prev may be nil.
// Both reporters (client and server sidecar) count each request, so an
// edge from a workload to a service uses the client's series when there
// are any and the server's otherwise (a caller outside the mesh), and an
// edge from a service to the workload serving it uses the server's.
func BuildGraph(prev, cur *Snapshot) Graph {
	g := Graph{Nodes: []Node{}, Edges: []Edge{}}
	if cur == nil {
		return g
	}
	var old map[string]float64
	if prev != nil {
		old = make(map[string]float64, len(prev.Samples))
		for _, s := range prev.Samples {
			old[seriesKey(s)] += s.Value
		}
		g.WindowSeconds = cur.At.Sub(prev.At).Seconds()
	}
	merged := map[string]Sample{}
	for _, s := range cur.Samples {
		if s.Name != metricRequests && s.Name != metricBuckets {
			continue
		}
		k := seriesKey(s)
		if m, ok := merged[k]; ok {
			m.Value += s.Value
			merged[k] = m
		} else {
			merged[k] = s
		}
	}
	// Which (caller, service) pairs the client side reports, and which
	// (service, workload) pairs the server side reports.
	bySource, byDest := map[[2]string]bool{}, map[[2]string]bool{}
	for _, s := range merged {
		src, svc, dst := endpoints(s.Labels)
		switch s.Labels["reporter"] {
		case "source":
			bySource[[2]string{src.ID, svc.ID}] = true
		case "destination":
			byDest[[2]string{svc.ID, dst.ID}] = true
		}
	}
	nodes := map[string]Node{}
	edges := map[[2]string]*edgeAcc{}
	add := func(from, to Node, s Sample, delta float64) {
		nodes[from.ID], nodes[to.ID] = from, to
		k := [2]string{from.ID, to.ID}
		e := edges[k]
		if e == nil {
			e = &edgeAcc{buckets: map[float64]float64{}}
			edges[k] = e
		}
		e.add(s, delta)
	}
	for k, s := range merged {
		delta := s.Value
		if old != nil {
			if d := s.Value - old[k]; d >= 0 {
				delta = d
			} // else the counter was reset: everything since is new
		}
		src, svc, dst := endpoints(s.Labels)
		reporter := s.Labels["reporter"]
		if reporter == "source" || !bySource[[2]string{src.ID, svc.ID}] {
			add(src, svc, s, delta)
		}
		if dst.Kind == "workload" && (reporter == "destination" || !byDest[[2]string{svc.ID, dst.ID}]) {
			add(svc, dst, s, delta)
		}
	}
	for _, n := range nodes {
		g.Nodes = append(g.Nodes, n)
	}
	slices.SortFunc(g.Nodes, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	for k, e := range edges {
		g.Edges = append(g.Edges, e.edge(k[0], k[1], g.WindowSeconds))
	}
	slices.SortFunc(g.Edges, func(a, b Edge) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Target, b.Target))
	})
	return g
}

// endpoints names the caller, the service called and the workload serving
// it from Istio's labels.
func endpoints(l map[string]string) (src, svc, dst Node) {
	src = workloadNode(l["source_workload"], l["source_workload_namespace"])
	host := orUnknown(l["destination_service"])
	svc = Node{ID: "svc:" + host, Kind: "service", Name: host, Namespace: l["destination_service_namespace"]}
	dst = workloadNode(l["destination_workload"], l["destination_workload_namespace"])
	return src, svc, dst
}

func workloadNode(name, ns string) Node {
	if name == "" || name == unknown {
		return Node{ID: unknown, Kind: unknown, Name: unknown}
	}
	return Node{ID: "wl:" + ns + "/" + name, Kind: "workload", Name: name, Namespace: ns}
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}

// seriesKey identifies a series by its name and labels.
func seriesKey(s Sample) string {
	names := make([]string, 0, len(s.Labels))
	for n := range s.Labels {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(s.Name)
	for _, n := range names {
		b.WriteByte(0)
		b.WriteString(n)
		b.WriteByte(0)
		b.WriteString(s.Labels[n])
	}
	return b.String()
}

type edgeAcc struct {
	requests, errors, denied float64
	buckets                  map[float64]float64 // upper bound → cumulative count
}

func (e *edgeAcc) add(s Sample, delta float64) {
	if s.Name == metricBuckets {
		if le, err := parseValue(s.Labels["le"]); err == nil {
			e.buckets[le] += delta
		}
		return
	}
	e.requests += delta
	code, _ := strconv.Atoi(s.Labels["response_code"])
	switch {
	case code == 0 || code >= 500:
		e.errors += delta
	case code == 401 || code == 403:
		e.denied += delta
	}
}

func (e *edgeAcc) edge(from, to string, window float64) Edge {
	out := Edge{Source: from, Target: to, Requests: e.requests}
	if window > 0 {
		out.RPS = e.requests / window
	}
	if e.requests > 0 {
		out.ErrorRate = e.errors / e.requests
		out.DeniedRate = e.denied / e.requests
	}
	if q, ok := quantile(0.9, e.buckets); ok {
		out.P90Ms = &q
	}
	return out
}

// quantile estimates the q-quantile from cumulative bucket counts the way
// PromQL's histogram_quantile does: linear interpolation inside the bucket
// holding the rank, the lower bound of the first bucket taken as 0, and the
// highest finite bound when the rank falls in the +Inf bucket.
func quantile(q float64, buckets map[float64]float64) (float64, bool) {
	les := make([]float64, 0, len(buckets))
	for le := range buckets {
		if !math.IsNaN(le) {
			les = append(les, le)
		}
	}
	slices.Sort(les)
	if len(les) < 2 || !math.IsInf(les[len(les)-1], 1) {
		return 0, false
	}
	total := buckets[les[len(les)-1]]
	if total <= 0 {
		return 0, false
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, le := range les {
		c := buckets[le]
		if c >= rank {
			if math.IsInf(le, 1) {
				return lower, true
			}
			if c == below {
				return le, true
			}
			return lower + (le-lower)*(rank-below)/(c-below), true
		}
		lower, below = le, c
	}
	return lower, true
}
