// Package pki decodes the PEM material the CA (control/ca) and the proxy's
// agent (proxy/agent) both read: certificate chains and bundles, and
// private keys. It depends on the standard library only.
package pki
