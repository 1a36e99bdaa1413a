package proxy

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/wasmesh/wasmesh/proxy/xdsclient"
)

func secretYAML(name string, certPEM, keyPEM []byte) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
name: %s
tls_certificate: {certificate_chain: {inline_string: %q}, private_key: {inline_string: %q}}
`, name, certPEM, keyPEM)
}

func caYAML(name string, caPEM []byte) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret
name: %s
validation_context: {trusted_ca: {inline_string: %q}}
`, name, caPEM)
}

// tlsListener terminates mTLS with SDS secrets "server-cert" and "ROOTCA",
// requiring a client certificate whose SAN matches san.
func tlsListener(name, san string) string {
	return fmt.Sprintf(`
"@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: %s
address: {socket_address: {address: 127.0.0.1, port_value: 0}}
listener_filters: [{name: envoy.filters.listener.tls_inspector, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector}}]
filter_chains:
- filter_chain_match: {transport_protocol: tls}
  transport_socket:
    name: envoy.transport_sockets.tls
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
      require_client_certificate: true
      common_tls_context:
        alpn_protocols: [h2, http/1.1]
        tls_certificate_sds_secret_configs: [{name: server-cert, sds_config: {ads: {}}}]
        combined_validation_context:
          default_validation_context: {match_subject_alt_names: [{exact: %q}]}
          validation_context_sds_secret_config: {name: ROOTCA, sds_config: {ads: {}}}
  filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: tls
      rds: {route_config_name: rds, config_source: {ads: {}}}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
- filter_chain_match: {transport_protocol: raw_buffer}
  filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: plain
      route_config: {name: inline, virtual_hosts: [{name: p, domains: ["*"], routes: [{match: {prefix: /}, direct_response: {status: 200, body: {inline_string: plaintext-chain}}}]}]}
      http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]
`, name, san)
}

func TestDownstreamAndUpstreamMTLS(t *testing.T) {
	ca := newCA(t)
	sCert, sKey, _ := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/proxy")
	_, _, client := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/client")
	_, _, stranger := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/stranger")
	_, _, upstreamPair := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/backend")

	// An mTLS backend that requires the proxy's client certificate.
	peer := make(chan string, 10)
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer <- r.TLS.PeerCertificates[0].URIs[0].String()
		fmt.Fprintf(w, "secure %s", r.Proto)
	}))
	be.TLS = &tls.Config{Certificates: []tls.Certificate{upstreamPair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool(), NextProtos: []string{"h2", "http/1.1"}}
	be.Config.ErrorLog = log.New(io.Discard, "", 0) // the wrong-SAN case makes it log handshake errors
	be.StartTLS()
	defer be.Close()
	beAddr := strings.TrimPrefix(be.URL, "https://")

	upTLS := func(san string) string {
		return fmt.Sprintf(`transport_socket:
  name: envoy.transport_sockets.tls
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
    sni: backend.test
    common_tls_context:
      tls_certificate_sds_secret_configs: [{name: server-cert}]
      combined_validation_context:
        default_validation_context: {match_typed_subject_alt_names: [{san_type: URI, matcher: {exact: %q}}]}
        validation_context_sds_secret_config: {name: ROOTCA}`, san)
	}
	e := start(t, res(t, tlsListener("l", "spiffe://cluster.local/ns/default/sa/client")),
		res(t, staticCluster("secure", upTLS("spiffe://cluster.local/ns/default/sa/backend"), beAddr)),
		res(t, staticCluster("wrongsan", upTLS("spiffe://cluster.local/ns/default/sa/other"), beAddr)))
	if err := e.p.OnUpdate(xdsclient.SecretType, "s1", map[string]proto.Message{"server-cert": res(t, secretYAML("server-cert", sCert, sKey)),
		"ROOTCA": res(t, caYAML("ROOTCA", ca.pem))}); err != nil {
		t.Fatal(err)
	}
	e.routes("l", routesYAML(`{match: {prefix: /wrong}, route: {cluster: wrongsan}}, {match: {prefix: /}, route: {cluster: secure}}`))
	addr := e.p.ListenerAddr("l").String()

	mk := func(cert tls.Certificate, h2 bool) *http.Client {
		cfg := &tls.Config{RootCAs: ca.pool(), Certificates: []tls.Certificate{cert}, ServerName: "localhost"}
		tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: h2}
		if !h2 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		return &http.Client{Transport: tr, Timeout: 5 * time.Second}
	}
	for _, h2 := range []bool{false, true} {
		resp, err := mk(client, h2).Get("https://" + addr + "/")
		if err != nil {
			t.Fatalf("h2=%v: %v", h2, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantProto := "HTTP/1.1"
		if h2 {
			wantProto = "HTTP/2.0"
		}
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "secure") || resp.Proto != wantProto {
			t.Errorf("h2=%v: %d %q over %s", h2, resp.StatusCode, body, resp.Proto)
		}
		if got := <-peer; got != "spiffe://cluster.local/ns/default/sa/proxy" {
			t.Errorf("backend saw client identity %q", got)
		}
	}
	if _, err := mk(stranger, false).Get("https://" + addr + "/"); err == nil {
		t.Error("client with a non-matching SAN was accepted")
	}
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool(), ServerName: "localhost"}}, Timeout: 5 * time.Second}
	if _, err := noCert.Get("https://" + addr + "/"); err == nil {
		t.Error("client without certificate was accepted")
	}
	resp, err := mk(client, false).Get("https://" + addr + "/wrong")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("upstream with wrong SAN: %d, want 503", resp.StatusCode)
	}
	// The raw_buffer chain on the same port answers plaintext.
	if _, body := get(t, "http://"+addr+"/"); body != "plaintext-chain" {
		t.Errorf("plaintext chain: %q", body)
	}
	// SDS rotation: a new server certificate is used for new handshakes without a listener change.
	nCert, nKey, _ := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/rotated")
	if err := e.p.OnUpdate(xdsclient.SecretType, "s2", map[string]proto.Message{"server-cert": res(t, secretYAML("server-cert", nCert, nKey)),
		"ROOTCA": res(t, caYAML("ROOTCA", ca.pem))}); err != nil {
		t.Fatal(err)
	}
	c := mk(client, false)
	resp, err = c.Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.TLS.PeerCertificates[0].URIs[0].String(); got != "spiffe://cluster.local/ns/default/sa/rotated" {
		t.Errorf("after rotation the proxy presented %s", got)
	}
}

// HTTP/2 to a TLS upstream (ALPN h2) with inline trust and SAN check.
func TestUpstreamH2OverTLS(t *testing.T) {
	ca := newCA(t)
	_, _, pair := ca.leaf(t, "spiffe://cluster.local/ns/default/sa/backend")
	be := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Proto) }))
	be.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"h2"}}
	be.EnableHTTP2 = true
	be.StartTLS()
	defer be.Close()
	e := start(t, res(t, httpListener("l", "")), res(t, staticCluster("h2tls", fmt.Sprintf(`%s
transport_socket:
  name: envoy.transport_sockets.tls
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
    common_tls_context:
      validation_context:
        trusted_ca: {inline_string: %q}
        match_typed_subject_alt_names: [{san_type: URI, matcher: {prefix: "spiffe://cluster.local/"}}]`, h2Options, ca.pem), strings.TrimPrefix(be.URL, "https://"))))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: h2tls}}`))
	if resp, body := get(t, u+"/"); resp.StatusCode != 200 || body != "HTTP/2.0" {
		t.Fatalf("upstream h2 over TLS: %d %q", resp.StatusCode, body)
	}
}
