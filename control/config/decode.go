package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"go.yaml.in/yaml/v3"
)

// document is one decoded config with the positions of its fields.
type document struct {
	cfg   api.Config
	file  string
	line  int
	lines map[string]int
}

// DecodeFile decodes every document in data (YAML or JSON; several YAML
// documents separated by "---"; a Kubernetes "List" is expanded), applies
// defaults and validates each config. file names the source in errors. On
// any problem it returns an ErrorList with every problem found; the configs
// returned are then only the valid ones.
func DecodeFile(file string, data []byte) ([]api.Config, error) {
	docs, errs := decodeDocuments(file, data)
	out := make([]api.Config, len(docs))
	for i, d := range docs {
		out[i] = d.cfg
	}
	return out, errs.Err()
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeDocuments returns the valid documents of data and the problems of
// the invalid ones.
func decodeDocuments(file string, data []byte) ([]document, ErrorList) {
	var docs []document
	var errs ErrorList
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var root yaml.Node
		err := dec.Decode(&root)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e := Error{File: file, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				e.Line, _ = strconv.Atoi(m[1])
				e.Message = strings.TrimPrefix(err.Error(), m[0])
			}
			errs = append(errs, e)
			break
		}
		if len(root.Content) == 0 || isNull(root.Content[0]) {
			continue
		}
		n := root.Content[0]
		if items, ok := listItems(n); ok {
			for i, item := range items {
				d, ierrs := decodeObject(file, item, fmt.Sprintf("items[%d].", i))
				errs = append(errs, ierrs...)
				if len(ierrs) == 0 {
					docs = append(docs, d)
				}
			}
			continue
		}
		d, derrs := decodeObject(file, n, "")
		errs = append(errs, derrs...)
		if len(derrs) == 0 {
			docs = append(docs, d)
		}
	}
	return docs, errs
}

// listItems returns the items of a Kubernetes List document.
func listItems(n *yaml.Node) ([]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		return nil, false
	}
	var kind string
	var items *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "kind":
			kind = n.Content[i+1].Value
		case "items":
			items = n.Content[i+1]
		}
	}
	if kind != "List" || items == nil || items.Kind != yaml.SequenceNode {
		return nil, false
	}
	return items.Content, true
}

// decodeObject decodes, defaults and validates one config object. prefix is
// prepended to paths in errors (for List items).
func decodeObject(file string, n *yaml.Node, prefix string) (document, ErrorList) {
	d := newNodeDecoder()
	doc := document{file: file, line: n.Line, lines: d.lines}
	fields := map[string]*yaml.Node{}
	d.mapping(n, "", "an object with apiVersion, kind, metadata and spec", func(key string, k, v *yaml.Node) {
		switch key {
		case "apiVersion", "kind", "metadata", "spec", "status":
			fields[key] = v
			d.lines[key] = k.Line
		default:
			d.fail(k, key, "unknown field %q", key)
		}
	})
	for _, f := range []string{"apiVersion", "kind"} {
		if v, ok := fields[f]; !ok || isNull(v) {
			d.errs = append(d.errs, Error{Line: n.Line, Path: f, Message: "required"})
		}
	}
	var apiVersion, kind string
	if v := fields["apiVersion"]; v != nil {
		d.str(v, elem(&apiVersion), "apiVersion")
	}
	if v := fields["kind"]; v != nil {
		d.str(v, elem(&kind), "kind")
	}
	doc.cfg.APIVersion, doc.cfg.Kind = apiVersion, kind
	if v := fields["metadata"]; v != nil {
		d.decode(v, elem(&doc.cfg.Metadata), "metadata")
	}
	info, known := api.LookupKind(kind)
	switch {
	case kind == "":
	case !known:
		d.fail(fields["kind"], "kind", "unknown kind %q (known: %s)", kind, knownKinds())
	case apiVersion != "" && !info.Accepts(apiVersion):
		d.fail(fields["apiVersion"], "apiVersion", "%q does not serve kind %s (use %s)", apiVersion, kind, info.GVK.APIVersion())
	}
	if known {
		spec := info.NewSpec()
		if v := fields["spec"]; v != nil && !isNull(v) {
			d.decode(v, elem(spec), "spec")
		} else {
			d.errs = append(d.errs, Error{Line: n.Line, Path: "spec", Message: "required (use {} for an empty spec)"})
		}
		doc.cfg.Spec = spec
	}
	errs := ErrorList(d.errs)
	if known && kind != "" {
		Default(&doc.cfg)
		for _, e := range Validate(&doc.cfg) {
			if overlaps(e.Path, d.errs) {
				continue
			}
			e.Line = lineOf(d.lines, e.Path, n.Line)
			errs = append(errs, e)
		}
	}
	for i := range errs {
		errs[i].File = file
		if errs[i].Path != "" {
			errs[i].Path = prefix + errs[i].Path
		}
	}
	return doc, errs
}

func knownKinds() string {
	var s []string
	for _, k := range api.Kinds() {
		s = append(s, k.GVK.Kind)
	}
	return strings.Join(s, ", ")
}

// overlaps reports whether path is, contains or is contained in the path of
// a decoding error: validation problems there are consequences of it.
func overlaps(path string, errs []Error) bool {
	for _, e := range errs {
		if within(path, e.Path) || within(e.Path, path) {
			return true
		}
	}
	return false
}

// within reports whether path equals parent or lies below it.
func within(path, parent string) bool {
	if parent == "" || !strings.HasPrefix(path, parent) {
		return path == parent
	}
	rest := path[len(parent):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// lineOf returns the line of path or of its nearest recorded ancestor.
func lineOf(lines map[string]int, path string, def int) int {
	for path != "" {
		if l, ok := lines[path]; ok {
			return l
		}
		path = parent(path)
	}
	return def
}

// parent drops the last segment of a field path: "a.b[1]" → "a.b",
// "a.b" → "a", "m[k.x]" → "m".
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
