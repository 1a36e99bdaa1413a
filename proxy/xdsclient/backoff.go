package xdsclient

import (
	"math/rand/v2"
	"time"
)

// backoff yields jittered exponential delays between min and max: attempt n waits a random
// duration in [d/2, d] where d = min·2ⁿ capped at max.
type backoff struct {
	min, max time.Duration
	attempt  int
}

func (b *backoff) next() time.Duration {
	d := b.min
	for i := 0; i < b.attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	b.attempt++
	half := d / 2
	return half + rand.N(half+1)
}

func (b *backoff) reset() { b.attempt = 0 }
