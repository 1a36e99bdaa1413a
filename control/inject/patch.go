package inject

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// PatchOp is one RFC 6902 JSON patch operation, as the admission webhook
// returns them.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Pod injects a single Pod given as JSON (the webhook's AdmissionRequest
// object) and returns the JSON patch that turns the original into the
// injected pod, or no operations when the decision is negative. owner names
// the workload the pod belongs to (from its ownerReferences), used for the
// proxy's metadata.
func Pod(podJSON []byte, owner Workload, t Target, cfg Config) ([]PatchOp, Decision, error) {
	d := json.NewDecoder(bytes.NewReader(podJSON))
	d.UseNumber()
	var pod object
	if err := d.Decode(&pod); err != nil {
		return nil, Decision{}, fmt.Errorf("inject: pod is not a JSON object: %w", err)
	}
	dec, err := injectPod(pod, owner, t, cfg)
	if err != nil || !dec.Inject {
		return nil, dec, err
	}
	var ops []PatchOp
	for _, k := range patchedFields {
		// "add" replaces an existing object member (RFC 6902 4.1), so one op
		// per touched field is correct whether or not it existed.
		ops = append(ops, PatchOp{Op: "add", Path: k.path, Value: k.get(pod)})
	}
	return ops, dec, nil
}

// patchedFields are the parts of a pod that injection may change.
var patchedFields = []struct {
	path string
	get  func(object) any
}{
	{"/metadata/labels", func(p object) any { return p.obj("metadata")["labels"] }},
	{"/metadata/annotations", func(p object) any { return p.obj("metadata")["annotations"] }},
	{"/spec/initContainers", func(p object) any { return p.obj("spec")["initContainers"] }},
	{"/spec/containers", func(p object) any { return p.obj("spec")["containers"] }},
	{"/spec/volumes", func(p object) any { return p.obj("spec")["volumes"] }},
}
