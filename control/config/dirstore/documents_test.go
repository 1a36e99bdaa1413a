package dirstore

import (
	"strings"
	"testing"
)

func TestReplaceDocument(t *testing.T) {
	in := "# head\na: 1\n---\n# b doc\nb: 2\n--- # c\nc: 3\n"
	cases := []struct {
		name string
		line int
		doc  string
		del  bool
		want string
		ok   bool
	}{
		{"first", 2, "x: 9\n", false, "x: 9\n---\n# b doc\nb: 2\n--- # c\nc: 3\n", true},
		{"middle", 5, "x: 9", false, "# head\na: 1\n---\nx: 9\n--- # c\nc: 3\n", true},
		{"last", 7, "x: 9\n", false, "# head\na: 1\n---\n# b doc\nb: 2\n--- # c\nx: 9\n", true},
		{"delete first", 2, "", true, "# b doc\nb: 2\n--- # c\nc: 3\n", true},
		{"delete middle", 5, "", true, "# head\na: 1\n--- # c\nc: 3\n", true},
		{"delete last", 7, "", true, "# head\na: 1\n---\n# b doc\nb: 2\n", true},
		{"separator line", 3, "x: 9\n", false, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc []byte
			if !c.del {
				doc = []byte(c.doc)
			}
			got, ok := replaceDocument([]byte(in), c.line, doc)
			if ok != c.ok || string(got) != c.want {
				t.Errorf("got %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzReplaceDocument: rewriting any file text at any line never panics,
// and a replaced document's text appears in the result.
func FuzzReplaceDocument(f *testing.F) {
	f.Add("a: 1\n---\nb: 2\n", 3, "x: 9\n")
	f.Add("--- # c\nc: 3", 2, "")
	f.Add("", 1, "y: 1")
	f.Fuzz(func(t *testing.T, data string, line int, doc string) {
		out, ok := replaceDocument([]byte(data), line, []byte(doc))
		if ok && !strings.Contains(string(out), doc) {
			t.Fatalf("replacement %q missing from %q", doc, out)
		}
		replaceDocument([]byte(data), line, nil)
		_ = splitDocuments([]byte(data))
	})
}
