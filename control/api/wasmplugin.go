package api

// WasmPlugin (extensions.istio.io/v1alpha1) adds a proxy-wasm filter to the
// selected proxies. wasmesh pushes it with ECDS; the module is fetched from
// URL and verified against SHA256.
type WasmPlugin struct {
	// Selector chooses the workloads.
	Selector *LabelSelector `json:"selector,omitempty"`
	// TargetRef attaches the plugin to a gateway or service instead.
	TargetRef *PolicyTargetReference `json:"targetRef,omitempty"`
	// TargetRefs attaches the plugin to several targets.
	TargetRefs []PolicyTargetReference `json:"targetRefs,omitempty"`
	// URL of the module: file://, http(s):// or oci://; a URL without a
	// scheme is an OCI image.
	URL string `json:"url"`
	// SHA256 of the module, 64 hex characters.
	SHA256 string `json:"sha256,omitempty"`
	// ImagePullPolicy: IfNotPresent or Always.
	ImagePullPolicy PullPolicy `json:"imagePullPolicy,omitempty"`
	// ImagePullSecret for OCI registries.
	ImagePullSecret string `json:"imagePullSecret,omitempty"`
	// VerificationKey is a public key to verify the module's signature.
	VerificationKey string `json:"verificationKey,omitempty"`
	// PluginConfig is passed to the plugin as JSON.
	PluginConfig map[string]any `json:"pluginConfig,omitempty"`
	// PluginName is the root id of the plugin inside the module.
	PluginName string `json:"pluginName,omitempty"`
	// Phase in the filter chain: AUTHN, AUTHZ, STATS or unspecified (just
	// before the router).
	Phase PluginPhase `json:"phase,omitempty"`
	// Priority within the phase; higher runs first.
	Priority *int32 `json:"priority,omitempty"`
	// FailStrategy when the plugin cannot be loaded or traps: FAIL_CLOSE,
	// FAIL_OPEN or FAIL_RELOAD.
	FailStrategy FailStrategy `json:"failStrategy,omitempty"`
	// VMConfig configures the VM, e.g. environment variables.
	VMConfig *VMConfig `json:"vmConfig,omitempty"`
	// Match limits the traffic the plugin applies to.
	Match []TrafficSelector `json:"match,omitempty"`
	// Type: HTTP (default) or NETWORK.
	Type PluginType `json:"type,omitempty"`
}

// PullPolicy is an image pull policy.
type PullPolicy string

// Values lists the accepted policies.
func (PullPolicy) Values() []string {
	return []string{"UNSPECIFIED_POLICY", "IfNotPresent", "Always"}
}

// PluginPhase is the position of a plugin in the filter chain.
type PluginPhase string

// Plugin phases.
const (
	PhaseUnspecified PluginPhase = "UNSPECIFIED_PHASE"
	PhaseAuthn       PluginPhase = "AUTHN"
	PhaseAuthz       PluginPhase = "AUTHZ"
	PhaseStats       PluginPhase = "STATS"
)

// Values lists the accepted phases.
func (PluginPhase) Values() []string {
	return []string{"UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"}
}

// FailStrategy says what happens when a plugin fails.
type FailStrategy string

// Fail strategies.
const (
	FailClose  FailStrategy = "FAIL_CLOSE"
	FailOpen   FailStrategy = "FAIL_OPEN"
	FailReload FailStrategy = "FAIL_RELOAD"
)

// Values lists the accepted strategies.
func (FailStrategy) Values() []string { return []string{"FAIL_CLOSE", "FAIL_OPEN", "FAIL_RELOAD"} }

// PluginType is HTTP or NETWORK.
type PluginType string

// Values lists the accepted types.
func (PluginType) Values() []string {
	return []string{"UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"}
}

// VMConfig configures a plugin's VM.
type VMConfig struct {
	// Env variables visible to the module.
	Env []EnvVar `json:"env,omitempty"`
}

// EnvVar is an environment variable of a plugin VM.
type EnvVar struct {
	// Name of the variable.
	Name string `json:"name"`
	// Value (INLINE) or the host variable's name (HOST).
	Value string `json:"value,omitempty"`
	// ValueFrom: INLINE (default) or HOST.
	ValueFrom EnvValueSource `json:"valueFrom,omitempty"`
}

// EnvValueSource is INLINE or HOST.
type EnvValueSource string

// Values lists the accepted sources.
func (EnvValueSource) Values() []string { return []string{"INLINE", "HOST"} }

// TrafficSelector limits a plugin to a mode and ports.
type TrafficSelector struct {
	// Mode: CLIENT, SERVER or CLIENT_AND_SERVER.
	Mode WorkloadMode `json:"mode,omitempty"`
	// Ports the plugin applies to.
	Ports []PortSelector `json:"ports,omitempty"`
}
