package server

import (
	"context"
	"errors"

	"github.com/wasmesh/wasmesh/control/ca"
)

// authChain asks each authenticator in turn (meshd's bootstrap tokens, then
// Kubernetes TokenReview): the first that knows the caller wins. A failure
// other than ca.ErrUnauthenticated (e.g. the API server is unreachable)
// ends the search with that error.
type authChain []ca.Authenticator

var _ ca.Authenticator = authChain(nil)

func (a authChain) Authenticate(ctx context.Context) (ca.Identity, error) {
	err := ca.ErrUnauthenticated
	for _, x := range a {
		id, e := x.Authenticate(ctx)
		if e == nil {
			return id, nil
		}
		if !errors.Is(e, ca.ErrUnauthenticated) {
			return ca.Identity{}, e
		}
		err = e
	}
	return ca.Identity{}, err
}
