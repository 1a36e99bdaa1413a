package eval

import (
	"maps"
	"sync"
	"sync/atomic"
)

// memoMax bounds the distinct results a policy's memo keeps. A policy
// answers with few distinct results (allow, and a deny per reason); one
// that spells request values into its answers stops filling the memo here.
const memoMax = 64

// memoMaxResult bounds the size of a memoized result set, so that the memo
// stays small whatever a policy answers.
const memoMaxResult = 1024

// decisionMemo maps a policy's result sets (opa_eval's output) to their
// encoded decisions, so the usual answers are neither decoded nor encoded
// again. Decoding is a pure function of the bytes, so a memoized answer is
// the one DecodeDecision would give. Reads take no lock.
type decisionMemo struct {
	m  atomic.Pointer[map[string][]byte]
	mu sync.Mutex // serialises writers
}

// get returns the encoded decision of result, if memoized.
func (m *decisionMemo) get(result []byte) ([]byte, bool) {
	mp := m.m.Load()
	if mp == nil {
		return nil, false
	}
	d, ok := (*mp)[string(result)]
	return d, ok
}

// put memoizes the encoded decision of result (copying result) while the
// memo has room.
func (m *decisionMemo) put(result, decision []byte) {
	if len(result) > memoMaxResult {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var next map[string][]byte
	if old := m.m.Load(); old != nil {
		if len(*old) >= memoMax {
			return
		}
		next = maps.Clone(*old)
	} else {
		next = make(map[string][]byte, 1)
	}
	next[string(result)] = decision
	m.m.Store(&next)
}
