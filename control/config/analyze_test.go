package config

import (
	"strings"
	"testing"
)

func TestAnalyze(t *testing.T) {
	in := `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  gateways: [ingress, mesh]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v9}
      weight: 50
    mirror: {host: shadow.example.com}
  - delegate: {name: other}
  tcp:
  - route:
    - destination: {host: api.example.com}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews.bookinfo.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: bookinfo}
spec:
  hosts: ["*.example.com"]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
  endpoints: [{address: 127.0.0.1}]
`
	s, err := ParseSnapshot("a.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := Analyze(s, AnalyzeOptions{Hosts: []string{"reviews.bookinfo.svc.cluster.local"}})
	var lines []string
	for _, w := range got {
		lines = append(lines, w.Error())
	}
	want := []string{
		`a.yaml:6: spec.gateways[0]: VirtualService bookinfo/reviews: gateway bookinfo/ingress is not defined`,
		`a.yaml:11: spec.http[0].route[1].destination.subset: VirtualService bookinfo/reviews: subset "v9" of host "reviews" is not defined by any DestinationRule`,
		`a.yaml:14: spec.http[1].delegate: VirtualService bookinfo/reviews: delegate VirtualService bookinfo/other is not defined`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// Without the registry host, the route host is unknown too (a warning,
	// not an error: the config was accepted above).
	got = Analyze(s, AnalyzeOptions{})
	if len(got) != 6 {
		t.Errorf("warnings without registry = %d: %v", len(got), got)
	}
}

func TestAnalyzeNamespaceWide(t *testing.T) {
	in := `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: a}
spec:
  egress: [{hosts: ["./*"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: b}
spec:
  egress: [{hosts: ["*/*"]}]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: c}
spec:
  workloadSelector: {labels: {app: x}}
  egress: [{hosts: ["*/*"]}]
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p1}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p2, namespace: other}
spec: {}
`
	s, err := ParseSnapshot("n.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := Analyze(s, AnalyzeOptions{})
	want := `n.yaml:10: spec: Sidecar default/b: namespace default already has the namespace-wide Sidecar "a"; this one is ignored`
	if len(got) != 1 || got[0].Error() != want {
		t.Fatalf("got %v\nwant %s", got, want)
	}
}
