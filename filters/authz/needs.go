package main

import (
	"encoding/json"
	"slices"
)

// needs says which attributes the policy can observe, so that a request
// reads only those from the host: each property is a host call and each
// header map allocates inside the guest.
type needs struct {
	principal, ip, mtls, port, service, headers, query, time, auth bool
}

// everything is what a policy whose referenced fields are unknown needs.
var everything = needs{true, true, true, true, true, true, true, true, true}

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
		principal: uses("source", "principal") || uses("source", "namespace"),
		ip:        uses("source", "ip"),
		mtls:      uses("connection", "mtls"),
		port:      uses("destination", "port"),
		service:   uses("destination", "service"),
		headers:   uses("request", "headers"),
		query:     uses("request", "query"),
		time:      uses("request", "time"),
		auth:      uses("request", "auth"),
	}
}
