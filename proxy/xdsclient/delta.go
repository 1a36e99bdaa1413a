package xdsclient

import (
	"fmt"
	"maps"
	"slices"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
)

// runDelta runs one incremental ADS stream.
func runDelta(s *session, conn *grpc.ClientConn) error {
	st, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).DeltaAggregatedResources(s.ctx)
	if err != nil {
		return fmt.Errorf("xdsclient: open delta ADS stream: %w", err)
	}
	s.subscribe = func(w *watch, want map[string]struct{}) error {
		req := &discoveryv3.DeltaDiscoveryRequest{Node: s.node(), TypeUrl: w.typeURL}
		if w.sent == nil {
			req.ResourceNamesSubscribe = slices.Sorted(maps.Keys(want))
			if len(w.versions) > 0 {
				req.InitialResourceVersions = maps.Clone(w.versions)
			}
		} else {
			req.ResourceNamesSubscribe = setDiff(want, w.sent)
			req.ResourceNamesUnsubscribe = setDiff(w.sent, want)
		}
		return st.Send(req)
	}
	return serve(s, st.Recv, func(resp *discoveryv3.DeltaDiscoveryResponse) error {
		w, ok := s.c.watches[resp.GetTypeUrl()]
		if !ok || w.sent == nil {
			s.c.log.Warn("xdsclient: delta response for a type not requested", "type", resp.GetTypeUrl())
			return nil
		}
		// Delta responses are increments, so each is applied at once and in order; a server does
		// not resend what was NACKed, so no retry throttling is needed here.
		w.nonce = resp.GetNonce()
		res, vers, err := mergeDelta(w.resources, w.versions, resp, w.wants)
		detail := s.update(w, resp.GetSystemVersionInfo(), resp.GetNonce(), res, vers, err)
		return st.Send(&discoveryv3.DeltaDiscoveryRequest{
			TypeUrl:       w.typeURL,
			ResponseNonce: resp.GetNonce(),
			ErrorDetail:   detail,
		})
	})
}

// setDiff returns the sorted names in a and not in b.
func setDiff(a, b map[string]struct{}) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
