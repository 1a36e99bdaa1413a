package syncbuf

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestBufferConcurrent(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(&b, "%d.%d\n", i, j)
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := strings.Count(b.String(), "\n"); n != 800 {
		t.Fatalf("%d lines, want 800", n)
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc", 2); got != "b\nc" {
		t.Errorf("Tail 2 = %q", got)
	}
	if got := Tail("a\nb", 5); got != "a\nb" {
		t.Errorf("Tail 5 = %q", got)
	}
}
