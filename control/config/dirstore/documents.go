package dirstore

import "strings"

// isSeparator reports whether a line starts a new YAML document.
func isSeparator(line string) bool {
	l := strings.TrimRight(line, "\r\n")
	return l == "---" || strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "---\t")
}

// splitDocuments splits YAML text at document separators.
func splitDocuments(data []byte) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if isSeparator(l) {
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(l)
	}
	return append(out, cur.String())
}

// replaceDocument replaces the YAML document whose content includes line
// (1-based) by doc, or removes it with its separator when doc is nil. Every
// other byte of data is kept. ok is false when no document holds the line
// alone (e.g. content on the separator line).
func replaceDocument(data []byte, line int, doc []byte) ([]byte, bool) {
	lines := strings.SplitAfter(string(data), "\n")
	bounds := []int{-1}
	for i, l := range lines {
		if isSeparator(l) {
			bounds = append(bounds, i)
		}
	}
	bounds = append(bounds, len(lines))
	for j := 0; j+1 < len(bounds); j++ {
		lo, hi := bounds[j]+1, bounds[j+1] // content lines lo..hi-1, 0-based
		if line < lo+1 || line > hi {
			continue
		}
		var b strings.Builder
		switch {
		case doc != nil:
			b.WriteString(strings.Join(lines[:lo], ""))
			b.Write(doc)
			if len(doc) > 0 && doc[len(doc)-1] != '\n' {
				b.WriteByte('\n')
			}
			b.WriteString(strings.Join(lines[hi:], ""))
		case j > 0:
			// Drop the separator before the document and the document.
			b.WriteString(strings.Join(lines[:bounds[j]], ""))
			b.WriteString(strings.Join(lines[hi:], ""))
		default:
			// First document: drop it and the separator after it.
			b.WriteString(strings.Join(lines[min(hi+1, len(lines)):], ""))
		}
		return []byte(b.String()), true
	}
	return nil, false
}
