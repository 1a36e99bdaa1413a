// Package server is meshd's runner: it wires the config store (a watched
// directory with a write-through HTTP API), the service registry, Pilot's
// ADS server, the module store and the monitoring endpoints, and runs them
// until its context ends.
//
// Ports (Istio's numbers): 15010 xDS over plaintext gRPC; 15014 HTTP for
// /metrics, /ready, /debug/syncz, /debug/configz, /debug/registryz,
// /modules/ and the config API (/v1/configs). Config changes and registry
// changes are debounced and pushed only to the proxies whose resources
// changed.
//
// In Kubernetes mode (Config.Kubernetes) config comes from the cluster's
// CRDs (kubestore) and discovery from Services, EndpointSlices, Pods and
// Nodes (registry/kube) instead of the directory; proxies are served only
// once both have synced. The CA also accepts pods' service-account tokens
// (TokenReview, audience istio-ca) after meshd's bootstrap tokens, the
// admission webhooks are served over TLS on 15017 with a certificate from
// the CA, and /debug/leaderz tells whether this replica holds the leader
// Lease. Every replica serves xDS and the CA; only the leader writes to the
// cluster (it keeps the webhook configurations' caBundle equal to the CA's
// trust bundle).
package server
