package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmesh/wasmesh/proxy/agent/spiffe"
)

// fakeMeshd serves a bundle and a revocation list that the test changes.
type fakeMeshd struct {
	mu      sync.Mutex
	bundle  string
	revoked string
	fail    atomic.Bool
}

func (f *fakeMeshd) set(bundle, revoked string) {
	f.mu.Lock()
	f.bundle, f.revoked = bundle, revoked
	f.mu.Unlock()
}

func (f *fakeMeshd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.fail.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/ca/bundle.pem":
		_, _ = w.Write([]byte(f.bundle))
	case "/ca/revocations":
		_, _ = w.Write([]byte(f.revoked))
	default:
		http.NotFound(w, r)
	}
}

func derChain(t *testing.T, p string) [][]byte {
	t.Helper()
	b, _ := pem.Decode([]byte(p))
	if b == nil {
		t.Fatal("not PEM")
	}
	return [][]byte{b.Bytes}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 3s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPollInstallsBundleAndRevocations(t *testing.T) {
	ca1, ca2 := newTestCA(t), newTestCA(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const dbID = "spiffe://cluster.local/ns/default/sa/db"
	peer1 := derChain(t, ca1.leaf(t, key.Public(), dbID, time.Hour))
	peer2 := derChain(t, ca2.leaf(t, key.Public(), dbID, time.Hour))

	meshd := &fakeMeshd{}
	meshd.set(ca1.root(), `{"serials":[],"ids":[]}`)
	srv := httptest.NewServer(meshd)
	defer srv.Close()

	a, err := New(Config{CAAddress: "127.0.0.1:1", Token: "t", ID: webID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Poll(ctx, PollConfig{BundleURL: srv.URL + "/ca/bundle.pem", RevocationsURL: srv.URL + "/ca/revocations", Interval: 20 * time.Millisecond})
	}()
	defer func() { cancel(); <-done }()

	verifies := func(chain [][]byte) func() bool {
		return func() bool { _, err := a.VerifyPeer(chain); return err == nil }
	}
	eventually(t, "peer of the first root trusted", verifies(peer1))
	if _, err := a.VerifyPeer(peer2); err == nil {
		t.Fatal("peer of an unknown root trusted")
	}

	// A staged root: both trusted.
	meshd.set(ca1.root()+ca2.root(), `{"serials":[],"ids":[]}`)
	eventually(t, "peer of the staged root trusted", verifies(peer2))
	if _, err := a.VerifyPeer(peer1); err != nil {
		t.Fatalf("old root dropped while staged: %v", err)
	}

	// meshd unreachable: the last values stay.
	meshd.fail.Store(true)
	time.Sleep(100 * time.Millisecond)
	if _, err := a.VerifyPeer(peer2); err != nil {
		t.Fatalf("bundle lost while meshd is down: %v", err)
	}
	meshd.fail.Store(false)

	// A revoked SPIFFE ID is refused.
	meshd.set(ca1.root()+ca2.root(), `{"serials":[],"ids":["`+dbID+`"]}`)
	eventually(t, "revoked peer refused", func() bool {
		_, err := a.VerifyPeer(peer1)
		return errors.Is(err, spiffe.ErrRevoked)
	})

	// A bad list is ignored, the good one stays.
	meshd.set(ca1.root()+ca2.root(), `{"serials":["zz"]}`)
	time.Sleep(100 * time.Millisecond)
	if _, err := a.VerifyPeer(peer1); !errors.Is(err, spiffe.ErrRevoked) {
		t.Fatalf("a bad list replaced the good one: %v", err)
	}
}

func TestParseRevocations(t *testing.T) {
	s, ids, err := ParseRevocations([]byte(`{"serials":["ab"],"ids":["spiffe://td/ns/a/sa/b"]}`))
	if err != nil || len(s) != 1 || s[0] != "ab" || len(ids) != 1 {
		t.Fatalf("got %v %v %v", s, ids, err)
	}
	for _, bad := range []string{``, `[]`, `{"serials":"ab"}`, `{"other":1}`, `{} {}`} {
		if _, _, err := ParseRevocations([]byte(bad)); !errors.Is(err, ErrBadRevocations) {
			t.Errorf("%q: err = %v, want ErrBadRevocations", bad, err)
		}
	}
}

func FuzzParseRevocations(f *testing.F) {
	f.Add([]byte(`{"serials":["ab"],"ids":["spiffe://td/ns/a/sa/b"]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"serials":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		serials, ids, err := ParseRevocations(b)
		if err != nil {
			if serials != nil || ids != nil {
				t.Fatal("values with an error")
			}
			return
		}
		_, _ = spiffe.NewRevocations(serials, ids) // must not panic
	})
}
