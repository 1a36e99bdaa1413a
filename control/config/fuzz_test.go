package config

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// FuzzDecodeFile feeds arbitrary bytes to the decoder: it must never panic,
// every error must be an ErrorList, and every config it accepts must
// survive a round trip (marshal, decode again without error).
func FuzzDecodeFile(f *testing.F) {
	seed, err := os.ReadFile("testdata/kinds.in.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	if all, err := os.ReadFile("testdata/allfields.in.yaml"); err == nil {
		f.Add(all)
	}
	f.Add([]byte(vs("  hosts: [r]", "  http:", "  - route:", "    - destination: {host: r}", "      weight: 100")))
	f.Add([]byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"networking.istio.io/v1","kind":"WorkloadEntry","metadata":{"name":"w"},"spec":{"address":"1.2.3.4","ports":{"http":80}}}]}`))
	f.Add([]byte("a: &a [1]\nb: *a\n"))
	f.Add([]byte("apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: p}\nspec:\n  portLevelMtls: {\"0x50\": {mode: STRICT}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfgs, err := DecodeFile("fuzz.yaml", data)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error %T is not an ErrorList: %v", err, err)
			}
			return
		}
		for _, c := range cfgs {
			b, err := yaml.Marshal(c)
			if err != nil {
				t.Fatalf("marshal %s: %v", c.Key(), err)
			}
			if _, err := DecodeFile("again.yaml", b); err != nil {
				t.Fatalf("accepted config does not round-trip: %v\n%s", err, b)
			}
		}
	})
}
