package inject

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	yaml "go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// Result tells what happened to one document of a manifest.
type Result struct {
	Kind, Name, Namespace string
	Decision              Decision
}

// Manifest injects every workload in a multi-document YAML (or JSON) stream
// and returns the rewritten stream and one Result per document. Documents
// that hold no pod template (Services, ConfigMaps, ...) pass through
// unchanged in content. An error names the document that caused it and
// nothing is returned, so a bad manifest is never half-injected.
func Manifest(in []byte, cfg Config) ([]byte, []Result, error) {
	dec := yaml.NewDecoder(bytes.NewReader(in))
	var out bytes.Buffer
	var results []Result
	for i := 1; ; i++ {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("inject: document %d: %w", i, err)
		}
		if doc == nil {
			continue
		}
		obj, err := toObject(doc)
		if err != nil {
			return nil, nil, fmt.Errorf("inject: document %d: %w", i, err)
		}
		res, err := injectObject(obj, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("inject: document %d (%s %q): %w", i, res.Kind, res.Name, err)
		}
		results = append(results, res)
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, nil, fmt.Errorf("inject: document %d: %w", i, err)
		}
		y, err := sigsyaml.JSONToYAML(b)
		if err != nil {
			return nil, nil, fmt.Errorf("inject: document %d: %w", i, err)
		}
		if out.Len() > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
	}
	return out.Bytes(), results, nil
}

// toObject normalises a decoded YAML document into JSON types, numbers kept
// exact as json.Number.
func toObject(doc any) (object, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("not a JSON-compatible object: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("a manifest must be an object: %w", err)
	}
	return object(m), nil
}

// injectObject finds the pod template of one Kubernetes object and injects it.
func injectObject(obj object, cfg Config) (Result, error) {
	meta := obj.obj("metadata")
	res := Result{Kind: obj.str("kind"), Name: firstNonEmpty(meta.str("name"), meta.str("generateName")), Namespace: meta.str("namespace")}
	if res.Kind == "List" {
		for _, it := range obj.list("items") {
			if _, err := injectObject(it, cfg); err != nil {
				return res, err
			}
		}
		res.Decision = Decision{true, "list items injected one by one"}
		return res, nil
	}
	var pod object
	switch res.Kind {
	case "Pod":
		pod = obj
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
		pod = obj.obj("spec").obj("template")
	case "CronJob":
		pod = obj.obj("spec").obj("jobTemplate").obj("spec").obj("template")
	default:
		res.Decision = Decision{false, "no pod template in a " + res.Kind}
		return res, nil
	}
	if len(pod) == 0 {
		return res, errors.New("has no pod template (spec.template)")
	}
	if pod.obj("metadata").str("namespace") == "" && res.Namespace != "" {
		// Templates inherit the namespace of their workload.
		defer delete(pod.obj("metadata"), "namespace")
		pod.ensure("metadata")["namespace"] = res.Namespace
	}
	ns := firstNonEmpty(res.Namespace, "default")
	d, err := injectPod(pod, Workload{Kind: res.Kind, Name: res.Name, Namespace: ns}, Target{Manual: true}, cfg)
	res.Decision = d
	return res, err
}
