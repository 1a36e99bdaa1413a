package server

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wasmesh/wasmesh/control/kube"
)

// syncWebhookBundles sets the caBundle of meshd's validating and mutating
// webhook configurations to the CA's trust bundle where it differs (a
// missing configuration is left alone: webhooks are optional).
func (s *Server) syncWebhookBundles(ctx context.Context) error {
	want := s.secure.ca.BundlePEM()
	adm := s.kube.client.AdmissionregistrationV1()
	v, err := adm.ValidatingWebhookConfigurations().Get(ctx, kube.ValidatorName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("server: %s: %w", kube.ValidatorName, err)
	default:
		changed := false
		for i := range v.Webhooks {
			if !sameCerts(v.Webhooks[i].ClientConfig.CABundle, want) {
				v.Webhooks[i].ClientConfig.CABundle, changed = want, true
			}
		}
		if changed {
			if _, err := adm.ValidatingWebhookConfigurations().Update(ctx, v, metav1.UpdateOptions{FieldManager: "meshd"}); err != nil {
				return fmt.Errorf("server: %s: %w", kube.ValidatorName, err)
			}
			s.log.Info("webhook caBundle updated", "config", kube.ValidatorName)
		}
	}
	m, err := adm.MutatingWebhookConfigurations().Get(ctx, kube.InjectorName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("server: %s: %w", kube.InjectorName, err)
	default:
		changed := false
		for i := range m.Webhooks {
			if !sameCerts(m.Webhooks[i].ClientConfig.CABundle, want) {
				m.Webhooks[i].ClientConfig.CABundle, changed = want, true
			}
		}
		if changed {
			if _, err := adm.MutatingWebhookConfigurations().Update(ctx, m, metav1.UpdateOptions{FieldManager: "meshd"}); err != nil {
				return fmt.Errorf("server: %s: %w", kube.InjectorName, err)
			}
			s.log.Info("webhook caBundle updated", "config", kube.InjectorName)
		}
	}
	return nil
}

// sameCerts reports whether two PEM bundles hold the same set of
// certificates (so a re-encoded or reordered but equal bundle is not
// rewritten).
func sameCerts(a, b []byte) bool {
	da, db := certDERs(a), certDERs(b)
	return subset(da, db) && subset(db, da)
}

func subset(a, b [][]byte) bool {
	for _, d := range a {
		if !slices.ContainsFunc(b, func(x []byte) bool { return bytes.Equal(x, d) }) {
			return false
		}
	}
	return true
}

func certDERs(data []byte) [][]byte {
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(b.Bytes); err == nil {
				out = append(out, b.Bytes)
			}
		}
	}
}
