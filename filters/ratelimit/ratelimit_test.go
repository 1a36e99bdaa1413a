package main

import (
	"strings"
	"testing"
	"time"
)

func TestBucket(t *testing.T) {
	l := limits{MaxTokens: 3, TokensPerFill: 1, FillInterval: time.Second}
	now := int64(1e12)
	k, ok, _ := l.take(bucket{}, now, true)
	if !ok || k.milli != 2000 {
		t.Fatalf("fresh bucket: %+v %v", k, ok)
	}
	k, ok, _ = l.take(k, now, false)
	k, ok2, _ := l.take(k, now, false)
	if !ok || !ok2 {
		t.Fatal("tokens 2 and 3 refused")
	}
	k, ok, retry := l.take(k, now, false)
	if ok || retry != time.Second {
		t.Fatalf("4th token: ok=%v retry=%v", ok, retry)
	}
	// Half an interval refills half a token: still not enough, wait halves.
	k, ok, retry = l.take(k, now+int64(500*time.Millisecond), false)
	if ok || retry != 500*time.Millisecond {
		t.Fatalf("half refill: ok=%v retry=%v", ok, retry)
	}
	k, ok, _ = l.take(k, now+int64(time.Second), false)
	if !ok {
		t.Fatal("token after a full interval refused")
	}
	// A long idle time refills to the maximum, not beyond.
	k, _, _ = l.take(k, now+int64(time.Hour), false)
	if k.milli != 2000 {
		t.Fatalf("overfilled: %d", k.milli)
	}
	got, err := decodeBucket(k.encode())
	if err != nil || got != k {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := decodeBucket([]byte{1, 2}); err == nil {
		t.Fatal("short bucket accepted")
	}
}

func TestParseConfig(t *testing.T) {
	c, err := parseConfig([]byte(`{"key":"header:X-User","tokenBucket":{"maxTokens":10,"fillInterval":"1s"},"global":{"cluster":"meshd"}}`))
	if err != nil || c.Key != "header:x-user" || c.limits.TokensPerFill != 1 || c.Global.timeout != 200*time.Millisecond || c.Name != "default" {
		t.Fatalf("%+v %v", c, err)
	}
	for in, want := range map[string]string{
		``: "needs a key and a tokenBucket",
		`{"key":"user","tokenBucket":{"maxTokens":1,"fillInterval":"1s"}}`:           `key "user" must be`,
		`{"key":"ip","tokenBucket":{"maxTokens":0,"fillInterval":"1s"}}`:             "maxTokens must be at least 1",
		`{"key":"ip","tokenBucket":{"maxTokens":1,"fillInterval":"fast"}}`:           `fillInterval "fast"`,
		`{"key":"ip","tokenBucket":{"maxTokens":1,"fillInterval":"1s"},"global":{}}`: "global.cluster is required",
		`{"key":"ip","burst":3}`: `unknown field "burst"`,
	} {
		if _, err := parseConfig([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", in, err, want)
		}
	}
}

func TestHostOnly(t *testing.T) {
	for in, want := range map[string]string{"1.2.3.4:5": "1.2.3.4", "[::1]:80": "::1", "::1": "::1", "h": "h"} {
		if got := hostOnly(in); got != want {
			t.Errorf("hostOnly(%q) = %q", in, got)
		}
	}
}

func FuzzDecodeBucket(f *testing.F) {
	f.Add(bucket{milli: 5000, last: 42}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := decodeBucket(b)
		if err != nil {
			return
		}
		l := limits{MaxTokens: 5, TokensPerFill: 1, FillInterval: time.Second}
		next, _, retry := l.take(k, k.last+1, false)
		if next.milli > 5000 || retry < 0 {
			t.Fatalf("bucket %+v → %+v retry %v", k, next, retry)
		}
	})
}
