package h1wire

import "testing"

func TestParseField(t *testing.T) {
	for _, tt := range []struct {
		line, name, value, problem string
	}{
		{"content-TYPE: text/plain", "Content-Type", "text/plain", ""},
		{"x-a-b:\t v \t", "X-A-B", "v", ""},
		{"Empty:", "Empty", "", ""},
		{" folded: x", "", "", "obsolete line folding"},
		{": no name", "", "", "malformed header line"},
		{"no colon", "", "", "malformed header line"},
		{"bad name: x", "", "", "invalid header name"},
		{"v: a\x00b", "", "", "invalid header value"},
	} {
		l := []byte(tt.line)
		ne, vs, ve, problem := ParseField(l)
		if problem != tt.problem {
			t.Errorf("%q: problem %q, want %q", tt.line, problem, tt.problem)
			continue
		}
		if problem == "" && (string(l[:ne]) != tt.name || string(l[vs:ve]) != tt.value) {
			t.Errorf("%q: %q = %q, want %q = %q", tt.line, l[:ne], l[vs:ve], tt.name, tt.value)
		}
	}
}
