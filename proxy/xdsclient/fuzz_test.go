package xdsclient

import (
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// FuzzDecodeResponse feeds arbitrary bytes, as a server could send them, through the SotW and
// delta decoders: they must return errors, never panic.
func FuzzDecodeResponse(f *testing.F) {
	c, _ := anypb.New(&clusterv3.Cluster{Name: "a"})
	w, _ := anypb.New(&discoveryv3.Resource{Name: "a", Resource: c})
	sotw, _ := proto.Marshal(&discoveryv3.DiscoveryResponse{TypeUrl: ClusterType, VersionInfo: "1", Resources: []*anypb.Any{c, w}})
	delta, _ := proto.Marshal(&discoveryv3.DeltaDiscoveryResponse{TypeUrl: ClusterType,
		Resources: []*discoveryv3.Resource{{Name: "a", Resource: c}}, RemovedResources: []string{"b"}})
	f.Add(sotw)
	f.Add(delta)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r discoveryv3.DiscoveryResponse
		if proto.Unmarshal(b, &r) == nil {
			for _, typ := range knownTypes {
				_, _ = decodeSotw(typ, r.GetResources(), all)
			}
		}
		var d discoveryv3.DeltaDiscoveryResponse
		if proto.Unmarshal(b, &d) == nil {
			_, _, _ = mergeDelta(nil, nil, &d, all)
		}
	})
}
