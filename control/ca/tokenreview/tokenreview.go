package tokenreview

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/wasmesh/wasmesh/control/ca"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// serviceAccountPrefix starts the user name of every service-account token.
const serviceAccountPrefix = "system:serviceaccount:"

// Authenticator is a ca.Authenticator backed by the TokenReview API.
type Authenticator struct {
	client kubernetes.Interface
	// audiences the token must be issued for; empty accepts the API
	// server's default audiences.
	audiences []string
}

var _ ca.Authenticator = (*Authenticator)(nil)

// New returns an Authenticator that asks the API server of client to review
// tokens, requiring one of audiences (none: the API server's own).
func New(client kubernetes.Interface, audiences ...string) *Authenticator {
	return &Authenticator{client: client, audiences: audiences}
}

// Authenticate reviews the caller's bearer token. A missing, invalid,
// expired or wrong-audience token, or one that is not a service account's,
// yields an error wrapping ca.ErrUnauthenticated; an API server failure
// does not.
func (a *Authenticator) Authenticate(ctx context.Context) (ca.Identity, error) {
	token, err := ca.BearerToken(ctx)
	if err != nil {
		return ca.Identity{}, err
	}
	return a.Review(ctx, token)
}

// Review checks one token.
func (a *Authenticator) Review(ctx context.Context, token string) (ca.Identity, error) {
	res, err := a.client.AuthenticationV1().TokenReviews().Create(ctx, &authnv1.TokenReview{
		Spec: authnv1.TokenReviewSpec{Token: token, Audiences: a.audiences},
	}, metav1.CreateOptions{})
	if err != nil {
		return ca.Identity{}, fmt.Errorf("tokenreview: review failed: %w", err)
	}
	st := res.Status
	if !st.Authenticated {
		reason := st.Error
		if reason == "" {
			reason = "token not accepted"
		}
		return ca.Identity{}, fmt.Errorf("%w: tokenreview: %s", ca.ErrUnauthenticated, reason)
	}
	if len(a.audiences) > 0 && !slices.ContainsFunc(st.Audiences, func(s string) bool { return slices.Contains(a.audiences, s) }) {
		return ca.Identity{}, fmt.Errorf("%w: tokenreview: token audiences %v, want one of %v", ca.ErrUnauthenticated, st.Audiences, a.audiences)
	}
	id, err := identityOf(st.User.Username)
	if err != nil {
		return ca.Identity{}, err
	}
	return id, nil
}

// identityOf parses "system:serviceaccount:<ns>:<sa>".
func identityOf(user string) (ca.Identity, error) {
	rest, ok := strings.CutPrefix(user, serviceAccountPrefix)
	ns, sa, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return ca.Identity{}, fmt.Errorf("%w: tokenreview: %q is not a service account", ca.ErrUnauthenticated, user)
	}
	id := ca.Identity{Namespace: ns, ServiceAccount: sa}
	if err := id.Validate(); err != nil {
		return ca.Identity{}, fmt.Errorf("%w: tokenreview: %v", ca.ErrUnauthenticated, err)
	}
	return id, nil
}
