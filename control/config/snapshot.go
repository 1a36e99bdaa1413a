package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/wasmesh/wasmesh/control/api"
)

// Origin says where a config was read from.
type Origin struct {
	// File relative to the config directory.
	File string
	// Line of the document in File.
	Line int
}

// Snapshot is an immutable, versioned set of valid configs. Configs handed
// out share their specs with the snapshot: treat them as read-only.
type Snapshot struct {
	version string
	byKind  map[string][]api.Config
	index   map[api.Key]int
	origins map[api.Key]Origin
	lines   map[api.Key]map[string]int
	files   map[string][]byte
}

// Entry is a config with where it came from, the input of NewSnapshot.
type Entry struct {
	Config api.Config
	Origin Origin
	// lines maps field paths to lines in Origin.File, when known.
	lines map[string]int
}

// NewSnapshot builds a snapshot of valid configs. Each config's
// metadata.resourceVersion is set to a hash of its content; the snapshot
// version is a hash of everything, so equal content gives equal versions.
// files are extra inputs the configs refer to (Policy rego files), keyed by
// path relative to the config directory. Two configs with the same kind,
// namespace and name, or a spec whose type is not the kind's, are an error.
func NewSnapshot(entries []Entry, files map[string][]byte) (*Snapshot, error) {
	s := &Snapshot{
		byKind:  map[string][]api.Config{},
		index:   map[api.Key]int{},
		origins: map[api.Key]Origin{},
		lines:   map[api.Key]map[string]int{},
		files:   files,
	}
	var errs ErrorList
	for _, e := range entries {
		c := e.Config
		k := c.Key()
		if info, ok := api.LookupKind(c.Kind); !ok || c.Spec == nil || reflect.TypeOf(c.Spec) != reflect.PointerTo(info.Spec) {
			errs = append(errs, Error{File: e.Origin.File, Line: e.Origin.Line, Path: "spec",
				Message: fmt.Sprintf("%s: spec of type %T does not match the kind", k, c.Spec)})
			continue
		}
		if prev, dup := s.origins[k]; dup {
			errs = append(errs, Error{File: e.Origin.File, Line: e.Origin.Line, Path: "metadata.name",
				Message: fmt.Sprintf("%s is already defined at %s:%d", k, prev.File, prev.Line)})
			continue
		}
		body, err := json.Marshal(c)
		if err != nil {
			errs = append(errs, Error{File: e.Origin.File, Line: e.Origin.Line, Message: fmt.Sprintf("cannot encode: %v", err)})
			continue
		}
		c.Metadata.ResourceVersion = shortHash(body)
		s.origins[k] = e.Origin
		if e.lines != nil {
			s.lines[k] = e.lines
		}
		s.byKind[c.Kind] = append(s.byKind[c.Kind], c)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	h := sha256.New()
	for _, kind := range sortedKeys(s.byKind) {
		list := s.byKind[kind]
		sort.Slice(list, func(i, j int) bool {
			if list[i].Metadata.Namespace != list[j].Metadata.Namespace {
				return list[i].Metadata.Namespace < list[j].Metadata.Namespace
			}
			return list[i].Metadata.Name < list[j].Metadata.Name
		})
		for i, c := range list {
			s.index[c.Key()] = i
			fmt.Fprintf(h, "%s\x00%s\x00", c.Key(), c.Metadata.ResourceVersion)
		}
	}
	for _, name := range sortedKeys(files) {
		fmt.Fprintf(h, "file\x00%s\x00%s\x00", name, shortHash(files[name]))
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:16]
	return s, nil
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// Version identifies the content of the snapshot.
func (s *Snapshot) Version() string { return s.version }

// Len is the number of configs.
func (s *Snapshot) Len() int { return len(s.index) }

// List returns the configs of a kind, sorted by namespace and name.
func (s *Snapshot) List(kind string) []api.Config {
	return append([]api.Config(nil), s.byKind[kind]...)
}

// ListNamespace returns the configs of a kind in one namespace.
func (s *Snapshot) ListNamespace(kind, namespace string) []api.Config {
	var out []api.Config
	for _, c := range s.byKind[kind] {
		if c.Metadata.Namespace == namespace {
			out = append(out, c)
		}
	}
	return out
}

// All returns every config, sorted by kind, namespace and name.
func (s *Snapshot) All() []api.Config {
	var out []api.Config
	for _, kind := range sortedKeys(s.byKind) {
		out = append(out, s.byKind[kind]...)
	}
	return out
}

// Get returns one config.
func (s *Snapshot) Get(kind, namespace, name string) (api.Config, bool) {
	i, ok := s.index[api.Key{Kind: kind, Namespace: namespace, Name: name}]
	if !ok {
		return api.Config{}, false
	}
	return s.byKind[kind][i], true
}

// Origin returns where a config was read from.
func (s *Snapshot) Origin(k api.Key) (Origin, bool) {
	o, ok := s.origins[k]
	return o, ok
}

// File returns a file referenced by a config (a Policy's rego file), read
// when the snapshot was loaded.
func (s *Snapshot) File(name string) ([]byte, bool) {
	b, ok := s.files[name]
	return b, ok
}

// position returns file and line of a field of a config, for warnings.
func (s *Snapshot) position(k api.Key, path string) (string, int) {
	o := s.origins[k]
	return o.File, lineOf(s.lines[k], path, o.Line)
}
