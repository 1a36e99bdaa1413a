// The proxy consults the agent's revocation list in its TLS peer
// verification (proxy/config.Secret.Verify, called by proxy/cluster's
// verifyPeer, set for ROOTCA in cmd/meshproxy's agentSecrets).

package e2e

import (
	"net/http"
	"testing"
	"time"
)

// TestMTLSRevokedPeerRefused: a workload revoked by SPIFFE ID at meshd is
// refused by its peers within mtlsDistribute, without a restart. Requests
// 300ms apart each make a new handshake (the mesh's 100ms upstream idle
// timeout): a revocation refuses new handshakes, while connections
// established before it live on, as in Envoy.
func TestMTLSRevokedPeerRefused(t *testing.T) {
	m := startMTLSMesh(t)
	for range 10 {
		if err := m.get(); err != nil {
			t.Fatalf("before the revocation: %v", err)
		}
	}
	if code := m.admin(http.MethodPost, "/ca/revocations", `{"spiffeID":"spiffe://cluster.local/ns/default/sa/frontend"}`, nil); code != http.StatusOK {
		t.Fatalf("revoke: %d", code)
	}
	revoked := time.Now()
	var err error
	for err = m.get(); err == nil; err = m.get() {
		if time.Since(revoked) > mtlsDistribute {
			t.Fatalf("frontend is still served %s after its revocation", mtlsDistribute)
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("frontend refused %s after its revocation: %v", time.Since(revoked).Round(10*time.Millisecond), err)
	for i := range 5 {
		time.Sleep(300 * time.Millisecond)
		if err := m.get(); err == nil {
			t.Fatalf("request %d after the refusal succeeded", i)
		}
	}
}
