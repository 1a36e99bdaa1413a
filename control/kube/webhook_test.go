package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/inject"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

const goodVS = `{"apiVersion":"networking.istio.io/v1beta1","kind":"VirtualService",
 "metadata":{"name":"r","namespace":"shop","uid":"x","generation":1,"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[]},
 "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews"}}]}]}}`

const badVS = `{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"r","namespace":"shop"},
 "spec":{"hosts":["reviews"],"http":[{"route":[{"destination":{"host":"reviews"},"weight":140}]}]}}`

func review(t *testing.T, h http.Handler, path string, req admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	t.Helper()
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	out, err := decodeReviewResponse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if out.UID != req.UID {
		t.Fatalf("response uid %q, want %q", out.UID, req.UID)
	}
	return out
}

func TestValidateWebhook(t *testing.T) {
	w := &Webhook{}
	vsKind := metav1.GroupVersionKind{Group: "networking.istio.io", Version: "v1", Kind: "VirtualService"}
	cases := []struct {
		name  string
		req   admissionv1.AdmissionRequest
		allow bool
		msg   string
	}{
		{"valid with server metadata", admissionv1.AdmissionRequest{Operation: admissionv1.Create, Kind: vsKind, Object: runtime.RawExtension{Raw: []byte(goodVS)}}, true, ""},
		{"invalid weight", admissionv1.AdmissionRequest{Operation: admissionv1.Update, Kind: vsKind, Namespace: "shop", Name: "r", Object: runtime.RawExtension{Raw: []byte(badVS)}}, false,
			"spec.http[0].route[0].weight: must be between 0 and 100, got 140"},
		{"unknown field", admissionv1.AdmissionRequest{Operation: admissionv1.Create, Kind: vsKind, Object: runtime.RawExtension{Raw: []byte(strings.Replace(goodVS, `"hosts"`, `"hostz"`, 1))}}, false,
			`unknown field "hostz"`},
		{"delete", admissionv1.AdmissionRequest{Operation: admissionv1.Delete, Kind: vsKind}, true, ""},
		{"no object", admissionv1.AdmissionRequest{Operation: admissionv1.Create, Kind: vsKind}, false, "no object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.UID = types.UID("uid-" + c.name)
			resp := review(t, w, PathValidate, c.req)
			if resp.Allowed != c.allow {
				t.Fatalf("allowed = %v, want %v (%+v)", resp.Allowed, c.allow, resp.Result)
			}
			if !c.allow && !strings.Contains(resp.Result.Message, c.msg) {
				t.Fatalf("message %q does not contain %q", resp.Result.Message, c.msg)
			}
		})
	}
}

func TestInjectWebhook(t *testing.T) {
	labels := map[string]map[string]string{"on": {"istio-injection": "enabled"}, "off": {}}
	w := &Webhook{Injector: &Injector{
		Config: inject.DefaultConfig(),
		Namespaces: func(_ context.Context, ns string) (map[string]string, error) {
			return labels[ns], nil
		},
	}}
	pod := func(ann string) []byte {
		return []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"a","pod-template-hash":"abc"},` + ann +
			`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"1","controller":true}]},` +
			`"spec":{"containers":[{"name":"app","image":"app","ports":[{"containerPort":8080}]}]}}`)
	}
	podKind := metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}
	cases := []struct {
		ns, ann string
		inject  bool
	}{
		{"on", "", true},
		{"off", "", false},
		{"on", `"annotations":{"sidecar.istio.io/inject":"false"},`, false},
		{"off", `"annotations":{"sidecar.istio.io/inject":"true"},`, true},
	}
	for _, c := range cases {
		resp := review(t, w, PathInject, admissionv1.AdmissionRequest{UID: "u", Operation: admissionv1.Create, Kind: podKind, Namespace: c.ns, Object: runtime.RawExtension{Raw: pod(c.ann)}})
		if !resp.Allowed {
			t.Fatalf("%s %s: refused: %+v", c.ns, c.ann, resp.Result)
		}
		if got := resp.Patch != nil; got != c.inject {
			t.Fatalf("%s %s: patched = %v, want %v (%s)", c.ns, c.ann, got, c.inject, resp.AuditAnnotations["injection"])
		}
		if !c.inject {
			continue
		}
		var ops []inject.PatchOp
		if err := json.Unmarshal(resp.Patch, &ops); err != nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
			t.Fatalf("patch %s: %v", resp.Patch, err)
		}
		if !bytes.Contains(resp.Patch, []byte(inject.ContainerProxy)) || !bytes.Contains(resp.Patch, []byte(`"web"`)) {
			t.Fatalf("patch lacks the proxy container or the Deployment name web: %s", resp.Patch)
		}
	}
}

func TestWebhookRejectsBadRequests(t *testing.T) {
	w := &Webhook{}
	for _, c := range []struct {
		method, path, body string
		code               int
	}{
		{http.MethodPost, PathValidate, "{", http.StatusBadRequest},
		{http.MethodPost, PathValidate, `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}`, http.StatusBadRequest},
		{http.MethodPost, PathValidate, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, http.StatusBadRequest},
		{http.MethodGet, PathValidate, "", http.StatusMethodNotAllowed},
		{http.MethodPost, PathInject, "{}", http.StatusNotFound},
		{http.MethodPost, "/other", "{}", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		w.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		if rec.Code != c.code {
			t.Errorf("%s %s %q: status %d, want %d", c.method, c.path, c.body, rec.Code, c.code)
		}
	}
}

func FuzzDecodeReview(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1"}}`))
	f.Add([]byte(`{"request":null}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE","kind":{"version":"v1","kind":"Pod"},` +
		`"object":{"metadata":{"name":"p","annotations":{"sidecar.istio.io/proxyCPU":"x"}},"spec":{"containers":[{"name":"a","image":"b"}]}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := DecodeReview(b)
		if err == nil && in.Request == nil {
			t.Fatal("accepted a review without request")
		}
		// Both handlers must answer any decodable review without panicking.
		if err == nil {
			(&Webhook{}).validate(context.Background(), in.Request)
			inj := &Injector{Config: inject.DefaultConfig(), Namespaces: func(context.Context, string) (map[string]string, error) {
				return map[string]string{inject.KeyNamespaceInject: "enabled"}, nil
			}}
			if resp := inj.review(context.Background(), in.Request); resp == nil {
				t.Fatal("no response")
			}
		}
	})
}

func decodeReviewResponse(body []byte) (*admissionv1.AdmissionResponse, error) {
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	if out.Response == nil {
		return nil, errors.New("admission review has no response")
	}
	return out.Response, nil
}
