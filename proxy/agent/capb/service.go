package capb

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Server is the CA side of IstioCertificateService.
type Server interface {
	CreateCertificate(ctx context.Context, req *Request) (*Response, error)
}

// Register serves srv as IstioCertificateService on s.
func Register(s grpc.ServiceRegistrar, srv Server) {
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: ServiceName,
		HandlerType: (*Server)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "CreateCertificate",
			Handler:    createCertificateHandler,
		}},
		Metadata: "security/v1alpha1/ca.proto",
	}, srv)
}

func createCertificateHandler(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
	in := dynamicpb.NewMessage(requestDesc)
	if err := dec(in); err != nil {
		return nil, err
	}
	call := func(ctx context.Context, req any) (any, error) {
		r, err := requestFrom(req.(*dynamicpb.Message))
		if err != nil {
			return nil, err
		}
		resp, err := srv.(Server).CreateCertificate(ctx, r)
		if err != nil {
			return nil, err
		}
		return resp.message(), nil
	}
	if interceptor == nil {
		return call(ctx, in)
	}
	info := &grpc.UnaryServerInfo{Server: srv, FullMethod: CreateCertificateMethod}
	return interceptor(ctx, in, info, call)
}

// Client calls IstioCertificateService.
type Client struct {
	cc grpc.ClientConnInterface
}

// NewClient returns a client over cc.
func NewClient(cc grpc.ClientConnInterface) *Client { return &Client{cc: cc} }

// CreateCertificate sends req and returns the CA's chain.
func (c *Client) CreateCertificate(ctx context.Context, req *Request, opts ...grpc.CallOption) (*Response, error) {
	in, err := req.message()
	if err != nil {
		return nil, err
	}
	out := dynamicpb.NewMessage(responseDesc)
	if err := c.cc.Invoke(ctx, CreateCertificateMethod, in, out, opts...); err != nil {
		return nil, err
	}
	return responseFrom(out), nil
}
