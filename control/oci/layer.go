package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
)

// Format is how an image carries its module.
type Format string

// The image formats Istio accepts.
const (
	// FormatArtifact is the Wasm OCI artifact: one layer of
	// MediaTypeWasmLayer that is the module.
	FormatArtifact Format = "wasm-artifact"
	// FormatCompat is the compat image: one tar+gzip layer holding
	// plugin.wasm.
	FormatCompat Format = "compat-image"
)

// CompatModulePath is the compat image's module file.
const CompatModulePath = "plugin.wasm"

// wasmMagic starts every Wasm binary module (version 1).
var wasmMagic = []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}

// WasmLayer picks the layer holding the module and says which format the
// image is in.
func (m *Manifest) WasmLayer() (Descriptor, Format, error) {
	d, f, err := m.wasmLayer()
	if err != nil {
		return d, f, fmt.Errorf("%w: %w", ErrNotWasm, err)
	}
	return d, f, nil
}

func (m *Manifest) wasmLayer() (Descriptor, Format, error) {
	var wasm []Descriptor
	types := make([]string, 0, len(m.Layers))
	for _, l := range m.Layers {
		types = append(types, l.MediaType)
		if l.MediaType == MediaTypeWasmLayer {
			wasm = append(wasm, l)
		}
	}
	switch {
	case len(wasm) == 1:
		return wasm[0], FormatArtifact, nil
	case len(wasm) > 1:
		return Descriptor{}, "", fmt.Errorf("%d Wasm layers, want one", len(wasm))
	case m.Config.MediaType == MediaTypeWasmConfig:
		return Descriptor{}, "", fmt.Errorf("Wasm config but no %s layer (layers: %s)", MediaTypeWasmLayer, strings.Join(types, ", "))
	case len(m.Layers) == 1 && (m.Layers[0].MediaType == MediaTypeOCILayerGzip || m.Layers[0].MediaType == MediaTypeDockerLayer):
		return m.Layers[0], FormatCompat, nil
	}
	return Descriptor{}, "", fmt.Errorf("want one %s layer, or one tar+gzip layer holding %s; layers: %s", MediaTypeWasmLayer, CompatModulePath, strings.Join(types, ", "))
}

// Module downloads img's module layer and extracts the module.
func (c *Client) Module(ctx context.Context, img *Image) (*Module, error) {
	ref := img.Ref
	d, format, err := img.Manifest.wasmLayer()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotWasm, ref, err)
	}
	blob, err := c.blob(ctx, ref, d)
	if err != nil {
		return nil, err
	}
	wasm := blob
	if format == FormatCompat {
		if wasm, err = extractCompat(ref, d, blob, c.maxSize); err != nil {
			return nil, err
		}
	}
	if !bytes.HasPrefix(wasm, wasmMagic) {
		return nil, fmt.Errorf("%w: %s: the module (%s) does not start with the Wasm binary header", ErrNotWasm, ref, format)
	}
	return &Module{Image: img, Format: format, Wasm: wasm}, nil
}

// blob downloads a blob and checks it against its descriptor.
func (c *Client) blob(ctx context.Context, ref Ref, d Descriptor) ([]byte, error) {
	if d.Size > c.maxSize {
		return nil, fmt.Errorf("%w: %s: layer %s is %d bytes, limit %d", ErrTooLarge, ref, d.Digest, d.Size, c.maxSize)
	}
	resp, err := c.get(ctx, ref, "blobs/"+d.Digest, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s: blob %s missing from repository %s", ErrNotFound, ref, d.Digest, ref.Repository)
	default:
		return nil, statusError(ref, "blob "+d.Digest, resp)
	}
	h := sha256.New()
	b, err := io.ReadAll(io.TeeReader(io.LimitReader(resp.Body, d.Size+1), h))
	if err != nil {
		return nil, fmt.Errorf("oci: %s: reading blob %s: %w", ref, d.Digest, err)
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("%w: %s: blob %s: got %d bytes or more, the descriptor says %d", ErrDigestMismatch, ref, d.Digest, len(b), d.Size)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != d.Digest {
		return nil, fmt.Errorf("%w: %s: blob %s hashes to %s", ErrDigestMismatch, ref, d.Digest, got)
	}
	return b, nil
}

// extractCompat reads plugin.wasm from a tar+gzip layer, decompressing at
// most 4×max bytes in all.
func extractCompat(ref Ref, d Descriptor, layer []byte, max int64) ([]byte, error) {
	fail := func(sentinel error, format string, a ...any) ([]byte, error) {
		return nil, fmt.Errorf("%w: %s: layer %s: %s", sentinel, ref, d.Digest, fmt.Sprintf(format, a...))
	}
	zr, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		return fail(ErrNotWasm, "not gzip: %v", err)
	}
	budget := &io.LimitedReader{R: zr, N: 4 * max}
	tr := tar.NewReader(budget)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fail(ErrNotWasm, "no %s in the compat image's layer", CompatModulePath)
		}
		if err != nil {
			if budget.N <= 0 {
				return fail(ErrTooLarge, "decompresses to more than %d bytes", 4*max)
			}
			return fail(ErrNotWasm, "reading its tar: %v", err)
		}
		if path.Clean(strings.TrimPrefix(hdr.Name, "/")) != CompatModulePath || hdr.Typeflag != tar.TypeReg {
			continue
		}
		if hdr.Size > max {
			return fail(ErrTooLarge, "%s is %d bytes, limit %d", CompatModulePath, hdr.Size, max)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return fail(ErrNotWasm, "reading %s: %v", CompatModulePath, err)
		}
		return b, nil
	}
}
