// Package oci pulls Wasm modules from OCI registries (the Docker Registry
// HTTP API v2 / OCI distribution spec), as Istio's WasmPlugin oci:// URLs
// name them.
//
// ParseRef reads oci://host[:port]/repo[:tag][@sha256:digest] and the
// scheme-less form (Docker Hub names get docker.io's rules). A Client
// fetches the manifest (OCI or Docker v2), answering a registry's 401 with
// the anonymous or credentialed bearer-token flow (or basic credentials),
// and extracts the module from either image format Istio accepts: the Wasm
// OCI artifact (one application/vnd.module.wasm.content.layer.v1+wasm
// layer) or the compat image (one tar+gzip layer holding plugin.wasm). An
// image index (as buildx pushes) yields its Wasm platform's image, or its
// only image that is not an attestation. ParseDockerConfig reads registry
// credentials as docker login and image pull secrets keep them.
// Every blob is checked against its descriptor's size and sha256, a pinned
// manifest digest is verified, and sizes are bounded.
//
// Registries are reached over https; registries on loopback or listed in
// Options.Insecure may answer over plain http instead.
package oci
