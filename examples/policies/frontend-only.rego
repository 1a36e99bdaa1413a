# Only the frontend's identity may read the API; everyone else gets 403 with
# the reason. Input is the Mixer attribute set the authz filter builds.
package wasmesh.authz

default allow := {"allow": false, "status": 403, "reason": "only the frontend may GET /api/*"}

allow := {"allow": true} if {
	input.source.principal == "spiffe://cluster.local/ns/shop/sa/frontend"
	input.request.method == "GET"
	startswith(input.request.path, "/api/")
}
