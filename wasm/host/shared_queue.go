package host

import (
	"sync"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Bounds of one shared queue; enqueue beyond them fails.
const (
	maxQueuesPerVM = 1024
	maxQueueItems  = 1 << 16
	maxQueueBytes  = 64 << 20
)

// sharedQueues are the process-wide queues, named per VM id. The queue's
// owner is the root context of the instance that registered it (a later
// registration takes over only from a dead owner); proxy_on_queue_ready
// runs there.
type sharedQueues struct {
	mu     sync.Mutex
	byName map[string]map[string]uint32
	byID   map[uint32]*sharedQueue
	next   uint32
}

type sharedQueue struct {
	items [][]byte
	bytes int
	owner *instance
}

func newSharedQueues() *sharedQueues {
	return &sharedQueues{byName: map[string]map[string]uint32{}, byID: map[uint32]*sharedQueue{}}
}

func (q *sharedQueues) register(vm, name string, owner *instance) (uint32, abi.Status) {
	q.mu.Lock()
	defer q.mu.Unlock()
	names := q.byName[vm]
	if names == nil {
		names = map[string]uint32{}
		q.byName[vm] = names
	}
	if id, ok := names[name]; ok {
		sq := q.byID[id]
		if sq.owner == nil || sq.owner.dead.Load() {
			sq.owner = owner
		}
		return id, abi.StatusOK
	}
	if len(names) >= maxQueuesPerVM {
		return 0, abi.StatusInternalFailure
	}
	q.next++
	names[name] = q.next
	q.byID[q.next] = &sharedQueue{owner: owner}
	return q.next, abi.StatusOK
}

func (q *sharedQueues) resolve(vm, name string) (uint32, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	id, ok := q.byName[vm][name]
	return id, ok
}

// enqueue appends v and tells the owner, asynchronously.
func (q *sharedQueues) enqueue(id uint32, v []byte) abi.Status {
	q.mu.Lock()
	sq, ok := q.byID[id]
	if !ok {
		q.mu.Unlock()
		return abi.StatusNotFound
	}
	if len(sq.items) >= maxQueueItems || sq.bytes+len(v) > maxQueueBytes {
		q.mu.Unlock()
		return abi.StatusInternalFailure
	}
	sq.items = append(sq.items, v)
	sq.bytes += len(v)
	owner := sq.owner
	q.mu.Unlock()
	if owner != nil && !owner.dead.Load() {
		owner.tasks.push(func(in *instance) {
			in.runAsync(func() { _, _ = in.call(cbQueueReady, rootContextID, uint64(id)) })
		})
	}
	return abi.StatusOK
}

func (q *sharedQueues) dequeue(id uint32) ([]byte, abi.Status) {
	q.mu.Lock()
	defer q.mu.Unlock()
	sq, ok := q.byID[id]
	if !ok {
		return nil, abi.StatusNotFound
	}
	if len(sq.items) == 0 {
		return nil, abi.StatusEmpty
	}
	v := sq.items[0]
	sq.items[0] = nil
	sq.items = sq.items[1:]
	sq.bytes -= len(v)
	return v, abi.StatusOK
}

// dropOwner forgets owners from plugin p (closed).
func (q *sharedQueues) dropOwner(p *Plugin) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, sq := range q.byID {
		if sq.owner != nil && sq.owner.p == p {
			sq.owner = nil
		}
	}
}

func queueFuncs() []hostFunc {
	return []hostFunc{
		{"proxy_register_shared_queue", i32s(3), func(in *instance, s []uint64) abi.Status {
			name, ok := readString(in.mem, uint32(s[0]), uint32(s[1]))
			if !ok || !guestRange(in.mem.Size(), uint32(s[2]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			id, st := in.p.h.queues.register(in.p.cfg.VMID, name, in)
			if st == abi.StatusOK {
				writeU32(in.mem, uint32(s[2]), id)
			}
			return st
		}},
		{"proxy_resolve_shared_queue", i32s(5), func(in *instance, s []uint64) abi.Status {
			vm, ok1 := readString(in.mem, uint32(s[0]), uint32(s[1]))
			name, ok2 := readString(in.mem, uint32(s[2]), uint32(s[3]))
			if !ok1 || !ok2 || !guestRange(in.mem.Size(), uint32(s[4]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			if vm == "" {
				vm = in.p.cfg.VMID
			}
			id, found := in.p.h.queues.resolve(vm, name)
			if !found {
				return abi.StatusNotFound
			}
			writeU32(in.mem, uint32(s[4]), id)
			return abi.StatusOK
		}},
		{"proxy_enqueue_shared_queue", i32s(3), func(in *instance, s []uint64) abi.Status {
			v, ok := readCopy(in.mem, uint32(s[1]), uint32(s[2]))
			if !ok {
				return abi.StatusInvalidMemoryAccess
			}
			return in.p.h.queues.enqueue(uint32(s[0]), v)
		}},
		{"proxy_dequeue_shared_queue", i32s(3), func(in *instance, s []uint64) abi.Status {
			if !guestRange(in.mem.Size(), uint32(s[1]), 4) || !guestRange(in.mem.Size(), uint32(s[2]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			v, st := in.p.h.queues.dequeue(uint32(s[0]))
			if st != abi.StatusOK {
				return st
			}
			return in.returnBytes(v, uint32(s[1]), uint32(s[2]))
		}},
	}
}
