// Package inject adds the meshproxy sidecar to Kubernetes workloads, the way
// Istio's sidecar injector does.
//
// It is one pure library used by two callers: the mutating admission webhook
// (which injects a single Pod and answers with a JSON patch, see Patch) and
// `meshctl inject -f app.yaml` (which rewrites Deployments, StatefulSets,
// DaemonSets, ReplicaSets, Jobs, CronJobs and Pods in a multi-document YAML
// stream, see Manifest).
//
// Manifests are handled as generic JSON objects, so fields this package does
// not know survive injection untouched. Injection is idempotent: a pod that
// carries the sidecar.istio.io/status annotation is left as it is.
//
// What is added:
//   - an init container that runs `meshproxy iptables` to redirect inbound
//     traffic to 15006 and outbound traffic to 15001, excluding the proxy's
//     own uid and the ports and ranges named by the
//     traffic.sidecar.istio.io/* annotations;
//   - the meshproxy container with the pod's identity from the downward API,
//     its ports, readiness probe and resources (sidecar.istio.io/proxyCPU,
//     proxyMemory, proxyCPULimit, proxyMemoryLimit);
//   - the app's HTTP probes rewritten to go through the proxy's status port,
//     as Istio's rewriteAppHTTPProbers does;
//   - the volumes the proxy needs (its workdir, the credential directory and
//     a projected service-account token for the CA).
package inject
