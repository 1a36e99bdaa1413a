package cases

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is one case file.
type File struct {
	Name       string         `yaml:"name"`
	Policy     string         `yaml:"policy"`
	PolicyFile string         `yaml:"policyFile"`
	Data       map[string]any `yaml:"data"`
	Entrypoint string         `yaml:"entrypoint"`
	Cases      []Case         `yaml:"cases"`

	// Path is where the file was read from.
	Path string `yaml:"-"`
}

// Case is one input and what the policy must return for it.
type Case struct {
	Name      string    `yaml:"name"`
	Input     any       `yaml:"input"`
	Want      yaml.Node `yaml:"want"`
	Undefined bool      `yaml:"undefined"`
	// Unordered compares a result that is an array as a multiset: a Rego
	// set reaches JSON as an array whose order differs between evaluators.
	Unordered bool `yaml:"unordered"`
}

// Load reads and checks a case file.
func Load(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("cases: %s: %w", path, err)
	}
	f.Path = path
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("cases: %s: %w", path, err)
	}
	return &f, nil
}

// Glob loads every file matching pattern.
func Glob(pattern string) ([]*File, error) {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	files := make([]*File, 0, len(paths))
	for _, p := range paths {
		f, err := Load(p)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

func (f *File) validate() error {
	var errs []error
	if (f.Policy == "") == (f.PolicyFile == "") {
		errs = append(errs, errors.New("exactly one of policy and policyFile is required"))
	}
	if f.Entrypoint == "" {
		errs = append(errs, errors.New("entrypoint is required"))
	}
	if len(f.Cases) == 0 {
		errs = append(errs, errors.New("cases: at least one case is required"))
	}
	for i, c := range f.Cases {
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("cases[%d].name is required", i))
		}
		if c.Undefined && !c.Want.IsZero() {
			errs = append(errs, fmt.Errorf("cases[%d]: want and undefined are exclusive", i))
		}
	}
	return errors.Join(errs...)
}

// Source returns the policy text and the file name to report errors under.
func (f *File) Source() (file, src string, err error) {
	if f.Policy != "" {
		return f.Path, f.Policy, nil
	}
	p := f.PolicyFile
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(f.Path), p)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return "", "", fmt.Errorf("cases: %w", err)
	}
	return p, string(b), nil
}

// DataJSON is the data document as JSON ({} when none).
func (f *File) DataJSON() ([]byte, error) {
	if f.Data == nil {
		return []byte("{}"), nil
	}
	return toJSON(f.Data)
}

// InputJSON is the case's input as JSON, nil when the case has none.
func (c *Case) InputJSON() ([]byte, error) {
	if c.Input == nil {
		return nil, nil
	}
	return toJSON(c.Input)
}

// WantJSON is the expected value as JSON; ok is false when the case states none.
func (c *Case) WantJSON() (b []byte, ok bool, err error) {
	if c.Want.IsZero() {
		return nil, false, nil
	}
	var v any
	if err := c.Want.Decode(&v); err != nil {
		return nil, false, fmt.Errorf("cases: %s: want: %w", c.Name, err)
	}
	b, err = toJSON(v)
	return b, err == nil, err
}

func toJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cases: %w", err)
	}
	return b, nil
}
