// Package demo runs the bookinfo demo mesh on loopback: meshd, the bookinfo
// services (examples/bookinfo) each with a meshproxy sidecar, and an ingress
// gateway. Up starts everything, applies the demo's steps one by one and
// prints what each did, measured from the traffic it sends; Down stops what
// a state file records. meshctl's `demo up` and `demo down` call them.
package demo
