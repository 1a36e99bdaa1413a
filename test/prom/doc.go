// Package prom checks the mesh's metrics with a real Prometheus (Debian's
// prometheus package): sidecar-style endpoints on loopback expose Istio's
// request metrics as the telemetry filter names them, known traffic goes
// through them, and the PromQL that Istio's dashboards use returns the
// expected series. The Grafana dashboards in dashboards/ are checked against
// the same server: every panel's query must parse and evaluate.
//
// Needs: apt-get install -y prometheus.
package prom
