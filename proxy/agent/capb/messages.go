package capb

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Request is IstioCertificateRequest.
type Request struct {
	// CSR is the PEM-encoded PKCS#10 certificate request.
	CSR string
	// ValiditySeconds is the requested lifetime; 0 asks for the CA's default.
	ValiditySeconds int64
	// Metadata is opaque node metadata (Istio sends WorkloadName, WorkloadIP, ClusterID).
	Metadata *structpb.Struct
}

// Response is IstioCertificateResponse: the chain leaf first, the trust
// bundle last. The last entry may hold several concatenated root
// certificates, which is how Istio's CAs deliver every trusted root (during a
// root rotation, the signing root first).
type Response struct {
	CertChain []string
}

// message returns r as a dynamic protobuf message of IstioCertificateRequest.
func (r *Request) message() (*dynamicpb.Message, error) {
	m := dynamicpb.NewMessage(requestDesc)
	f := requestDesc.Fields()
	if r.CSR != "" {
		m.Set(f.ByNumber(fieldCSR), protoreflect.ValueOfString(r.CSR))
	}
	if r.ValiditySeconds != 0 {
		m.Set(f.ByNumber(fieldValidityDuration), protoreflect.ValueOfInt64(r.ValiditySeconds))
	}
	if r.Metadata != nil {
		md := f.ByNumber(fieldMetadata)
		sub := m.NewField(md).Message()
		if err := convert(r.Metadata, sub.Interface()); err != nil {
			return nil, err
		}
		m.Set(md, protoreflect.ValueOfMessage(sub))
	}
	return m, nil
}

// requestFrom reads a Request out of a dynamic IstioCertificateRequest.
func requestFrom(m *dynamicpb.Message) (*Request, error) {
	f := requestDesc.Fields()
	r := &Request{
		CSR:             m.Get(f.ByNumber(fieldCSR)).String(),
		ValiditySeconds: m.Get(f.ByNumber(fieldValidityDuration)).Int(),
	}
	if md := f.ByNumber(fieldMetadata); m.Has(md) {
		r.Metadata = &structpb.Struct{}
		if err := convert(m.Get(md).Message().Interface(), r.Metadata); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// message returns r as a dynamic protobuf message of IstioCertificateResponse.
func (r *Response) message() *dynamicpb.Message {
	m := dynamicpb.NewMessage(responseDesc)
	fd := responseDesc.Fields().ByNumber(fieldCertChain)
	if len(r.CertChain) > 0 {
		list := m.Mutable(fd).List()
		for _, c := range r.CertChain {
			list.Append(protoreflect.ValueOfString(c))
		}
	}
	return m
}

// responseFrom reads a Response out of a dynamic IstioCertificateResponse.
func responseFrom(m *dynamicpb.Message) *Response {
	list := m.Get(responseDesc.Fields().ByNumber(fieldCertChain)).List()
	r := &Response{CertChain: make([]string, 0, list.Len())}
	for i := 0; i < list.Len(); i++ {
		r.CertChain = append(r.CertChain, list.Get(i).String())
	}
	return r
}

// convert copies src into dst through the wire format; both describe
// google.protobuf.Struct, one generated and one dynamic.
func convert(src, dst proto.Message) error {
	b, err := proto.Marshal(src)
	if err != nil {
		return fmt.Errorf("capb: metadata: %w", err)
	}
	if err := proto.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("capb: metadata: %w", err)
	}
	return nil
}

// Marshal encodes r in the wire format of IstioCertificateRequest.
func (r *Request) Marshal() ([]byte, error) {
	m, err := r.message()
	if err != nil {
		return nil, err
	}
	return proto.Marshal(m)
}

// UnmarshalRequest decodes the wire format of IstioCertificateRequest.
func UnmarshalRequest(b []byte) (*Request, error) {
	m := dynamicpb.NewMessage(requestDesc)
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("capb: request: %w", err)
	}
	return requestFrom(m)
}

// Marshal encodes r in the wire format of IstioCertificateResponse.
func (r *Response) Marshal() ([]byte, error) {
	return proto.Marshal(r.message())
}

// UnmarshalResponse decodes the wire format of IstioCertificateResponse.
func UnmarshalResponse(b []byte) (*Response, error) {
	m := dynamicpb.NewMessage(responseDesc)
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("capb: response: %w", err)
	}
	return responseFrom(m), nil
}
