// Package ca is wasmesh's Citadel: a certificate authority that signs
// workload certificates carrying SPIFFE identities
// (spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>).
//
// The signing key is either a self-signed ECDSA P-256 root generated on first
// start and kept in a state directory, or a plug-in CA read from Istio's
// cacerts files (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem).
// Server serves Istio's IstioCertificateService/CreateCertificate over gRPC:
// the caller is authenticated by an Authenticator (TokenStore issues
// per-workload bootstrap tokens) and may only obtain a certificate for its
// own identity. The trust bundle (with an overlap period across a root
// rotation) and the revocation list are exposed with change notifications
// for meshd to push to proxies.
//
// A root rotation has two steps so that no connection fails:
//
//  1. StageRoot generates the next root and adds it to the bundle, trusted
//     but not yet signing. Wait until every proxy has the new bundle.
//  2. ActivateRoot makes the staged root sign new leaves; the old root stays
//     trusted for the overlap, until every leaf it signed has expired.
//     Proxies re-issue when they see the new signing root.
//
// Both steps persist their state in Config.Dir and notify subscribers.
package ca
