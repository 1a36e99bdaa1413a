// Package kube holds the Kubernetes end-to-end test: meshctl install into a
// real kube-apiserver (see kubetest and setup.sh), then meshd's Kubernetes
// parts (webhooks with a certificate from the installed CA, the config
// store, the service registry, TokenReview identities) working together on
// objects created through the API.
package kube
