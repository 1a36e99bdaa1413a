package oci

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Platform is an index entry's platform.
type Platform struct {
	OS           string `json:"os"`
	Architecture string `json:"architecture"`
}

// IndexEntry is one image of an index.
type IndexEntry struct {
	Descriptor
	Platform    *Platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Index is an OCI image index or a Docker manifest list: several images
// behind one tag (buildx pushes one even for one platform, with its
// attestations).
type Index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType,omitempty"`
	Manifests     []IndexEntry `json:"manifests"`
}

// DecodeIndex decodes and checks an image index.
func DecodeIndex(b []byte) (*Index, error) {
	x, err := decodeIndex(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	return x, nil
}

func decodeIndex(b []byte) (*Index, error) {
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("index of %d bytes, limit %d", len(b), MaxManifestSize)
	}
	var x Index
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&x); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b[d.InputOffset():])) > 0 {
		return nil, errors.New("data after the JSON object")
	}
	if x.SchemaVersion != 2 {
		return nil, fmt.Errorf("schemaVersion %d, want 2", x.SchemaVersion)
	}
	switch x.MediaType {
	case "", MediaTypeOCIIndex, MediaTypeDockerList:
	default:
		return nil, fmt.Errorf("media type %q is not an image index", x.MediaType)
	}
	if len(x.Manifests) == 0 {
		return nil, errors.New("no manifests")
	}
	if len(x.Manifests) > maxLayers {
		return nil, fmt.Errorf("%d manifests, limit %d", len(x.Manifests), maxLayers)
	}
	for i, m := range x.Manifests {
		if err := m.check(fmt.Sprintf("manifests[%d]", i)); err != nil {
			return nil, err
		}
	}
	return &x, nil
}

// isIndex tells an index from an image manifest by the Content-Type or,
// when that says neither, by the document's mediaType and manifests.
func isIndex(contentType string, b []byte) bool {
	switch contentType {
	case MediaTypeOCIIndex, MediaTypeDockerList:
		return true
	case MediaTypeOCIManifest, MediaTypeDockerManifest:
		return false
	}
	var probe struct {
		MediaType string          `json:"mediaType"`
		Manifests json.RawMessage `json:"manifests"`
	}
	if json.Unmarshal(b, &probe) != nil {
		return false
	}
	return probe.MediaType == MediaTypeOCIIndex || probe.MediaType == MediaTypeDockerList || (probe.MediaType == "" && probe.Manifests != nil)
}

// Image picks the index's Wasm image: the one for a Wasm platform (os
// wasip1 or wasi, or architecture wasm), else the only image that is not
// an attestation.
func (x *Index) Image() (Descriptor, error) {
	d, err := x.image()
	if err != nil {
		return d, fmt.Errorf("%w: %w", ErrNotWasm, err)
	}
	return d, nil
}

func (x *Index) image() (Descriptor, error) {
	var images []IndexEntry
	for _, m := range x.Manifests {
		if m.MediaType != MediaTypeOCIManifest && m.MediaType != MediaTypeDockerManifest {
			continue
		}
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" ||
			(m.Platform != nil && m.Platform.OS == "unknown" && m.Platform.Architecture == "unknown") {
			continue
		}
		if p := m.Platform; p != nil && (p.OS == "wasip1" || p.OS == "wasi" || p.Architecture == "wasm") {
			return m.Descriptor, nil
		}
		images = append(images, m)
	}
	if len(images) == 1 {
		return images[0].Descriptor, nil
	}
	platforms := make([]string, 0, len(images))
	for _, m := range images {
		if m.Platform != nil {
			platforms = append(platforms, m.Platform.OS+"/"+m.Platform.Architecture)
		}
	}
	return Descriptor{}, fmt.Errorf("an image index of %d images, none for a Wasm platform (%s); name one image by digest", len(images), strings.Join(platforms, ", "))
}
