// Package capb is the wire protocol of the certificate signing API: Istio's
// istio.v1.auth.IstioCertificateService/CreateCertificate, described by a
// protobuf descriptor built at init (there is no protoc in this project) and
// carried with the standard gRPC proto codec, so Istio agents and CAs speak it
// unchanged.
//
// The package lives under proxy/agent because the data plane may not import
// the control plane; control/ca imports it for the server side.
package capb
