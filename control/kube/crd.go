package kube

import (
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shortNames are Istio's short names for its kinds.
var shortNames = map[string][]string{
	api.KindVirtualService:        {"vs"},
	api.KindDestinationRule:       {"dr"},
	api.KindGateway:               {"gw"},
	api.KindServiceEntry:          {"se"},
	api.KindWorkloadEntry:         {"we"},
	api.KindPeerAuthentication:    {"pa"},
	api.KindRequestAuthentication: {"ra"},
}

// LabelPartOf marks every object meshctl install creates, so uninstall can
// find them.
const LabelPartOf = "app.kubernetes.io/part-of"

// PartOf is the value of LabelPartOf on wasmesh's objects.
const PartOf = "wasmesh"

// CRDs returns one CustomResourceDefinition per config kind of control/api,
// in the kinds' order: the canonical version served and stored, alias
// versions served with the same schema, the spec's schema generated from
// its Go type and a free-form status subresource.
func CRDs() []*apiextv1.CustomResourceDefinition {
	var out []*apiextv1.CustomResourceDefinition
	for _, k := range api.Kinds() {
		out = append(out, CRD(k))
	}
	return out
}

// CRD returns the CustomResourceDefinition of one kind.
func CRD(k api.KindInfo) *apiextv1.CustomResourceDefinition {
	spec := Schema(k.Spec)
	schema := &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextv1.JSONSchemaProps{
			"spec":   spec,
			"status": {Type: "object", XPreserveUnknownFields: &preserveUnknownTrue},
		},
	}}
	version := func(name string, storage bool) apiextv1.CustomResourceDefinitionVersion {
		return apiextv1.CustomResourceDefinitionVersion{
			Name:         name,
			Served:       true,
			Storage:      storage,
			Schema:       schema.DeepCopy(),
			Subresources: &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}},
		}
	}
	versions := []apiextv1.CustomResourceDefinitionVersion{version(k.GVK.Version, true)}
	for _, v := range k.AliasVersions {
		versions = append(versions, version(v, false))
	}
	group := k.GVK.Group
	return &apiextv1.CustomResourceDefinition{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   k.Plural + "." + group,
			Labels: map[string]string{LabelPartOf: PartOf},
		},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextv1.CustomResourceDefinitionNames{
				Plural:     k.Plural,
				Singular:   strings.ToLower(k.GVK.Kind),
				Kind:       k.GVK.Kind,
				ListKind:   k.GVK.Kind + "List",
				ShortNames: shortNames[k.GVK.Kind],
				Categories: []string{categoryOf(group)},
			},
			Scope:    apiextv1.NamespaceScoped,
			Versions: versions,
		},
	}
}

// categoryOf is Istio's category name for a group, e.g. "networking-istio-io";
// "kubectl get networking-istio-io" lists every kind of the group.
func categoryOf(group string) string { return strings.ReplaceAll(group, ".", "-") }
