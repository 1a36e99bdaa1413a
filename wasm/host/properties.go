package host

import (
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Limits on property paths and values set by the guest.
const (
	maxPropertyTokens = 64
	maxSetProperties  = 1024
)

// propertyPath decodes a NUL-separated path; empty or too deep paths are
// refused.
func propertyPath(b []byte) ([]string, bool) {
	p := abi.DecodePropertyPath(b)
	if len(p) == 0 || len(p) > maxPropertyTokens {
		return nil, false
	}
	return p, true
}

// hostProperty answers the properties the host knows itself: plugin_name,
// plugin_root_id, plugin_vm_id, node.id and node.metadata.<key> (also under
// xds.node).
func (p *Plugin) hostProperty(path []string) ([]byte, bool) {
	if len(path) == 1 {
		switch path[0] {
		case "plugin_name":
			return []byte(p.cfg.Name), true
		case "plugin_root_id":
			return []byte(p.cfg.RootID), true
		case "plugin_vm_id":
			return []byte(p.cfg.VMID), true
		}
		return nil, false
	}
	if path[0] == "xds" {
		path = path[1:]
	}
	if len(path) < 2 || path[0] != "node" {
		return nil, false
	}
	switch {
	case len(path) == 2 && path[1] == "id":
		return []byte(p.h.cfg.NodeID), true
	case len(path) == 3 && path[1] == "metadata":
		v, ok := p.h.cfg.NodeMetadata[path[2]]
		return []byte(v), ok
	}
	return nil, false
}

// maxCachedPaths bounds the decoded paths an instance keeps.
const maxCachedPaths = 64

// decodedPath is propertyPath for a path the guest sends, decoded once per
// instance: a filter asks for the same few paths on every request. The
// slice is shared by every lookup of that path, so Properties must not
// modify it.
func (in *instance) decodedPath(raw []byte) ([]string, bool) {
	if p, ok := in.paths[string(raw)]; ok {
		return p, true
	}
	p, ok := propertyPath(raw)
	if ok && len(in.paths) < maxCachedPaths {
		if in.paths == nil {
			in.paths = map[string][]string{}
		}
		in.paths[string(raw)] = p
	}
	return p, ok
}

// property resolves a path for the effective context: values the guest set,
// then the host's own, then the stream's Properties.
func (in *instance) property(raw []byte) ([]byte, abi.Status) {
	path, ok := in.decodedPath(raw)
	if !ok {
		return nil, abi.StatusBadArgument
	}
	cur := in.current()
	if cur != nil {
		if v, ok := cur.setProps[string(raw)]; ok {
			return v, abi.StatusOK
		}
	}
	if v, ok := in.p.hostProperty(path); ok {
		return v, abi.StatusOK
	}
	if cur != nil && cur.props != nil {
		if v, ok := cur.props.Property(path); ok {
			return v, abi.StatusOK
		}
	}
	return nil, abi.StatusNotFound
}

func propertyFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_get_property", i32s(4), func(in *instance, s []uint64) abi.Status {
			// A view suffices: the path is decoded into new strings
			// before the guest runs again.
			raw, ok := view(in.mem, uint32(s[0]), uint32(s[1]))
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			v, st := in.property(raw)
			if st != abi.StatusOK {
				return st
			}
			return in.returnBytes(v, uint32(s[2]), uint32(s[3]))
		}},
		{"proxy_set_property", i32s(4), func(in *instance, s []uint64) abi.Status {
			raw, ok1 := readCopy(in.mem, uint32(s[0]), uint32(s[1]))
			v, ok2 := readCopy(in.mem, uint32(s[2]), uint32(s[3]))
			if !ok1 || !ok2 {
				return abi.StatusInvalidMemoryAccess
			}
			if _, ok := propertyPath(raw); !ok {
				return abi.StatusBadArgument
			}
			cur := in.current()
			if cur == nil {
				return abi.StatusNotFound
			}
			if cur.setProps == nil {
				cur.setProps = map[string][]byte{}
			}
			if _, ok := cur.setProps[string(raw)]; !ok && len(cur.setProps) >= maxSetProperties {
				return abi.StatusBadArgument
			}
			cur.setProps[string(raw)] = v
			return abi.StatusOK
		}},
	}
}
