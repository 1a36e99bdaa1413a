package ca

import (
	"fmt"
	"regexp"
)

// Identity is a workload identity: a service account in a namespace.
type Identity struct {
	Namespace      string
	ServiceAccount string
}

// nameRE is a Kubernetes DNS subdomain: what namespaces and service accounts are.
var nameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)

// Validate reports whether both names are valid Kubernetes names, so the
// SPIFFE ID built from them has exactly the path /ns/<ns>/sa/<sa>.
func (id Identity) Validate() error {
	if !nameRE.MatchString(id.Namespace) {
		return fmt.Errorf("ca: invalid namespace %q", id.Namespace)
	}
	if !nameRE.MatchString(id.ServiceAccount) {
		return fmt.Errorf("ca: invalid service account %q", id.ServiceAccount)
	}
	return nil
}

// SPIFFEID returns spiffe://<trustDomain>/ns/<ns>/sa/<sa>.
func (id Identity) SPIFFEID(trustDomain string) string {
	return "spiffe://" + trustDomain + "/ns/" + id.Namespace + "/sa/" + id.ServiceAccount
}

func (id Identity) String() string { return id.Namespace + "/" + id.ServiceAccount }
