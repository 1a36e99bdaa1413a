package xdsclient

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func all(string) bool { return true }

func TestDecodeSotw(t *testing.T) {
	a := mustAny(t, &clusterv3.Cluster{Name: "a"})
	b := mustAny(t, &clusterv3.Cluster{Name: "b"})
	wrapped := mustAny(t, &discoveryv3.Resource{Name: "b", Resource: b})
	misnamed := mustAny(t, &discoveryv3.Resource{Name: "x", Resource: b})
	cla := mustAny(t, &endpointv3.ClusterLoadAssignment{ClusterName: "a"})
	garbage := &anypb.Any{TypeUrl: ClusterType, Value: []byte{0xff, 0xff}}
	tests := []struct {
		name    string
		in      []*anypb.Any
		keep    func(string) bool
		want    []string
		wantErr string
	}{
		{name: "plain", in: []*anypb.Any{a, b}, keep: all, want: []string{"a", "b"}},
		{name: "wrapped", in: []*anypb.Any{a, wrapped}, keep: all, want: []string{"a", "b"}},
		{name: "filtered", in: []*anypb.Any{a, b}, keep: func(n string) bool { return n == "b" }, want: []string{"b"}},
		{name: "empty", in: nil, keep: all, want: []string{}},
		{name: "duplicate", in: []*anypb.Any{a, a}, keep: all, wantErr: "duplicate resource name"},
		{name: "wrong type", in: []*anypb.Any{cla}, keep: all, wantErr: "in a " + ClusterType},
		{name: "wrapper name differs", in: []*anypb.Any{misnamed}, keep: all, wantErr: `wrapper name "x"`},
		{name: "undecodable", in: []*anypb.Any{garbage}, keep: all, wantErr: "resource 0"},
		{name: "nil", in: []*anypb.Any{nil}, keep: all, wantErr: "empty resource"},
		{name: "no name", in: []*anypb.Any{mustAny(t, &clusterv3.Cluster{})}, keep: all, wantErr: "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeSotw(ClusterType, tt.in, tt.keep)
			if tt.wantErr != "" {
				var re *ResourceError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &re) {
					t.Fatalf("err = %v, want a ResourceError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, tt.want) {
				t.Errorf("names %v, want %v", names, tt.want)
			}
		})
	}
}

func TestMergeDelta(t *testing.T) {
	base := map[string]proto.Message{"a": &clusterv3.Cluster{Name: "a"}, "b": &clusterv3.Cluster{Name: "b"}}
	baseVers := map[string]string{"a": "1", "b": "1"}
	resp := &discoveryv3.DeltaDiscoveryResponse{
		TypeUrl: ClusterType,
		Resources: []*discoveryv3.Resource{
			{Name: "c", Version: "2", Resource: mustAny(t, &clusterv3.Cluster{Name: "c"})},
			{Name: "a", Version: "2", Resource: mustAny(t, &clusterv3.Cluster{Name: "a", AltStatName: "new"})},
			{Name: "b", Version: "9"}, // no body: a TTL heartbeat, b is kept as is
			{Name: "z", Version: "2", Resource: mustAny(t, &clusterv3.Cluster{Name: "z"})},
		},
		RemovedResources:     []string{"b"},
		RemovedResourceNames: []*discoveryv3.ResourceName{{Name: "nope"}},
	}
	got, vers, err := mergeDelta(base, baseVers, resp, func(n string) bool { return n != "z" })
	if err != nil {
		t.Fatal(err)
	}
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, []string{"a", "c"}) {
		t.Errorf("names %v, want [a c]", names)
	}
	if got["a"].(*clusterv3.Cluster).GetAltStatName() != "new" || vers["a"] != "2" || vers["c"] != "2" {
		t.Errorf("a not updated: %v %v", got["a"], vers)
	}
	if len(base) != 2 || baseVers["a"] != "1" {
		t.Error("mergeDelta modified its input")
	}

	bad := []*discoveryv3.DeltaDiscoveryResponse{
		{TypeUrl: ClusterType, Resources: []*discoveryv3.Resource{{Name: "x", Resource: mustAny(t, &clusterv3.Cluster{Name: "y"})}}},
		{TypeUrl: ClusterType, Resources: []*discoveryv3.Resource{
			{Resource: mustAny(t, &clusterv3.Cluster{Name: "y"})}, {Resource: mustAny(t, &clusterv3.Cluster{Name: "y"})}}},
		{TypeUrl: RouteType, Resources: []*discoveryv3.Resource{{Resource: mustAny(t, &clusterv3.Cluster{Name: "y"})}}},
	}
	for i, r := range bad {
		if _, _, err := mergeDelta(base, baseVers, r, all); err == nil {
			t.Errorf("bad response %d merged without error", i)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	b := backoff{min: 100, max: 1000}
	wantCaps := []int64{100, 200, 400, 800, 1000, 1000}
	for i, c := range wantCaps {
		d := int64(b.next())
		if d < c/2 || d > c {
			t.Errorf("attempt %d: %d outside [%d, %d]", i, d, c/2, c)
		}
	}
	b.reset()
	if d := int64(b.next()); d < 50 || d > 100 {
		t.Errorf("after reset: %d outside [50, 100]", d)
	}
}
