package api

// PeerAuthentication (security.istio.io/v1) sets the mutual TLS mode of
// inbound traffic of the selected workloads.
type PeerAuthentication struct {
	// Selector chooses the workloads; empty means the whole namespace (or
	// mesh in the root namespace).
	Selector *LabelSelector `json:"selector,omitempty"`
	// MTLS mode for all ports.
	MTLS *PeerAuthenticationMutualTLS `json:"mtls,omitempty"`
	// PortLevelMTLS overrides the mode per workload port number.
	PortLevelMTLS map[uint32]PeerAuthenticationMutualTLS `json:"portLevelMtls,omitempty"`
}

// PeerAuthenticationMutualTLS holds a mutual TLS mode.
type PeerAuthenticationMutualTLS struct {
	// Mode: UNSET (inherit), DISABLE, PERMISSIVE or STRICT.
	Mode MTLSMode `json:"mode,omitempty"`
}

// MTLSMode is a mutual TLS mode.
type MTLSMode string

// Mutual TLS modes.
const (
	MTLSUnset      MTLSMode = "UNSET"
	MTLSDisable    MTLSMode = "DISABLE"
	MTLSPermissive MTLSMode = "PERMISSIVE"
	MTLSStrict     MTLSMode = "STRICT"
)

// Values lists the accepted modes.
func (MTLSMode) Values() []string { return []string{"UNSET", "DISABLE", "PERMISSIVE", "STRICT"} }
