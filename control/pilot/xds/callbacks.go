package xds

import (
	"context"
	"errors"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
)

// OnStreamOpen implements serverv3.Callbacks.
func (s *Server) OnStreamOpen(context.Context, int64, string) error { return nil }

// OnStreamClosed implements serverv3.Callbacks.
func (s *Server) OnStreamClosed(id int64, _ *corev3.Node) { s.disconnect(streamKey{false, id}) }

// OnDeltaStreamOpen implements serverv3.Callbacks.
func (s *Server) OnDeltaStreamOpen(context.Context, int64, string) error { return nil }

// OnDeltaStreamClosed implements serverv3.Callbacks.
func (s *Server) OnDeltaStreamClosed(id int64, _ *corev3.Node) { s.disconnect(streamKey{true, id}) }

// OnStreamRequest implements serverv3.Callbacks: it registers the node on
// the first request and records ACKs and NACKs.
func (s *Server) OnStreamRequest(id int64, req *discoveryv3.DiscoveryRequest) error {
	key := streamKey{false, id}
	if req.GetNode() != nil {
		if err := s.connect(key, req.GetNode()); err != nil {
			return err
		}
	}
	s.answered(key, req.GetTypeUrl(), req.GetResponseNonce(), req.GetVersionInfo(), nack(req.GetErrorDetail().GetMessage(), req.GetErrorDetail() != nil))
	return nil
}

// OnStreamResponse implements serverv3.Callbacks.
func (s *Server) OnStreamResponse(_ context.Context, id int64, _ *discoveryv3.DiscoveryRequest, resp *discoveryv3.DiscoveryResponse) {
	s.sent(streamKey{false, id}, resp.GetTypeUrl(), resp.GetVersionInfo(), resp.GetNonce())
}

// OnStreamDeltaRequest implements serverv3.Callbacks.
func (s *Server) OnStreamDeltaRequest(id int64, req *discoveryv3.DeltaDiscoveryRequest) error {
	key := streamKey{true, id}
	if req.GetNode() != nil {
		if err := s.connect(key, req.GetNode()); err != nil {
			return err
		}
	}
	s.answered(key, req.GetTypeUrl(), req.GetResponseNonce(), "", nack(req.GetErrorDetail().GetMessage(), req.GetErrorDetail() != nil))
	return nil
}

// OnStreamDeltaResponse implements serverv3.Callbacks.
func (s *Server) OnStreamDeltaResponse(id int64, _ *discoveryv3.DeltaDiscoveryRequest, resp *discoveryv3.DeltaDiscoveryResponse) {
	s.sent(streamKey{true, id}, resp.GetTypeUrl(), resp.GetSystemVersionInfo(), resp.GetNonce())
}

// OnFetchRequest implements serverv3.Callbacks (REST fetches are not used).
func (s *Server) OnFetchRequest(context.Context, *discoveryv3.DiscoveryRequest) error { return nil }

// OnFetchResponse implements serverv3.Callbacks.
func (s *Server) OnFetchResponse(*discoveryv3.DiscoveryRequest, *discoveryv3.DiscoveryResponse) {}

func nack(msg string, set bool) error {
	if !set {
		return nil
	}
	if msg == "" {
		msg = "rejected without a reason"
	}
	return errors.New(msg)
}
