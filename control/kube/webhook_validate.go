package kube

import (
	"context"
	"errors"
	"net/http"

	"github.com/wasmesh/wasmesh/control/config"
	"github.com/wasmesh/wasmesh/control/config/kubestore"
	admissionv1 "k8s.io/api/admission/v1"
)

// validate admits a config resource when control/config decodes and
// validates it; otherwise it refuses with every problem, one per line, as
// meshd reports them for files.
func (w *Webhook) validate(_ context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	if req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect {
		return allow()
	}
	if len(req.Object.Raw) == 0 {
		return deny(http.StatusBadRequest, "kube: admission request has no object")
	}
	_, err := kubestore.Decode(req.Object.Raw)
	if err == nil {
		return allow()
	}
	if errors.Is(err, config.ErrInvalid) {
		return deny(http.StatusUnprocessableEntity, "wasmesh: invalid "+req.Kind.Kind+" "+req.Namespace+"/"+req.Name+":\n"+err.Error())
	}
	return deny(http.StatusBadRequest, err.Error())
}
