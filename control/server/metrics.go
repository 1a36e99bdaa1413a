package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wasmesh/wasmesh/control/pilot/xds"
)

// metrics are meshd's Prometheus metrics (Istio's pilot_* names where
// Istio has one).
type metrics struct {
	reg      *prometheus.Registry
	pushTime *prometheus.HistogramVec
	pushes   *prometheus.CounterVec
	proxies  prometheus.GaugeFunc
	nacks    prometheus.GaugeFunc
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.pushTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "pilot_push_duration_seconds",
		Help:    "Time to translate and push a configuration change to every connected proxy.",
		Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"reason"})
	m.pushes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "pilot_xds_pushes",
		Help: "Proxy snapshots by outcome (pushed: changed; skipped: unchanged; failed: translation error)."}, []string{"outcome"})
	m.proxies = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pilot_xds", Help: "Connected proxies."},
		func() float64 { return float64(len(s.xds.Status())) })
	m.nacks = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "pilot_xds_rejected_proxies", Help: "Proxies whose last answer for some type was a NACK."},
		func() float64 { return float64(rejected(s.xds.Status())) })
	m.reg.MustRegister(m.pushTime, m.pushes, m.proxies, m.nacks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func rejected(st []xds.ProxyStatus) int {
	n := 0
	for _, p := range st {
		for _, t := range p.Types {
			if t.Error != "" {
				n++
				break
			}
		}
	}
	return n
}

func (m *metrics) observePush(why string, d time.Duration, st xds.PushStats) {
	m.pushTime.WithLabelValues(why).Observe(d.Seconds())
	m.pushes.WithLabelValues("pushed").Add(float64(st.Pushed))
	m.pushes.WithLabelValues("skipped").Add(float64(st.Proxies - st.Pushed - st.Failed))
	m.pushes.WithLabelValues("failed").Add(float64(st.Failed))
}
