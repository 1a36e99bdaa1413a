// Package agent is meshproxy's certificate agent (Istio's pilot-agent
// SecretManager): it generates an ECDSA P-256 key that never leaves the
// process, sends a CSR with the workload's bootstrap token to meshd's
// IstioCertificateService over gRPC/TLS, holds the issued SVID and the trust
// bundle, rotates at half the lifetime or when the signing root changes,
// retries with jittered backoff while keeping a still-valid certificate, and
// serves the material as Envoy SDS secrets ("default", "ROOTCA") and as
// tls.Config callbacks that verify peers' SPIFFE IDs against the bundle and
// the revocation list. Subscribers are told of every change so listeners pick
// up rotated certificates without a restart.
package agent
