package h1wire

// ParseField checks one field line l (without its line end) and
// canonicalises its name in place (Content-Type). It returns the end of the
// name and the value's bounds with surrounding blanks trimmed, or the
// problem in a few words: "obsolete line folding", "malformed header line"
// (no name), "invalid header name" or "invalid header value".
func ParseField(l []byte) (nameEnd, valStart, valEnd int, problem string) {
	if l[0] == ' ' || l[0] == '\t' {
		return 0, 0, 0, "obsolete line folding"
	}
	colon := IndexByte(l, ':')
	if colon <= 0 {
		return 0, 0, 0, "malformed header line"
	}
	upper := true
	for j := 0; j < colon; j++ {
		c := l[j]
		if !IsToken(c) {
			return 0, 0, 0, "invalid header name"
		}
		if upper && 'a' <= c && c <= 'z' {
			l[j] = c - 'a' + 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			l[j] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	vs, ve := colon+1, len(l)
	for vs < ve && (l[vs] == ' ' || l[vs] == '\t') {
		vs++
	}
	for ve > vs && (l[ve-1] == ' ' || l[ve-1] == '\t') {
		ve--
	}
	for _, c := range l[vs:ve] {
		if IsCTL(c) {
			return 0, 0, 0, "invalid header value"
		}
	}
	return colon, vs, ve, ""
}
