package main

import (
	"testing"
	"time"
)

func TestCAPollConfig(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		in                     caFlags
		wantBundle, wantRevoke string
		wantOn                 bool
	}{
		{"off", caFlags{}, "", "", false},
		{"derived", caFlags{bundleURL: "http://127.0.0.1:15014/ca/bundle.pem"}, "http://127.0.0.1:15014/ca/bundle.pem", "http://127.0.0.1:15014/ca/revocations", true},
		{"other bundle path", caFlags{bundleURL: "http://x/root.pem"}, "http://x/root.pem", "", true},
		{"explicit", caFlags{root: "r.pem", revocationsURL: "http://x/rev"}, "", "http://x/rev", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.pollInterval = time.Second
			pc, on := tc.in.pollConfig()
			if on != tc.wantOn || pc.BundleURL != tc.wantBundle || pc.RevocationsURL != tc.wantRevoke || pc.Interval != time.Second {
				t.Fatalf("got %+v %v", pc, on)
			}
		})
	}
}
