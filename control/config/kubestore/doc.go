// Package kubestore is the Kubernetes config store, with the interface of
// dirstore.Store (Current, Status, Subscribe, Apply, Delete, Run): client-go
// informers on the custom resources of every config kind (see control/kube
// for the CRDs) feed the same decode, defaults and validation as the file
// store, and every change publishes a new config.Snapshot. Apply and Delete
// write through the API server; Apply returns once the store has seen its
// write.
//
// A resource that does not validate (the validating webhook normally
// refuses it) is logged and reported in Status().Err, and its last valid
// version is kept, as the file store keeps the last good file.
package kubestore
