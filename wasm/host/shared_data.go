package host

import (
	"sync"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// sharedData is the process-wide key/value store, one namespace per VM id,
// with compare-and-swap versions.
type sharedData struct {
	mu      sync.Mutex
	vms     map[string]map[string]*sharedEntry
	bytes   map[string]int // per VM: keys and values stored
	nextCAS uint32
}

// maxSharedBytes bounds one VM's shared data (keys and values).
const maxSharedBytes = 64 << 20

type sharedEntry struct {
	value []byte
	cas   uint32
}

func newSharedData() *sharedData {
	return &sharedData{vms: map[string]map[string]*sharedEntry{}, bytes: map[string]int{}}
}

func (d *sharedData) get(vm, key string) ([]byte, uint32, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.vms[vm][key]
	if !ok {
		return nil, 0, false
	}
	return e.value, e.cas, true
}

// set stores value; a non-zero cas must match the entry's current one.
func (d *sharedData) set(vm, key string, value []byte, cas uint32) abi.Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.vms[vm]
	if m == nil {
		m = map[string]*sharedEntry{}
		d.vms[vm] = m
	}
	e, ok := m[key]
	if ok && cas != 0 && cas != e.cas {
		return abi.StatusCASMismatch
	}
	size := d.bytes[vm] + len(value)
	if ok {
		size -= len(e.value)
	} else {
		size += len(key)
	}
	if size > maxSharedBytes {
		return abi.StatusInternalFailure
	}
	d.bytes[vm] = size
	d.nextCAS++
	if d.nextCAS == 0 {
		d.nextCAS = 1
	}
	m[key] = &sharedEntry{value: value, cas: d.nextCAS}
	return abi.StatusOK
}

func sharedDataFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_set_shared_data", i32s(5), func(in *instance, s []uint64) abi.Status {
			k, ok1 := readString(in.mem, uint32(s[0]), uint32(s[1]))
			v, ok2 := readCopy(in.mem, uint32(s[2]), uint32(s[3]))
			if !ok1 || !ok2 {
				return abi.StatusInvalidMemoryAccess
			}
			return in.p.h.shared.set(in.p.cfg.VMID, k, v, uint32(s[4]))
		}},
		{"proxy_get_shared_data", i32s(5), func(in *instance, s []uint64) abi.Status {
			k, ok := readString(in.mem, uint32(s[0]), uint32(s[1]))
			if !ok || !guestRange(in.mem.Size(), uint32(s[4]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			v, cas, found := in.p.h.shared.get(in.p.cfg.VMID, k)
			if !found {
				return abi.StatusNotFound
			}
			if st := in.returnBytes(v, uint32(s[2]), uint32(s[3])); st != abi.StatusOK {
				return st
			}
			if !writeU32(in.mem, uint32(s[4]), cas) {
				return abi.StatusInvalidMemoryAccess
			}
			return abi.StatusOK
		}},
	}
}
