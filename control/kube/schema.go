package kube

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

var (
	durationType        = reflect.TypeFor[api.Duration]()
	enumType            = reflect.TypeFor[api.Enum]()
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	preserveUnknownTrue = true
)

// Schema derives a structural OpenAPI v3 schema from a Go type by
// reflection over its fields and json tags: structs become objects with
// their json-named properties, slices arrays, string-keyed maps objects
// with additionalProperties, api.Duration a string, enum types (api.Enum) a
// string with its values, and interface values (free-form JSON) a node that
// preserves unknown fields. A type that refers to itself is cut at the
// second level with a free-form node, since CRD schemas cannot recurse.
func Schema(t reflect.Type) apiextv1.JSONSchemaProps {
	return schemaOf(t, map[reflect.Type]bool{})
}

func schemaOf(t reflect.Type, visiting map[reflect.Type]bool) apiextv1.JSONSchemaProps {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return apiextv1.JSONSchemaProps{Type: "string"}
	case t.Kind() == reflect.String && t.Implements(enumType):
		vals := reflect.Zero(t).Interface().(api.Enum).Values()
		s := apiextv1.JSONSchemaProps{Type: "string", Enum: []apiextv1.JSON{{Raw: []byte(`""`)}}}
		for _, v := range vals {
			b, _ := json.Marshal(v)
			s.Enum = append(s.Enum, apiextv1.JSON{Raw: b})
		}
		return s
	case t.Implements(jsonMarshalerType), reflect.PointerTo(t).Implements(textMarshalerType):
		// Custom encodings other than Duration are not used by control/api;
		// accept any JSON rather than guess a shape.
		return apiextv1.JSONSchemaProps{XPreserveUnknownFields: &preserveUnknownTrue}
	}
	switch t.Kind() {
	case reflect.Bool:
		return apiextv1.JSONSchemaProps{Type: "boolean"}
	case reflect.String:
		return apiextv1.JSONSchemaProps{Type: "string"}
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return apiextv1.JSONSchemaProps{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64:
		return apiextv1.JSONSchemaProps{Type: "integer", Format: "int64"}
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		zero := 0.0
		format := "int64"
		if t.Bits() < 32 {
			format = "int32"
		}
		return apiextv1.JSONSchemaProps{Type: "integer", Format: format, Minimum: &zero}
	case reflect.Float32, reflect.Float64:
		return apiextv1.JSONSchemaProps{Type: "number", Format: "double"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return apiextv1.JSONSchemaProps{Type: "string", Format: "byte"}
		}
		items := schemaOf(t.Elem(), visiting)
		return apiextv1.JSONSchemaProps{Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &items}}
	case reflect.Map:
		val := schemaOf(t.Elem(), visiting)
		return apiextv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &val}}
	case reflect.Struct:
		if visiting[t] {
			return apiextv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: &preserveUnknownTrue}
		}
		visiting[t] = true
		defer delete(visiting, t)
		s := apiextv1.JSONSchemaProps{Type: "object", Properties: map[string]apiextv1.JSONSchemaProps{}}
		addFields(&s, t, visiting)
		return s
	}
	// Interfaces (free-form JSON) and anything else.
	return apiextv1.JSONSchemaProps{XPreserveUnknownFields: &preserveUnknownTrue}
}

// addFields adds the json-visible fields of struct t to s, inlining
// embedded structs without a json name as encoding/json does.
func addFields(s *apiextv1.JSONSchemaProps, t reflect.Type, visiting map[reflect.Type]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				addFields(s, ft, visiting)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		s.Properties[name] = schemaOf(f.Type, visiting)
	}
}
