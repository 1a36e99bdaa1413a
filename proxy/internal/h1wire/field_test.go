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
		ne, vs, ve, problem := parseField(l)
		if problem != tt.problem {
			t.Errorf("%q: problem %q, want %q", tt.line, problem, tt.problem)
			continue
		}
		if problem == "" && (string(l[:ne]) != tt.name || string(l[vs:ve]) != tt.value) {
			t.Errorf("%q: %q = %q, want %q = %q", tt.line, l[:ne], l[vs:ve], tt.name, tt.value)
		}
	}
}

func TestParseFieldsAndBuildHeader(t *testing.T) {
	head := []byte("a: 1\r\nB: 2\r\na: 3\r\n\r\nbody")
	fields, problem := ParseFields(head, 0, nil)
	if problem != "" || len(fields) != 3 {
		t.Fatalf("fields %v, problem %q", fields, problem)
	}
	h := BuildHeader(string(head), fields, 0)
	if got := h["A"]; len(got) != 2 || got[0] != "1" || got[1] != "3" || h.Get("B") != "2" {
		t.Fatalf("header %v", h)
	}
	if _, problem := ParseFields([]byte("ok: 1\r\n bad\r\n\r\n"), 0, nil); problem != "obsolete line folding" {
		t.Fatalf("problem %q", problem)
	}
}
