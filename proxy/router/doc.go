// Package router selects a virtual host and route for a request from a
// translated RouteConfig with Envoy's semantics (domain precedence, first
// matching route wins), picks weighted clusters, rewrites paths and hosts,
// builds redirects and applies header operations. It is pure: no I/O.
package router
