package ca

import (
	"bytes"
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

func TestRootRotation(t *testing.T) {
	dir := t.TempDir()
	c := newTestCA(t, Config{Dir: dir})
	events, cancel := c.Subscribe()
	defer cancel()
	changed := func(step string) {
		t.Helper()
		select {
		case <-events:
		default:
			t.Fatalf("no change event after %s", step)
		}
	}
	csr, _ := makeCSR(t, []string{webID})
	before, err := c.Sign(csr, web, 0)
	if err != nil {
		t.Fatal(err)
	}
	oldRoot := c.Bundle()[0]

	if err := c.ActivateRoot(0); !errors.Is(err, ErrNoStagedRoot) {
		t.Fatalf("ActivateRoot before StageRoot: %v", err)
	}
	if err := c.StageRoot(); err != nil {
		t.Fatal(err)
	}
	changed("staging")
	staged := c.Bundle()
	if len(staged) != 2 || !bytes.Equal(staged[0].Raw, oldRoot.Raw) {
		t.Fatalf("bundle after staging: %d roots, want the signing root then the staged one", len(staged))
	}
	mid, err := c.Sign(csr, web, 0)
	if err != nil {
		t.Fatal(err)
	}
	midCerts, _ := parseChain(t, mid)
	verifyChain(t, midCerts, []*x509.Certificate{oldRoot}) // still signed by the old root
	// A restart keeps the staged root.
	if !bytes.Equal(newTestCA(t, Config{Dir: dir}).BundlePEM(), c.BundlePEM()) {
		t.Fatal("bundle differs after a restart with a staged root")
	}

	if err := c.ActivateRoot(time.Hour); err != nil {
		t.Fatal(err)
	}
	changed("activation")
	bundle := c.Bundle()
	if len(bundle) != 2 || !bytes.Equal(bundle[0].Raw, staged[1].Raw) || !bytes.Equal(bundle[1].Raw, oldRoot.Raw) {
		t.Fatalf("bundle after activation: %d roots, want new then old", len(bundle))
	}
	after, err := c.Sign(csr, web, 0)
	if err != nil {
		t.Fatal(err)
	}
	newCerts, newRoots := parseChain(t, after)
	verifyChain(t, newCerts, bundle[:1]) // signed by the new root
	if len(newRoots) != 2 {
		t.Fatalf("response bundle has %d roots, want both during the overlap", len(newRoots))
	}
	oldCerts, _ := parseChain(t, before)
	verifyChain(t, oldCerts, newRoots) // an old leaf still verifies against the new bundle

	// A restart keeps the new root and the overlap.
	if !bytes.Equal(newTestCA(t, Config{Dir: dir}).BundlePEM(), c.BundlePEM()) {
		t.Fatal("bundle differs after a restart")
	}

	// After its overlap a retired root leaves the bundle.
	if err := c.StageRoot(); err != nil {
		t.Fatal(err)
	}
	if err := c.ActivateRoot(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	got := c.Bundle()
	if len(got) != 2 || !bytes.Equal(got[1].Raw, oldRoot.Raw) {
		t.Fatalf("bundle has %d roots, want the newest and the first (retired for an hour)", len(got))
	}
}

func TestRevoke(t *testing.T) {
	dir := t.TempDir()
	c := newTestCA(t, Config{Dir: dir})
	events, cancel := c.Subscribe()
	defer cancel()
	csr, _ := makeCSR(t, []string{webID})
	chain, err := c.Sign(csr, web, 0)
	if err != nil {
		t.Fatal(err)
	}
	certs, _ := parseChain(t, chain)
	serial := certs[0].SerialNumber

	if err := c.Revoke("00:" + SerialString(serial)); err != nil {
		t.Fatal(err)
	}
	<-events
	if !c.IsRevoked("", serial) {
		t.Fatal("serial not revoked")
	}
	if _, err := c.Sign(csr, web, 0); err != nil {
		t.Fatalf("revoking a serial should not block the identity: %v", err)
	}
	if err := c.Revoke(webID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sign(csr, web, 0); err == nil {
		t.Fatal("a revoked identity got a certificate")
	}
	for _, bad := range []string{"", "xyz", "spiffe://", "spiffe://td:80/x", "0"} {
		if err := c.Revoke(bad); err == nil {
			t.Errorf("Revoke(%q) accepted", bad)
		}
	}
	want := Revocations{Serials: []string{SerialString(serial)}, IDs: []string{webID}}
	c2 := newTestCA(t, Config{Dir: dir})
	for _, got := range []Revocations{c.Revocations(), c2.Revocations()} {
		if len(got.Serials) != 1 || got.Serials[0] != want.Serials[0] || len(got.IDs) != 1 || got.IDs[0] != webID {
			t.Fatalf("revocations %+v, want %+v", got, want)
		}
	}
}
