package capb

import (
	"context"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
)

// wireFields splits an encoded message into each field number's encoded
// values (with their tags), in order of appearance per field.
func wireFields(t *testing.T, b []byte) map[protowire.Number][]string {
	t.Helper()
	out := map[protowire.Number][]string{}
	for len(b) > 0 {
		num, _, n := protowire.ConsumeField(b)
		if n < 0 {
			t.Fatalf("bad wire bytes: %v", protowire.ParseError(n))
		}
		out[num] = append(out[num], string(b[:n]))
		b = b[n:]
	}
	return out
}

// TestWireFormat pins the field numbers and types of Istio's ca.proto by
// building the expected bytes by hand.
func TestWireFormat(t *testing.T) {
	md, err := structpb.NewStruct(map[string]any{"WorkloadName": "reviews-v1"})
	if err != nil {
		t.Fatal(err)
	}
	mdBytes, err := proto.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	want = protowire.AppendTag(want, 1, protowire.BytesType)
	want = protowire.AppendString(want, "-----BEGIN CERTIFICATE REQUEST-----")
	want = protowire.AppendTag(want, 3, protowire.VarintType)
	want = protowire.AppendVarint(want, 3600)
	want = protowire.AppendTag(want, 4, protowire.BytesType)
	want = protowire.AppendBytes(want, mdBytes)

	req := &Request{CSR: "-----BEGIN CERTIFICATE REQUEST-----", ValiditySeconds: 3600, Metadata: md}
	got, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// protobuf-go may emit a dynamic message's fields in any order, so
	// compare field by field, not byte by byte.
	if diff := cmp.Diff(wireFields(t, want), wireFields(t, got)); diff != "" {
		t.Fatalf("request fields (-want +got):\n%s", diff)
	}
	back, err := UnmarshalRequest(want)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req, back, protocmp.Transform()); diff != "" {
		t.Fatalf("request round trip (-want +got):\n%s", diff)
	}

	var wantResp []byte
	for _, c := range []string{"leaf", "root"} {
		wantResp = protowire.AppendTag(wantResp, 1, protowire.BytesType)
		wantResp = protowire.AppendString(wantResp, c)
	}
	gotResp, err := (&Response{CertChain: []string{"leaf", "root"}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wireFields(t, wantResp), wireFields(t, gotResp)); diff != "" {
		t.Fatalf("response fields (-want +got):\n%s", diff)
	}
	r, err := UnmarshalResponse(wantResp)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"leaf", "root"}, r.CertChain); diff != "" {
		t.Fatalf("response round trip (-want +got):\n%s", diff)
	}
}

type echoServer struct{ got chan *Request }

func (e *echoServer) CreateCertificate(_ context.Context, req *Request) (*Response, error) {
	e.got <- req
	return &Response{CertChain: []string{"leaf:" + req.CSR, "root"}}, nil
}

// TestGRPCRoundTrip calls the service over a loopback socket with the
// standard proto codec.
func TestGRPCRoundTrip(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	srv := &echoServer{got: make(chan *Request, 1)}
	Register(s, srv)
	go s.Serve(lis)
	defer s.Stop()

	cc, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	md, _ := structpb.NewStruct(map[string]any{"ClusterID": "c1"})
	resp, err := NewClient(cc).CreateCertificate(context.Background(), &Request{CSR: "csr", ValiditySeconds: 60, Metadata: md})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"leaf:csr", "root"}, resp.CertChain); diff != "" {
		t.Fatalf("chain (-want +got):\n%s", diff)
	}
	got := <-srv.got
	if got.ValiditySeconds != 60 || got.Metadata.GetFields()["ClusterID"].GetStringValue() != "c1" {
		t.Fatalf("server saw %+v", got)
	}
}

func FuzzUnmarshalRequest(f *testing.F) {
	seed, _ := (&Request{CSR: "x", ValiditySeconds: 1, Metadata: &structpb.Struct{}}).Marshal()
	f.Add(seed)
	f.Add([]byte{0x22, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := UnmarshalRequest(b)
		if err != nil {
			return
		}
		if _, err := r.Marshal(); err != nil {
			t.Fatalf("re-marshal of a decoded request: %v", err)
		}
	})
}
