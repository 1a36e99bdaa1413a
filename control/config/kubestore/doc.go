// Package kubestore is the Kubernetes config store: client-go informers on
// the custom resources of every config kind (see control/kube for the CRDs)
// feed the same decode, defaults and validation as the file store, and the
// store publishes the set of valid configs to its subscribers. Apply and
// Delete write through the API server.
//
// An object that does not validate (the validating webhook normally refuses
// it) is logged and its last valid version is kept, as the file store keeps
// the last good file.
package kubestore
