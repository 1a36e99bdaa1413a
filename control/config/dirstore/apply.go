package dirstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
	"github.com/wasmesh/wasmesh/control/config"
	"sigs.k8s.io/yaml"
)

// Apply validates c (after defaults) and writes it into the directory, so
// that it survives restarts: over its previous document when it exists
// (other documents of the file are kept byte for byte), else into a new
// file "<kind>.<namespace>.<name>.yaml". The directory is then reloaded and
// the stored config (with its resourceVersion) returned. An invalid config,
// or a directory that would not load with it, is an error and changes
// nothing.
func (s *Store) Apply(c api.Config) (api.Config, error) {
	config.Default(&c)
	c.Metadata.ResourceVersion = ""
	if errs := config.Validate(&c); len(errs) > 0 {
		return api.Config{}, errs.Err()
	}
	body, err := yaml.Marshal(c)
	if err != nil {
		return api.Config{}, fmt.Errorf("config: encoding %s: %w", c.Key(), err)
	}
	if _, err := config.DecodeFile(c.Key().String(), body); err != nil {
		return api.Config{}, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	k := c.Key()
	origin, exists := s.Current().Origin(k)
	var file string
	var content []byte
	if exists {
		file = filepath.Join(s.dir, filepath.FromSlash(origin.File))
		if strings.EqualFold(filepath.Ext(file), ".json") {
			if body, err = json.MarshalIndent(c, "", "  "); err != nil {
				return api.Config{}, fmt.Errorf("config: encoding %s: %w", k, err)
			}
			body = append(body, '\n')
		}
		if content, err = s.rewrite(file, origin, body); err != nil {
			return api.Config{}, fmt.Errorf("%w: %s in %s", err, k, origin.File)
		}
	} else {
		file = filepath.Join(s.dir, fileName(k))
		if _, err := os.Stat(file); err == nil {
			return api.Config{}, fmt.Errorf("config: %s exists but does not define %s", file, k)
		}
		content = body
	}
	if err := s.writeAndReload(file, content); err != nil {
		return api.Config{}, err
	}
	got, _ := s.Current().Get(k.Kind, k.Namespace, k.Name)
	return got, nil
}

// Delete removes a config from the directory (its file, or its document
// from a multi-document file) and reloads.
func (s *Store) Delete(kind, namespace, name string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	k := api.Key{Kind: kind, Namespace: namespace, Name: name}
	origin, ok := s.Current().Origin(k)
	if !ok {
		return fmt.Errorf("%w: %s", config.ErrNotFound, k)
	}
	file := filepath.Join(s.dir, filepath.FromSlash(origin.File))
	content, err := s.rewrite(file, origin, nil)
	if err != nil {
		return fmt.Errorf("%w: %s in %s", err, k, origin.File)
	}
	return s.writeAndReload(file, content)
}

// rewrite returns the new content of file with the document at origin
// replaced by doc (or removed when doc is nil). A nil result with no error
// means the file held only this document and is to be removed.
func (s *Store) rewrite(file string, origin config.Origin, doc []byte) ([]byte, error) {
	old, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if listItemsIn(old) {
		return nil, config.ErrNotWritable
	}
	if cfgs, _ := config.DecodeFile(origin.File, old); len(cfgs) == 1 {
		return doc, nil
	}
	out, ok := replaceDocument(old, origin.Line, doc)
	if !ok {
		return nil, config.ErrNotWritable
	}
	return out, nil
}

// listItemsIn reports whether data holds a Kubernetes List document.
func listItemsIn(data []byte) bool {
	var probe struct {
		Kind string `json:"kind"`
	}
	for _, chunk := range splitDocuments(data) {
		if yaml.Unmarshal([]byte(chunk), &probe) == nil && probe.Kind == "List" {
			return true
		}
	}
	return false
}

// writeAndReload replaces file with content (removes it when content is
// nil) and reloads; when the directory then fails to load, the file is
// restored and the error returned.
func (s *Store) writeAndReload(file string, content []byte) error {
	old, readErr := os.ReadFile(file)
	existed := readErr == nil
	if err := writeFile(file, content); err != nil {
		return err
	}
	if err := s.reload(); err != nil {
		var restore []byte
		if existed {
			restore = old
		}
		if rerr := writeFile(file, restore); rerr != nil {
			s.log.Error("config: cannot restore file after failed write", "file", file, "err", rerr)
		}
		_ = s.reload()
		return err
	}
	return nil
}

// tempPrefix starts the names of the store's temporary files; LoadDir skips
// them as hidden files and the watcher ignores them.
const tempPrefix = ".apply-"

// writeFile writes atomically (temporary hidden file and rename), or
// removes the file when content is nil.
func writeFile(file string, content []byte) error {
	if content == nil {
		if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("config: %w", err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), tempPrefix+"*")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// fileName is the file a new config is written to.
func fileName(k api.Key) string {
	return strings.ToLower(k.Kind) + "." + k.Namespace + "." + k.Name + ".yaml"
}

// ApplyFile decodes data strictly (name is the file name used in errors,
// e.g. the one the user gave to meshctl apply -f) and applies every config
// it holds. Nothing is written unless every document is valid and no config
// is defined twice.
func (s *Store) ApplyFile(name string, data []byte) ([]api.Config, error) {
	snap, err := config.ParseSnapshot(name, data)
	if err != nil {
		return nil, err
	}
	if snap.Len() == 0 {
		return nil, config.ErrorList{{File: name, Message: "no configs found"}}.Err()
	}
	var out []api.Config
	for _, c := range snap.All() {
		got, err := s.Apply(c)
		if err != nil {
			return out, fmt.Errorf("config: applied %d of %d configs, then %s: %w", len(out), snap.Len(), c.Key(), err)
		}
		out = append(out, got)
	}
	return out, nil
}
