# Step 4 of the demo: a Rego policy of our own, pushed with
#   meshctl policy push examples/bookinfo/no-admin.rego -n bookinfo --selector app=productpage
# Everything is allowed except the admin pages, which get 403 and a reason.
package wasmesh.authz

default allow := {"allow": true}

allow := {"allow": false, "status": 403, "reason": "the admin pages are closed"} if {
	startswith(input.request.path, "/admin")
}
