package h1wire

import "net/http"

// Field is one header line of a head: its key's and value's offsets.
type Field struct{ KS, KE, VS, VE int }

// ParseFields checks the field lines of head from offset i up to the empty
// line, canonicalising names in place, and appends their offsets to dst. On a
// bad line it returns the problem in a few words (see parseField).
func ParseFields(head []byte, i int, dst []Field) ([]Field, string) {
	for i < len(head) {
		e := IndexLF(head, i)
		l := TrimCR(head[i:e])
		if len(l) == 0 {
			break
		}
		colon, vs, ve, problem := parseField(l)
		if problem != "" {
			return dst, problem
		}
		dst = append(dst, Field{i, i + colon, i + vs, i + ve})
		i = e + 1
	}
	return dst, ""
}

// BuildHeader makes a header map of fields, keys and values slices of s
// (the head as one string); room is spare capacity for keys callers add.
func BuildHeader(s string, fields []Field, room int) http.Header {
	hdr := make(http.Header, len(fields)+room)
	vals := make([]string, len(fields)) // one backing array for single values
	for i, f := range fields {
		k, v := s[f.KS:f.KE], s[f.VS:f.VE]
		if old, ok := hdr[k]; ok {
			hdr[k] = append(old, v)
			continue
		}
		vals[i] = v
		hdr[k] = vals[i : i+1 : i+1]
	}
	return hdr
}

// parseField checks one field line l (without its line end) and
// canonicalises its name in place (Content-Type). It returns the end of the
// name and the value's bounds with surrounding blanks trimmed, or the
// problem in a few words: "obsolete line folding", "malformed header line"
// (no name), "invalid header name" or "invalid header value".
func parseField(l []byte) (nameEnd, valStart, valEnd int, problem string) {
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
