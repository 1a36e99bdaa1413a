package kubestore

import (
	"fmt"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/configapi"
)

// The store serves meshd's config API (meshctl apply) as the file store does.
var _ configapi.Store = (*Store)(nil)

// ApplyFile decodes data strictly (name is the file name used in errors,
// e.g. the one the user gave to meshctl apply -f) and applies every config
// it holds, as dirstore.Store.ApplyFile does. Nothing is written unless
// every document is valid and no config is defined twice.
func (s *Store) ApplyFile(name string, data []byte) ([]api.Config, error) {
	snap, err := config.ParseSnapshot(name, data)
	if err != nil {
		return nil, err
	}
	if snap.Len() == 0 {
		return nil, config.ErrorList{{File: name, Message: "no configs found"}}.Err()
	}
	var out []api.Config
	for _, c := range snap.All() {
		got, err := s.Apply(c)
		if err != nil {
			return out, fmt.Errorf("kubestore: applied %d of %d configs, then %s: %w", len(out), snap.Len(), c.Key(), err)
		}
		out = append(out, got)
	}
	return out, nil
}
