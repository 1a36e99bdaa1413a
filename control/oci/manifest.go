package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Media types of manifests, configs and layers.
const (
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	// MediaTypeWasmConfig and MediaTypeWasmLayer make the Wasm OCI artifact.
	MediaTypeWasmConfig = "application/vnd.module.wasm.config.v1+json"
	MediaTypeWasmLayer  = "application/vnd.module.wasm.content.layer.v1+wasm"
	// MediaTypeOCILayerGzip and MediaTypeDockerLayer are tar+gzip layers
	// (the compat image holds plugin.wasm in one).
	MediaTypeOCILayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
	MediaTypeDockerLayer  = "application/vnd.docker.image.rootfs.diff.tar.gzip"
)

// MaxManifestSize bounds a manifest (4 MiB, as the distribution spec
// suggests registries accept).
const MaxManifestSize = 4 << 20

// maxLayers bounds the layers of a manifest.
const maxLayers = 256

// Descriptor names a blob: its media type, size and digest.
type Descriptor struct {
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
}

// Manifest is a single image's manifest (OCI image manifest or Docker
// image manifest v2 schema 2).
type Manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	ArtifactType  string       `json:"artifactType,omitempty"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

// DecodeManifest decodes and checks a manifest: schema version 2, one
// image (an index or manifest list is refused), and descriptors with a
// media type, a size that is not negative and a sha256 digest.
func DecodeManifest(b []byte) (*Manifest, error) {
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	return m, nil
}

func decodeManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("manifest of %d bytes, limit %d", len(b), MaxManifestSize)
	}
	var raw struct {
		Manifest
		Manifests json.RawMessage `json:"manifests"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&raw); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b[d.InputOffset():])) > 0 {
		return nil, errors.New("data after the JSON object")
	}
	m := raw.Manifest
	if raw.Manifests != nil || m.MediaType == MediaTypeOCIIndex || m.MediaType == MediaTypeDockerList {
		return nil, errors.New("an image index (several images), not one image; name one image by digest")
	}
	if m.SchemaVersion != 2 {
		return nil, fmt.Errorf("schemaVersion %d, want 2", m.SchemaVersion)
	}
	switch m.MediaType {
	case "", MediaTypeOCIManifest, MediaTypeDockerManifest:
	default:
		return nil, fmt.Errorf("media type %q is not an OCI or Docker v2 image manifest", m.MediaType)
	}
	if len(m.Layers) == 0 {
		return nil, errors.New("no layers")
	}
	if len(m.Layers) > maxLayers {
		return nil, fmt.Errorf("%d layers, limit %d", len(m.Layers), maxLayers)
	}
	if err := m.Config.check("config"); err != nil {
		return nil, err
	}
	for i, l := range m.Layers {
		if err := l.check(fmt.Sprintf("layers[%d]", i)); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

func (d Descriptor) check(where string) error {
	switch {
	case d.MediaType == "":
		return fmt.Errorf("%s: no mediaType", where)
	case d.Size < 0:
		return fmt.Errorf("%s: negative size %d", where, d.Size)
	case !digestRE.MatchString(d.Digest):
		return fmt.Errorf("%s: digest %q is not sha256: and 64 lower-case hexadecimal characters", where, d.Digest)
	}
	return nil
}
