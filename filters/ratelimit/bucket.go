package main

import (
	"encoding/binary"
	"errors"
	"time"
)

// bucket is one token bucket as kept in shared data: 16 bytes, the tokens
// (in thousandths, so partial refills are not lost) and the time of the
// last refill in Unix nanoseconds.
type bucket struct {
	milli int64
	last  int64
}

var errBucketBytes = errors.New("ratelimit: stored bucket is not 16 bytes of non-negative counts")

func decodeBucket(b []byte) (bucket, error) {
	if len(b) != 16 {
		return bucket{}, errBucketBytes
	}
	k := bucket{int64(binary.LittleEndian.Uint64(b)), int64(binary.LittleEndian.Uint64(b[8:]))}
	if k.milli < 0 || k.last < 0 {
		return bucket{}, errBucketBytes
	}
	return k, nil
}

func (k bucket) encode() []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(k.milli))
	binary.LittleEndian.PutUint64(b[8:], uint64(k.last))
	return b
}

// limits are Envoy's local rate limit token_bucket fields.
type limits struct {
	MaxTokens     int64
	TokensPerFill int64
	FillInterval  time.Duration
}

// take refills the bucket up to now and tries to take one token. It returns
// the new bucket, whether a token was taken, and how long
// until the next token when none was.
func (l limits) take(k bucket, now int64, fresh bool) (next bucket, ok bool, retry time.Duration) {
	if fresh {
		k = bucket{milli: l.MaxTokens * 1000, last: now}
	}
	if elapsed := now - k.last; elapsed > 0 {
		add := elapsed * l.TokensPerFill * 1000 / int64(l.FillInterval)
		k.milli = min(k.milli+add, l.MaxTokens*1000)
		k.last = now
	}
	if k.milli >= 1000 {
		k.milli -= 1000
		return k, true, 0
	}
	// Time until the missing thousandths have been refilled.
	missing := 1000 - k.milli
	wait := time.Duration(missing * int64(l.FillInterval) / (l.TokensPerFill * 1000))
	return k, false, max(wait, time.Millisecond)
}
