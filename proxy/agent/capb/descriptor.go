package capb

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	_ "google.golang.org/protobuf/types/known/structpb" // registers google/protobuf/struct.proto
)

// Names of the service and its one method, as Istio's ca.proto declares them.
const (
	ServiceName             = "istio.v1.auth.IstioCertificateService"
	CreateCertificateMethod = "/" + ServiceName + "/CreateCertificate"
)

// Field numbers of istio/api security/v1alpha1/ca.proto.
const (
	fieldCSR              = 1 // IstioCertificateRequest.csr (string)
	fieldValidityDuration = 3 // IstioCertificateRequest.validity_duration (int64, seconds)
	fieldMetadata         = 4 // IstioCertificateRequest.metadata (google.protobuf.Struct)
	fieldCertChain        = 1 // IstioCertificateResponse.cert_chain (repeated string)
)

var (
	requestDesc  protoreflect.MessageDescriptor
	responseDesc protoreflect.MessageDescriptor
)

func init() {
	fd, err := protodesc.NewFile(fileProto(), protoregistry.GlobalFiles)
	if err != nil {
		// The descriptor is a constant of this package; failing here is a
		// programming error caught by every test of the package.
		panic(fmt.Sprintf("capb: building ca.proto descriptor: %v", err))
	}
	requestDesc = fd.Messages().ByName("IstioCertificateRequest")
	responseDesc = fd.Messages().ByName("IstioCertificateResponse")
}

// fileProto describes the subset of istio/api security/v1alpha1/ca.proto this
// project uses, with Istio's package, names and field numbers.
func fileProto() *descriptorpb.FileDescriptorProto {
	field := func(name string, num int32, typ descriptorpb.FieldDescriptorProto_Type, label descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:   proto.String(name),
			Number: proto.Int32(num),
			Type:   typ.Enum(),
			Label:  label.Enum(),
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
	return &descriptorpb.FileDescriptorProto{
		Name:       proto.String("wasmesh/capb/ca.proto"),
		Package:    proto.String("istio.v1.auth"),
		Dependency: []string{"google/protobuf/struct.proto"},
		Syntax:     proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{
				Name: proto.String("IstioCertificateRequest"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("csr", fieldCSR, descriptorpb.FieldDescriptorProto_TYPE_STRING, opt, ""),
					field("validity_duration", fieldValidityDuration, descriptorpb.FieldDescriptorProto_TYPE_INT64, opt, ""),
					field("metadata", fieldMetadata, descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, opt, ".google.protobuf.Struct"),
				},
			},
			{
				Name: proto.String("IstioCertificateResponse"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("cert_chain", fieldCertChain, descriptorpb.FieldDescriptorProto_TYPE_STRING, descriptorpb.FieldDescriptorProto_LABEL_REPEATED, ""),
				},
			},
		},
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("IstioCertificateService"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name:       proto.String("CreateCertificate"),
				InputType:  proto.String(".istio.v1.auth.IstioCertificateRequest"),
				OutputType: proto.String(".istio.v1.auth.IstioCertificateResponse"),
			}},
		}},
	}
}
