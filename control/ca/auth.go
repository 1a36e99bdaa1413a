package ca

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"
)

// Authenticator establishes who is calling the CA. TokenStore is the file-mode
// implementation; the Kubernetes integration adds one based on TokenReview.
// It returns an error wrapping ErrUnauthenticated when the caller is not known.
type Authenticator interface {
	Authenticate(ctx context.Context) (Identity, error)
}

// BearerToken returns the token of the caller's "authorization: Bearer <token>"
// gRPC metadata.
func BearerToken(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) != 1 {
		return "", fmt.Errorf("%w: want one authorization header, got %d", ErrUnauthenticated, len(vals))
	}
	scheme, token, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", fmt.Errorf("%w: authorization is not a bearer token", ErrUnauthenticated)
	}
	return strings.TrimSpace(token), nil
}
