package xdsclient

import (
	"fmt"
	"maps"
	"slices"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
)

// runSotw runs one state-of-the-world ADS stream.
func runSotw(s *session, conn *grpc.ClientConn) error {
	st, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(s.ctx)
	if err != nil {
		return fmt.Errorf("xdsclient: open ADS stream: %w", err)
	}
	s.subscribe = func(w *watch, want map[string]struct{}) error {
		return st.Send(&discoveryv3.DiscoveryRequest{
			Node:          s.node(),
			TypeUrl:       w.typeURL,
			ResourceNames: sotwNames(w, want),
			VersionInfo:   w.version,
			ResponseNonce: w.nonce,
		})
	}
	return serve(s, st.Recv, func(resp *discoveryv3.DiscoveryResponse) error {
		w, ok := s.c.watches[resp.GetTypeUrl()]
		if !ok || w.sent == nil {
			s.c.log.Warn("xdsclient: response for a type not requested", "type", resp.GetTypeUrl())
			return nil
		}
		w.nonce = resp.GetNonce()
		apply := func() error { return applySotw(s, st, w, resp) }
		if s.deferRepeat(w, resp.GetVersionInfo(), apply) {
			return nil
		}
		return apply()
	})
}

// applySotw offers a response to the Handler and ACKs or NACKs it.
func applySotw(s *session, st grpc.BidiStreamingClient[discoveryv3.DiscoveryRequest, discoveryv3.DiscoveryResponse], w *watch, resp *discoveryv3.DiscoveryResponse) error {
	res, err := decodeSotw(w.typeURL, resp.GetResources(), w.wants)
	detail := s.update(w, resp.GetVersionInfo(), resp.GetNonce(), res, nil, err)
	return st.Send(&discoveryv3.DiscoveryRequest{
		TypeUrl:       w.typeURL,
		ResourceNames: sotwNames(w, w.sent),
		VersionInfo:   w.version,
		ResponseNonce: resp.GetNonce(),
		ErrorDetail:   detail,
	})
}

// sotwNames returns the resource_names of a SotW request. A wildcard is sent the legacy way, as
// an empty list, while no name was requested on this stream (servers such as go-control-plane's
// snapshot cache and Envoy's own expect that); after names were requested an empty list means
// "nothing", so the wildcard is then sent explicitly.
func sotwNames(w *watch, want map[string]struct{}) []string {
	_, wildcard := want[Wildcard]
	if wildcard && len(want) == 1 && !w.named {
		return nil
	}
	if !wildcard && len(want) > 0 {
		w.named = true
	}
	return slices.Sorted(maps.Keys(want))
}
