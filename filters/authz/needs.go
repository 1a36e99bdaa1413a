package main

import (
	"encoding/json"
	"slices"
)

// needs says which attributes the policy can observe, so that a request
// reads only those from the host (each property is a host call, and each
// header map allocates inside the guest) and the input handed to the
// evaluator carries only those (every byte is encoded in the guest and
// parsed again by the engine).
type needs struct {
	principal, namespace, ip, mtls, port, service  bool
	method, path, host, headers, query, time, auth bool
}

// everything is what a policy whose referenced fields are unknown needs.
var everything = needs{true, true, true, true, true, true, true, true, true, true, true, true, true}

// referencedFields is the part of policy/cache.Fields the filter reads.
type referencedFields struct {
	Paths [][]string `json:"paths"`
	Whole bool       `json:"whole"`
}

// needsFor derives needs from the module's referenced fields (what
// policy/compile reports, and what the decision cache is keyed by). Without
// them, or when the policy reads the input as a whole, it is everything.
func needsFor(m *module) needs {
	if m == nil || len(m.Fields) == 0 {
		return everything
	}
	var f referencedFields
	if json.Unmarshal(m.Fields, &f) != nil || f.Whole || len(f.Paths) == 0 {
		return everything
	}
	uses := func(attr ...string) bool {
		for _, p := range f.Paths {
			n := min(len(p), len(attr))
			if slices.Equal(p[:n], attr[:n]) { // one covers the other
				return true
			}
		}
		return false
	}
	return needs{
		principal: uses("source", "principal"),
		namespace: uses("source", "namespace"),
		ip:        uses("source", "ip"),
		mtls:      uses("connection", "mtls"),
		port:      uses("destination", "port"),
		service:   uses("destination", "service"),
		method:    uses("request", "method"),
		path:      uses("request", "path"),
		host:      uses("request", "host"),
		headers:   uses("request", "headers"),
		query:     uses("request", "query"),
		time:      uses("request", "time"),
		auth:      uses("request", "auth"),
	}
}

// The input's objects the policy can observe at all; an unobserved one is
// left out of the argument.
func (n needs) source() bool      { return n.principal || n.namespace || n.ip }
func (n needs) destination() bool { return n.port || n.service }
func (n needs) request() bool {
	return n.method || n.path || n.host || n.headers || n.query || n.time || n.auth
}
