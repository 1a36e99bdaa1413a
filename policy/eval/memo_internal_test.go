package eval

import (
	"bytes"
	"fmt"
	"testing"
)

func TestDecisionMemoBounds(t *testing.T) {
	var m decisionMemo
	if _, ok := m.get([]byte("x")); ok {
		t.Fatal("empty memo has an entry")
	}
	for i := range memoMax + 10 {
		m.put(fmt.Appendf(nil, "r%d", i), fmt.Appendf(nil, "d%d", i))
	}
	for i := range memoMax + 10 {
		d, ok := m.get(fmt.Appendf(nil, "r%d", i))
		if ok != (i < memoMax) || ok && string(d) != fmt.Sprintf("d%d", i) {
			t.Fatalf("result %d: %q, %v", i, d, ok)
		}
	}
	var big decisionMemo
	large := bytes.Repeat([]byte("x"), memoMaxResult+1)
	big.put(large, []byte("d"))
	if _, ok := big.get(large); ok {
		t.Fatal("a result larger than memoMaxResult was memoized")
	}
}
