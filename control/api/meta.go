package api

// Config is one configuration document: the Kubernetes-style envelope around
// a typed spec. Spec holds a pointer to the kind's spec type, e.g.
// *VirtualService for kind VirtualService (see Kinds).
type Config struct {
	// APIVersion is "group/version", e.g. "networking.istio.io/v1".
	APIVersion string `json:"apiVersion"`
	// Kind is the kind name, e.g. "VirtualService".
	Kind string `json:"kind"`
	// Metadata names the object.
	Metadata ObjectMeta `json:"metadata"`
	// Spec is a pointer to the kind's spec type.
	Spec any `json:"spec,omitempty"`
}

// ObjectMeta is the subset of Kubernetes object metadata wasmesh uses.
type ObjectMeta struct {
	// Name of the object, unique per kind and namespace.
	Name string `json:"name"`
	// Namespace of the object; "default" when omitted.
	Namespace string `json:"namespace,omitempty"`
	// Labels are free-form key/value pairs.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are free-form key/value pairs.
	Annotations map[string]string `json:"annotations,omitempty"`
	// ResourceVersion is set by the store; any value written by users is
	// replaced.
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Key identifies a config object: its kind, namespace and name.
type Key struct {
	Kind      string
	Namespace string
	Name      string
}

// String renders the key as "Kind namespace/name".
func (k Key) String() string { return k.Kind + " " + k.Namespace + "/" + k.Name }

// Key returns the identity of c.
func (c *Config) Key() Key {
	return Key{Kind: c.Kind, Namespace: c.Metadata.Namespace, Name: c.Metadata.Name}
}
