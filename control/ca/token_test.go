package ca

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
)

func withAuth(v ...string) context.Context {
	md := metadata.MD{}
	for _, s := range v {
		md.Append("authorization", s)
	}
	return metadata.NewIncomingContext(context.Background(), md)
}

func TestTokenStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	s, err := OpenTokenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Mint(web)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mint(Identity{Namespace: "Bad", ServiceAccount: "x"}); err == nil {
		t.Fatal("minted a token for an invalid identity")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), tok) || strings.Contains(string(b), strings.TrimPrefix(tok, tokenPrefix)) {
		t.Fatal("the token file holds the token itself, not its hash")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", st.Mode().Perm())
	}

	reopened, err := OpenTokenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []*TokenStore{s, reopened} {
		id, err := st.Authenticate(withAuth("Bearer " + tok))
		if err != nil || id != web {
			t.Fatalf("Authenticate = %v, %v", id, err)
		}
	}
	for name, ctx := range map[string]context.Context{
		"no metadata":   context.Background(),
		"no token":      withAuth(),
		"unknown token": withAuth("Bearer wmt_nope"),
		"basic auth":    withAuth("Basic " + tok),
		"empty bearer":  withAuth("Bearer "),
		"two tokens":    withAuth("Bearer "+tok, "Bearer "+tok),
	} {
		if _, err := s.Authenticate(ctx); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want ErrUnauthenticated", name, err)
		}
	}
}
