package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func BenchmarkDecodeFile(b *testing.B) {
	data, err := os.ReadFile("testdata/kinds.in.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeFile("kinds.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSnapshot1000 decodes 1000 VirtualServices and builds a
// snapshot, the cost of a full reload of a large config directory.
func BenchmarkParseSnapshot1000(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "---\n%s", vs(fmt.Sprintf("  hosts: [svc-%d]", i), "  http:", "  - route:",
			fmt.Sprintf("    - destination: {host: svc-%d, subset: v1}", i), "      weight: 90",
			fmt.Sprintf("    - destination: {host: svc-%d, subset: v2}", i), "      weight: 10", "    timeout: 2s"))
	}
	data := []byte(strings.ReplaceAll(sb.String(), "metadata: {name: r}", "metadata: {name: r-NUM}"))
	n := 0
	data = []byte(replaceEach(string(data), "r-NUM", func() string { n++; return fmt.Sprintf("r-%d", n) }))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s, err := ParseSnapshot("big.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != 1000 {
			b.Fatalf("len = %d", s.Len())
		}
	}
}

func replaceEach(s, old string, next func() string) string {
	var out strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			return out.String() + s
		}
		out.WriteString(s[:i] + next())
		s = s[i+len(old):]
	}
}
