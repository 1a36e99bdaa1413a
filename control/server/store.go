package server

import (
	"context"

	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/configapi"
	"github.com/wasmesh/wasmesh/control/config/dirstore"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
)

// configStore is what meshd needs of a config store: the config API's
// reads and writes, change notifications and a runner. The file store
// (dirstore) and the Kubernetes store (kubestore) both are one.
type configStore interface {
	configapi.Store
	Subscribe() (<-chan *config.Snapshot, func())
	Run(ctx context.Context) error
}

var (
	_ configStore = (*dirstore.Store)(nil)
	_ configStore = (*kubestore.Store)(nil)
)

// configSource names where config comes from, for logs.
func (s *Server) configSource() string {
	if s.kube != nil {
		return "kubernetes"
	}
	return s.cfg.ConfigDir
}
