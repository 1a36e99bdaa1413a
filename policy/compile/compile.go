package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	opacompile "github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/util"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/eval"
)

// Module is one Rego source file.
type Module struct {
	File   string // name used in errors
	Source string
}

// Request is what to compile.
type Request struct {
	Modules []Module // inline sources
	// Paths are .rego files or directories searched recursively for .rego
	// files (files ending in _test.rego are skipped).
	Paths []string
	// Data is the base data document, a JSON object (nil for none).
	Data []byte
	// Entrypoints are the rules to expose, "pkg/rule" or "data.pkg.rule".
	Entrypoints []string
}

// Policy is a compiled policy.
type Policy struct {
	Wasm   []byte
	SHA256 string // hex digest of Wasm
	// Entrypoints of the module, "pkg/rule"; OPA adds rules the requested
	// ones depend on.
	Entrypoints []string
	// Builtins the module imports from the host (all in eval.SupportedBuiltins).
	Builtins []string
	// Fields are the input fields the policy references: the cache key.
	Fields cache.Fields
	// Data is the data document to load with the module ({} when none).
	Data []byte
}

// Compile compiles req to OPA Wasm. Problems in the policy come back as
// Errors.
func Compile(ctx context.Context, req Request) (*Policy, error) {
	if len(req.Entrypoints) == 0 {
		return nil, errors.New("compile: no entrypoints")
	}
	files, err := sources(req)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("compile: no rego modules")
	}
	var errs Errors
	modules := map[string]*ast.Module{}
	b := &bundle.Bundle{Data: map[string]any{}}
	for _, f := range files {
		m, err := ast.ParseModuleWithOpts(f.File, f.Source, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			errs = append(errs, fromOPA(err)...)
			continue
		}
		if _, dup := modules[f.File]; dup {
			errs = append(errs, &Error{File: f.File, Message: "duplicate module file name"})
			continue
		}
		modules[f.File] = m
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: f.File, Path: f.File, Raw: []byte(f.Source), Parsed: m})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	data := req.Data
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := util.UnmarshalJSON(data, &b.Data); err != nil {
		return nil, fmt.Errorf("compile: data must be a JSON object: %w", err)
	}

	compiler := ast.NewCompiler().WithCapabilities(ast.CapabilitiesForThisVersion())
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fromOPA(compiler.Errors)
	}
	fields := referencedFields(compiler.Modules)

	entrypoints := make([]string, len(req.Entrypoints))
	for i, e := range req.Entrypoints {
		entrypoints[i] = strings.ReplaceAll(strings.TrimPrefix(e, "data."), ".", "/")
	}
	c := opacompile.New().
		WithTarget(opacompile.TargetWasm).
		WithEntrypoints(entrypoints...).
		WithRegoVersion(ast.RegoV1).
		WithBundle(b)
	if err := c.Build(ctx); err != nil {
		return nil, fromOPA(err)
	}
	out := c.Bundle()
	if len(out.WasmModules) != 1 {
		return nil, fmt.Errorf("compile: opa produced %d wasm modules, want 1", len(out.WasmModules))
	}
	wasm := out.WasmModules[0].Raw
	sum := sha256.Sum256(wasm)
	p := &Policy{Wasm: wasm, SHA256: hex.EncodeToString(sum[:]), Fields: fields, Data: data}
	if err := p.check(ctx, compiler.Modules); err != nil {
		return nil, err
	}
	return p, nil
}

// check loads the module into the proxy's evaluator: that validates it,
// lists its entrypoints and builtins, and rejects builtins the proxy lacks.
func (p *Policy) check(ctx context.Context, modules map[string]*ast.Module) error {
	e, err := eval.New(ctx, eval.Config{Instances: 1, Interpret: true})
	if err != nil {
		return err
	}
	defer e.Close(ctx)
	loaded, err := e.Load(ctx, p.Wasm, p.Data)
	var unsupported *eval.UnsupportedBuiltinError
	if errors.As(err, &unsupported) {
		return unsupportedErrors(unsupported.Names, modules)
	}
	if err != nil {
		return fmt.Errorf("compile: loading the compiled module: %w", err)
	}
	p.Entrypoints, p.Builtins = loaded.Entrypoints(), loaded.Builtins()
	return nil
}

// unsupportedErrors reports each unsupported builtin at its first call site.
func unsupportedErrors(names []string, modules map[string]*ast.Module) Errors {
	var errs Errors
	for _, name := range names {
		e := &Error{Code: CodeUnsupportedBuiltin, Message: fmt.Sprintf("builtin %s is not supported by the proxy's policy evaluator", name)}
		if loc := firstCall(name, modules); loc != nil {
			e.File, e.Line, e.Column = loc.File, loc.Row, loc.Col
		}
		errs = append(errs, e)
	}
	return errs
}

func firstCall(name string, modules map[string]*ast.Module) *ast.Location {
	var found *ast.Location
	for _, file := range slices.Sorted(maps.Keys(modules)) {
		ast.WalkExprs(modules[file], func(x *ast.Expr) bool {
			if found == nil && x.IsCall() && x.Operator().String() == name {
				found = x.Location
			}
			return found != nil
		})
		if found != nil {
			return found
		}
	}
	return nil
}

// sources gathers the inline modules and the .rego files under Paths.
func sources(req Request) ([]Module, error) {
	files := slices.Clone(req.Modules)
	for _, root := range req.Paths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files = append(files, Module{File: path, Source: string(src)})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("compile: %w", err)
		}
	}
	return files, nil
}
