package ui

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sample is one line of the Prometheus text format: a metric name, its
// labels and a value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// ErrBadText is returned for Prometheus text that cannot be parsed.
var ErrBadText = errors.New("ui: bad prometheus text")

// maxLineLabels bounds the labels of one sample so hostile input cannot make
// one line allocate without limit.
const maxLineLabels = 64

// ParseText parses the Prometheus text exposition format (0.0.4): comment
// and blank lines are skipped, every other line is name{labels} value
// [timestamp]. Timestamps are ignored. The first bad line fails the parse
// with its line number.
func ParseText(text string) ([]Sample, error) {
	var out []Sample
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		s, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrBadText, n+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseLine(line string) (Sample, error) {
	i := 0
	for i < len(line) && isNameChar(line[i], i == 0) {
		i++
	}
	if i == 0 {
		return Sample{}, errors.New("no metric name")
	}
	s := Sample{Name: line[:i]}
	rest := line[i:]
	if strings.HasPrefix(rest, "{") {
		labels, after, err := parseLabels(rest[1:])
		if err != nil {
			return Sample{}, err
		}
		s.Labels, rest = labels, after
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 || len(fields) > 2 {
		return Sample{}, fmt.Errorf("want a value and an optional timestamp after %q", s.Name)
	}
	v, err := parseValue(fields[0])
	if err != nil {
		return Sample{}, err
	}
	s.Value = v
	return s, nil
}

// parseLabels parses `a="x",b="y"}` and returns what follows the brace.
func parseLabels(in string) (map[string]string, string, error) {
	labels := map[string]string{}
	for {
		in = strings.TrimLeft(in, " \t")
		if strings.HasPrefix(in, "}") {
			return labels, in[1:], nil
		}
		if len(labels) == maxLineLabels {
			return nil, "", fmt.Errorf("more than %d labels", maxLineLabels)
		}
		j := 0
		for j < len(in) && isNameChar(in[j], j == 0) && in[j] != ':' {
			j++
		}
		if j == 0 {
			return nil, "", errors.New("bad label name")
		}
		name := in[:j]
		in = strings.TrimLeft(in[j:], " \t")
		if !strings.HasPrefix(in, "=") {
			return nil, "", fmt.Errorf("label %q: want =", name)
		}
		in = strings.TrimLeft(in[1:], " \t")
		if !strings.HasPrefix(in, `"`) {
			return nil, "", fmt.Errorf("label %q: want a quoted value", name)
		}
		val, after, err := unquote(in[1:])
		if err != nil {
			return nil, "", fmt.Errorf("label %q: %w", name, err)
		}
		if _, dup := labels[name]; dup {
			return nil, "", fmt.Errorf("label %q repeated", name)
		}
		labels[name] = val
		in = strings.TrimLeft(after, " \t")
		if strings.HasPrefix(in, ",") {
			in = in[1:]
		} else if !strings.HasPrefix(in, "}") {
			return nil, "", fmt.Errorf("after label %q: want , or }", name)
		}
	}
}

// unquote reads a label value up to its closing quote, undoing the format's
// three escapes (\\, \" and \n).
func unquote(in string) (string, string, error) {
	var b strings.Builder
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '"':
			return b.String(), in[i+1:], nil
		case '\\':
			if i+1 == len(in) {
				return "", "", errors.New("unterminated escape")
			}
			i++
			switch in[i] {
			case 'n':
				b.WriteByte('\n')
			case '\\', '"':
				b.WriteByte(in[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(in[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated label value")
}

func parseValue(s string) (float64, error) {
	switch s {
	case "+Inf":
		return math.Inf(1), nil
	case "-Inf":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v, nil
}

func isNameChar(c byte, first bool) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || !first && c >= '0' && c <= '9'
}
