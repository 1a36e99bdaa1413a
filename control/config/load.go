package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// ParseSnapshot decodes one file's documents into a snapshot (for tests
// and tools that have YAML in hand rather than a directory).
func ParseSnapshot(file string, data []byte) (*Snapshot, error) {
	docs, errs := decodeDocuments(file, data)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	entries := make([]Entry, len(docs))
	for i, d := range docs {
		entries[i] = Entry{Config: d.cfg, Origin: Origin{File: d.file, Line: d.line}, lines: d.lines}
	}
	return NewSnapshot(entries, nil)
}

// isConfigFile reports whether a file name is a config document.
func isConfigFile(name string) bool {
	if strings.HasPrefix(path.Base(name), ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// LoadDir reads every *.yaml, *.yml and *.json file below dir (skipping
// names starting with "."), decodes and validates all documents and the rego
// files Policies name, and returns a snapshot. Any problem in any file makes
// the whole load fail with an ErrorList naming every problem (file paths
// relative to dir): a directory is applied all or nothing.
func LoadDir(dir string) (*Snapshot, error) {
	var entries []Entry
	var errs ErrorList
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isConfigFile(d.Name()) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		docs, derrs := decodeDocuments(rel, data)
		errs = append(errs, derrs...)
		for _, doc := range docs {
			entries = append(entries, Entry{Config: doc.cfg, Origin: Origin{File: rel, Line: doc.line}, lines: doc.lines})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", dir, err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		p, ok := e.Config.Spec.(*api.Policy)
		if !ok {
			continue
		}
		for i, f := range p.Files {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f)))
			if err != nil {
				msg := fmt.Sprintf("cannot read %q: %v", f, err)
				if errors.Is(err, fs.ErrNotExist) {
					msg = fmt.Sprintf("file %q not found in the config directory", f)
				}
				path := idx("spec.files", i)
				errs = append(errs, Error{File: e.Origin.File, Line: lineOf(e.lines, path, e.Origin.Line), Path: path, Message: msg})
				continue
			}
			files[f] = b
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return NewSnapshot(entries, files)
}
