// Package fetch downloads Wasm modules for the proxy: from file://, http:// and https:// URIs
// (oci:// is recognised and refused as not supported yet), verified against an expected
// sha256 (or with the digest computed and returned when none is given), and cached on disk by
// digest. Concurrent requests for one digest download it once.
//
// HTTP fetches are guarded against server-side request forgery: every address actually dialed
// (after DNS resolution, so DNS rebinding is covered, and on every redirect) is checked, and
// link-local and cloud-metadata addresses are always refused; loopback and private networks are
// refused unless Config.AllowPrivate is set. Modules larger than Config.MaxBytes and non-2xx
// answers are refused.
package fetch
