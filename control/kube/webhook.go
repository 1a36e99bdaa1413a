package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Paths the webhook server serves.
const (
	PathValidate = "/validate"
	PathInject   = "/inject"
)

// maxReviewBytes bounds an AdmissionReview body (the API server sends at most a few MB).
const maxReviewBytes = 8 << 20

// Webhook is meshd's admission server (admission/v1): PathValidate
// validates wasmesh config resources with control/config and PathInject
// injects the sidecar into pods with control/inject. Serve it over TLS.
type Webhook struct {
	// Injector decides and builds the injection patch; nil disables PathInject.
	Injector *Injector
	// Log receives one line per refused or failed review.
	Log *slog.Logger
}

var _ http.Handler = (*Webhook)(nil)

// ServeHTTP dispatches by path.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var review func(context.Context, *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse
	switch r.URL.Path {
	case PathValidate:
		review = w.validate
	case PathInject:
		if w.Injector == nil {
			http.NotFound(rw, r)
			return
		}
		review = w.Injector.review
	default:
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(rw, "kube: admission reviews are POSTed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes+1))
	if err != nil || len(body) > maxReviewBytes {
		http.Error(rw, "kube: cannot read the admission review", http.StatusBadRequest)
		return
	}
	in, err := DecodeReview(body)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	resp := review(r.Context(), in.Request)
	resp.UID = in.Request.UID
	if !resp.Allowed && w.Log != nil {
		w.Log.Info("admission refused", "path", r.URL.Path, "kind", in.Request.Kind.Kind,
			"namespace", in.Request.Namespace, "name", in.Request.Name, "reason", resp.Result.Message)
	}
	out := admissionv1.AdmissionReview{TypeMeta: in.TypeMeta, Response: resp}
	rw.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(rw).Encode(&out); err != nil && w.Log != nil {
		w.Log.Warn("admission response not written", "err", err)
	}
}

// DecodeReview parses an AdmissionReview request body.
func DecodeReview(body []byte) (*admissionv1.AdmissionReview, error) {
	var in admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fmt.Errorf("kube: admission review is not JSON: %w", err)
	}
	if in.Request == nil {
		return nil, fmt.Errorf("kube: admission review has no request")
	}
	if in.APIVersion != admissionv1.SchemeGroupVersion.String() || in.Kind != "AdmissionReview" {
		return nil, fmt.Errorf("kube: want an admission.k8s.io/v1 AdmissionReview, got %s %s", in.APIVersion, in.Kind)
	}
	return &in, nil
}

func deny(code int32, msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{Status: metav1.StatusFailure, Code: code, Message: msg, Reason: metav1.StatusReasonInvalid}}
}

func allow() *admissionv1.AdmissionResponse { return &admissionv1.AdmissionResponse{Allowed: true} }
