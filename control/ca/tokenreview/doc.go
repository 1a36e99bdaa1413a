// Package tokenreview authenticates CSR callers of control/ca in a
// Kubernetes cluster: the caller sends its projected service-account token
// as "authorization: Bearer <token>", the API server checks it (TokenReview
// API, with the audiences the CA expects) and the caller is the service
// account system:serviceaccount:<ns>:<sa> it names, so the CA issues
// spiffe://<td>/ns/<ns>/sa/<sa> for exactly that account.
package tokenreview
