// Package proxy is meshproxy's runner: it takes Envoy v3 resources from the
// bootstrap and from xDS (it implements xdsclient.Handler), translates them
// with proxy/config, and applies them to the cluster and listener managers
// without restart: listeners warm until their routes (RDS) and filter configs
// (ECDS) are present, a new route version waits for the EDS clusters it names
// (clusters before routes), replaced listeners drain, and a resource that cannot be
// translated NACKs the whole push while the previous config keeps serving.
// It also serves the admin API (config_dump, clusters, stats, ready,
// logging, quitquitquit).
package proxy
