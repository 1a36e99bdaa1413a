package xdsclient

import (
	"errors"
	"fmt"
	"maps"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

var (
	errNoName    = errors.New("resource has no name")
	errDuplicate = errors.New("duplicate resource name")
	errEmpty     = errors.New("empty resource")
)

// unpack decodes an Any of typeURL and returns its name.
func unpack(typeURL string, a *anypb.Any) (string, proto.Message, error) {
	if a == nil {
		return "", nil, errEmpty
	}
	if a.GetTypeUrl() != typeURL {
		return "", nil, fmt.Errorf("type %q in a %s response", a.GetTypeUrl(), typeURL)
	}
	m, err := anypb.UnmarshalNew(a, proto.UnmarshalOptions{})
	if err != nil {
		return "", nil, err
	}
	name := resourceName(m)
	if name == "" {
		return "", nil, errNoName
	}
	return name, m, nil
}

// decodeSotw decodes a state-of-the-world response into a set keyed by name, keeping only the
// names keep accepts. Any bad resource fails the whole response.
func decodeSotw(typeURL string, in []*anypb.Any, keep func(string) bool) (map[string]proto.Message, error) {
	out := make(map[string]proto.Message, len(in))
	for i, a := range in {
		wrapName := ""
		if a.GetTypeUrl() == resourceWrapperType {
			var r discoveryv3.Resource
			if err := a.UnmarshalTo(&r); err != nil {
				return nil, &ResourceError{TypeURL: typeURL, Index: i, Err: err}
			}
			wrapName, a = r.GetName(), r.GetResource()
		}
		name, m, err := unpack(typeURL, a)
		if err == nil && wrapName != "" && wrapName != name {
			err = fmt.Errorf("wrapper name %q differs from resource name %q", wrapName, name)
		}
		if err == nil {
			if _, dup := out[name]; dup {
				err = errDuplicate
			}
		}
		if err != nil {
			return nil, &ResourceError{TypeURL: typeURL, Name: name, Index: i, Err: err}
		}
		if keep(name) {
			out[name] = m
		}
	}
	return out, nil
}

// mergeDelta applies a delta response to an accepted set and its per-resource versions and
// returns the new set; the inputs are not modified. Resources keep rejects are ignored, and a
// resource without a body (a TTL heartbeat) keeps its current value.
func mergeDelta(base map[string]proto.Message, baseVers map[string]string, resp *discoveryv3.DeltaDiscoveryResponse, keep func(string) bool) (map[string]proto.Message, map[string]string, error) {
	typeURL := resp.GetTypeUrl()
	res := make(map[string]proto.Message, len(base)+len(resp.GetResources()))
	vers := make(map[string]string, len(base)+len(resp.GetResources()))
	maps.Copy(res, base)
	maps.Copy(vers, baseVers)
	seen := make(map[string]bool, len(resp.GetResources()))
	for i, r := range resp.GetResources() {
		if r.GetResource() == nil {
			continue
		}
		name, m, err := unpack(typeURL, r.GetResource())
		if err == nil && r.GetName() != "" && r.GetName() != name {
			err = fmt.Errorf("delta name %q differs from resource name %q", r.GetName(), name)
		}
		if err == nil && seen[name] {
			err = errDuplicate
		}
		if err != nil {
			return nil, nil, &ResourceError{TypeURL: typeURL, Name: name, Index: i, Err: err}
		}
		seen[name] = true
		if keep(name) {
			res[name], vers[name] = m, r.GetVersion()
		}
	}
	for _, name := range resp.GetRemovedResources() {
		delete(res, name)
		delete(vers, name)
	}
	for _, rn := range resp.GetRemovedResourceNames() {
		delete(res, rn.GetName())
		delete(vers, rn.GetName())
	}
	return res, vers, nil
}
