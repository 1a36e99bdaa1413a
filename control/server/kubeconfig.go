package server

import (
	"errors"
	"os"
	"time"

	"k8s.io/client-go/rest"

	"github.com/wasmesh/wasmesh/control/kube"
)

// KubeConfig runs meshd in Kubernetes mode: config from the cluster's
// CRDs, discovery from Services, EndpointSlices, Pods and Nodes, CSRs
// authenticated with TokenReview, and the admission webhooks.
type KubeConfig struct {
	// Rest reaches the API server (required): a kubeconfig's or the
	// in-cluster config.
	Rest *rest.Config
	// WebhookAddr serves the validating and mutating admission webhooks
	// over TLS with a certificate from the mesh CA (Istio's 15017); empty
	// disables them. Needs the CA (Config.SecureXDSAddr).
	WebhookAddr string
	// Namespace is meshd's own namespace, of the leader Lease and the
	// webhook's Service name; kube.DefaultNamespace when empty.
	Namespace string
	// LeaseName is the Lease the replicas elect a leader on; empty means
	// this replica is alone and always leads.
	LeaseName string
	// Identity names this replica in the Lease (the pod name); the host
	// name when empty.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod of the election; 15s,
	// 10s and 2s when zero.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// TokenAudience is the audience a pod's token must carry for the CA;
	// "istio-ca" when empty.
	TokenAudience string
	// DomainSuffix of service host names; "cluster.local" when empty.
	DomainSuffix string
}

func (k KubeConfig) withDefaults() (KubeConfig, error) {
	if k.Rest == nil {
		return k, errors.New("server: kubernetes mode needs an API server config")
	}
	if k.Namespace == "" {
		k.Namespace = kube.DefaultNamespace
	}
	if k.Identity == "" {
		h, err := os.Hostname()
		if err != nil {
			return k, errors.New("server: kubernetes mode needs a replica identity (no host name)")
		}
		k.Identity = h
	}
	if k.TokenAudience == "" {
		k.TokenAudience = "istio-ca"
	}
	if k.DomainSuffix == "" {
		k.DomainSuffix = "cluster.local"
	}
	return k, nil
}
