package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/wasmesh/wasmesh/control/oci"
)

// Auth is how the registry authenticates pulls.
type Auth int

const (
	// Anonymous serves everyone.
	Anonymous Auth = iota
	// Token answers 401 with a bearer challenge; its token service hands
	// out a token (to anyone, or only with Username/Password when set).
	Token
	// Basic wants Username/Password on every request.
	Basic
)

// Options configure a Registry.
type Options struct {
	Auth               Auth
	Username, Password string
}

// Registry is a running test registry.
type Registry struct {
	srv  *httptest.Server
	opts Options

	mu        sync.Mutex
	manifests map[string]manifest // repo + "\x00" + tag or digest
	blobs     map[string][]byte   // digest → content
	gets      map[string]int      // repo → manifest GETs answered 200
}

type manifest struct {
	mediaType string
	body      []byte
}

const token = "ocitest-token"

// New starts a registry on 127.0.0.1, closed when the test ends.
func New(tb testing.TB, o Options) *Registry {
	tb.Helper()
	r := &Registry{opts: o, manifests: map[string]manifest{}, blobs: map[string][]byte{}, gets: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

// Handler serves the registry (to put another server in front of it).
func (r *Registry) Handler() http.Handler { return http.HandlerFunc(r.serve) }

// Host is the registry's host:port, for oci://<Host>/repo:tag.
func (r *Registry) Host() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// Digest is the OCI digest of b.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// PutBlob stores a blob under its digest and describes it.
func (r *Registry) PutBlob(mediaType string, b []byte) oci.Descriptor {
	d := oci.Descriptor{MediaType: mediaType, Size: int64(len(b)), Digest: Digest(b)}
	r.SetBlob(d.Digest, b)
	return d
}

// SetBlob stores content under any digest (to test mismatches).
func (r *Registry) SetBlob(digest string, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobs[digest] = bytes.Clone(b)
}

// PushManifest stores a manifest under repo:tag and its digest, returned.
func (r *Registry) PushManifest(repo, tag, mediaType string, body []byte) string {
	d := Digest(body)
	r.SetManifest(repo, d, mediaType, body)
	if tag != "" {
		r.SetManifest(repo, tag, mediaType, body)
	}
	return d
}

// SetManifest stores a manifest under any tag or digest (to test
// mismatches).
func (r *Registry) SetManifest(repo, ref, mediaType string, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.manifests[repo+"\x00"+ref] = manifest{mediaType, bytes.Clone(body)}
}

// PushImage stores an OCI image manifest of config and layers under
// repo:tag and returns the manifest digest.
func (r *Registry) PushImage(repo, tag string, config oci.Descriptor, layers ...oci.Descriptor) string {
	b, err := json.Marshal(oci.Manifest{SchemaVersion: 2, MediaType: oci.MediaTypeOCIManifest, Config: config, Layers: layers})
	if err != nil {
		panic(err) // plain structs always marshal
	}
	return r.PushManifest(repo, tag, oci.MediaTypeOCIManifest, b)
}

// PushIndex stores an OCI image index of the entries under repo:tag and
// returns its digest.
func (r *Registry) PushIndex(repo, tag string, entries ...oci.IndexEntry) string {
	b, err := json.Marshal(oci.Index{SchemaVersion: 2, MediaType: oci.MediaTypeOCIIndex, Manifests: entries})
	if err != nil {
		panic(err)
	}
	return r.PushManifest(repo, tag, oci.MediaTypeOCIIndex, b)
}

// Entry describes a manifest stored in repo for an index.
func (r *Registry) Entry(repo, digest string, platform *oci.Platform) oci.IndexEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.manifests[repo+"\x00"+digest]
	return oci.IndexEntry{Descriptor: oci.Descriptor{MediaType: m.mediaType, Size: int64(len(m.body)), Digest: digest}, Platform: platform}
}

// PushArtifact pushes wasm as a Wasm OCI artifact and returns the
// manifest digest.
func (r *Registry) PushArtifact(repo, tag string, wasm []byte) string {
	cfg := r.PutBlob(oci.MediaTypeWasmConfig, []byte(`{}`))
	return r.PushImage(repo, tag, cfg, r.PutBlob(oci.MediaTypeWasmLayer, wasm))
}

// PushCompat pushes wasm as a compat image (Docker v2 manifest, one
// tar+gzip layer holding plugin.wasm) and returns the manifest digest.
func (r *Registry) PushCompat(repo, tag string, wasm []byte) string {
	cfg := r.PutBlob("application/vnd.docker.container.image.v1+json", []byte(`{"architecture":"wasm","os":"wasip1"}`))
	layer := r.PutBlob(oci.MediaTypeDockerLayer, CompatLayer(map[string][]byte{"plugin.wasm": wasm}))
	b, err := json.Marshal(oci.Manifest{SchemaVersion: 2, MediaType: oci.MediaTypeDockerManifest, Config: cfg, Layers: []oci.Descriptor{layer}})
	if err != nil {
		panic(err)
	}
	return r.PushManifest(repo, tag, oci.MediaTypeDockerManifest, b)
}

// CompatLayer is a tar+gzip layer of the files.
func CompatLayer(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, b := range files {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(b)
	}
	_ = tw.Close()
	_ = zw.Close()
	return buf.Bytes()
}

// ManifestGets counts the manifests of repo served so far.
func (r *Registry) ManifestGets(repo string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gets[repo]
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/token" {
		r.serveToken(w, req)
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/v2/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	if !r.authorized(w, req, rest) {
		return
	}
	if i := strings.LastIndex(rest, "/manifests/"); i > 0 {
		repo, ref := rest[:i], rest[i+len("/manifests/"):]
		r.mu.Lock()
		m, found := r.manifests[repo+"\x00"+ref]
		if found {
			r.gets[repo]++
		}
		r.mu.Unlock()
		if !found {
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", m.mediaType)
		w.Header().Set("Docker-Content-Digest", Digest(m.body))
		_, _ = w.Write(m.body)
		return
	}
	if i := strings.LastIndex(rest, "/blobs/"); i > 0 {
		r.mu.Lock()
		b, found := r.blobs[rest[i+len("/blobs/"):]]
		r.mu.Unlock()
		if !found {
			http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(b)
		return
	}
	http.NotFound(w, req)
}

func (r *Registry) authorized(w http.ResponseWriter, req *http.Request, rest string) bool {
	switch r.opts.Auth {
	case Token:
		if req.Header.Get("Authorization") == "Bearer "+token {
			return true
		}
		repo := rest
		for _, sep := range []string{"/manifests/", "/blobs/"} {
			if i := strings.LastIndex(rest, sep); i > 0 {
				repo = rest[:i]
			}
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="ocitest",scope="repository:%s:pull"`, r.srv.URL, repo))
	case Basic:
		if u, p, ok := req.BasicAuth(); ok && u == r.opts.Username && p == r.opts.Password {
			return true
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="ocitest"`)
	default:
		return true
	}
	http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
	return false
}

func (r *Registry) serveToken(w http.ResponseWriter, req *http.Request) {
	if r.opts.Username != "" {
		if u, p, ok := req.BasicAuth(); !ok || u != r.opts.Username || p != r.opts.Password {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
	}
	if req.URL.Query().Get("service") != "ocitest" || !strings.HasPrefix(req.URL.Query().Get("scope"), "repository:") {
		http.Error(w, "want service and scope", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"token":"` + token + `","expires_in":300}`))
}
