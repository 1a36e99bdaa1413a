package kubestore

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
)

// Decode turns a custom resource as the API server returns it (JSON) into
// a config: it keeps apiVersion, kind, spec and the metadata wasmesh uses
// (name, namespace, labels, annotations, resourceVersion), then decodes,
// defaults and validates it with control/config. Problems come back as a
// config.ErrorList without file or line, whose paths ("spec.http[0]...")
// name the field in the resource. A Policy may not name Rego files: there
// is no config directory to read them from.
func Decode(obj []byte) (api.Config, error) {
	var in struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Metadata   api.ObjectMeta  `json:"metadata"`
		Spec       json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(obj, &in); err != nil {
		return api.Config{}, fmt.Errorf("kubestore: object is not a Kubernetes object: %w", err)
	}
	if in.APIVersion == "" || in.Kind == "" {
		return api.Config{}, fmt.Errorf("kubestore: object has no apiVersion or kind")
	}
	rv := in.Metadata.ResourceVersion
	in.Metadata.ResourceVersion = ""
	if in.Metadata.Namespace == "" {
		in.Metadata.Namespace = "default"
	}
	trimmed, err := json.Marshal(in)
	if err != nil {
		return api.Config{}, fmt.Errorf("kubestore: %w", err)
	}
	cfgs, err := config.DecodeFile("", trimmed)
	var list config.ErrorList
	if errors.As(err, &list) {
		for i := range list {
			list[i].File, list[i].Line = "", 0
		}
		return api.Config{}, list
	}
	if err != nil {
		return api.Config{}, fmt.Errorf("kubestore: %w", err)
	}
	if len(cfgs) != 1 {
		return api.Config{}, fmt.Errorf("kubestore: decoded %d configs from one object", len(cfgs))
	}
	c := cfgs[0]
	if p, ok := c.Spec.(*api.Policy); ok && len(p.Files) > 0 {
		// Files are relative to a config directory, which a cluster has not.
		return api.Config{}, config.ErrorList{{Path: "spec.files", Message: "Rego files cannot be read from Kubernetes; put the source in spec.rego"}}
	}
	c.Metadata.ResourceVersion = rv
	return c, nil
}
