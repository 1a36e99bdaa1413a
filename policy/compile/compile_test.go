package compile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/policy/cache"
	"github.com/wasmesh/wasmesh/policy/eval"
)

func TestCompile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("authz/main.rego", "package authz\n\nimport data.lib\n\nallow if lib.admin(input.user)\n\nmsg := sprintf(\"hi %s\", [input.user])\n")
	write("lib/lib.rego", "package lib\n\nadmin(u) if u in data.admins\n")
	write("lib/lib_test.rego", "package lib\n\ntest_x if false\n")
	p, err := Compile(context.Background(), Request{
		Paths:       []string{dir},
		Data:        []byte(`{"admins":["alice"]}`),
		Entrypoints: []string{"data.authz.allow", "authz/msg"},
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(p.Wasm)
	if p.SHA256 != hex.EncodeToString(sum[:]) || !slices.Equal(p.Entrypoints, []string{"authz/allow", "authz/msg"}) || !slices.Equal(p.Builtins, []string{"sprintf"}) {
		t.Fatalf("compiled: sha %s entrypoints %v builtins %v", p.SHA256, p.Entrypoints, p.Builtins)
	}
	if want := (cache.Fields{Paths: [][]string{{"user"}}}); !reflect.DeepEqual(p.Fields, want) {
		t.Fatalf("fields = %+v, want %+v", p.Fields, want)
	}

	ctx := context.Background()
	e, err := eval.New(ctx, eval.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	loaded, err := e.Load(ctx, p.Wasm, p.Data)
	if err != nil {
		t.Fatal(err)
	}
	for input, want := range map[string]string{`{"user":"alice"}`: `[{"result":true}]`, `{"user":"bob"}`: `[]`} {
		if got, err := loaded.Eval(ctx, "authz/allow", []byte(input)); err != nil || string(got) != want {
			t.Errorf("eval %s = %s, %v; want %s", input, got, err, want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		data    string
		want    []Error // File, Line, Code and a substring of Message
		builtin bool
	}{
		{
			name: "parse error",
			src:  "package p\n\nallow if {\n\tinput.x ==\n}\n",
			want: []Error{{File: "p.rego", Line: 5, Code: "rego_parse_error", Message: "unexpected }"}},
		},
		{
			name: "unsafe variables",
			src:  "package p\n\nallow if {\n\tx > 1\n}\n\ndeny if {\n\ty == 2\n}\n",
			want: []Error{{File: "p.rego", Line: 4, Code: "rego_unsafe_var_error", Message: "var x is unsafe"}, {File: "p.rego", Line: 8, Code: "rego_unsafe_var_error", Message: "var y is unsafe"}},
		},
		{
			name: "unknown function",
			src:  "package p\n\nallow := nosuch.fn(1)\n",
			want: []Error{{File: "p.rego", Line: 3, Code: "rego_type_error", Message: "undefined function nosuch.fn"}},
		},
		{
			name:    "builtin the proxy lacks",
			src:     "package p\n\nallow if {\n\tinput.v != \"\"\n\tsemver.is_valid(input.v)\n}\n",
			want:    []Error{{File: "p.rego", Line: 5, Code: CodeUnsupportedBuiltin, Message: "semver.is_valid"}},
			builtin: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(context.Background(), Request{
				Modules:     []Module{{File: "p.rego", Source: tt.src}},
				Entrypoints: []string{"p/allow"},
			})
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v (%T), want Errors", err, err)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors (%v), want %d", len(errs), err, len(tt.want))
			}
			slices.SortFunc(errs, func(a, b *Error) int { return a.Line - b.Line })
			for i, w := range tt.want {
				g := errs[i]
				if g.File != w.File || g.Line != w.Line || g.Code != w.Code || !strings.Contains(g.Message, w.Message) || g.Column == 0 {
					t.Errorf("error %d = %+v, want %+v", i, *g, w)
				}
			}
			if errors.Is(err, eval.ErrUnsupportedBuiltin) != tt.builtin {
				t.Errorf("errors.Is(ErrUnsupportedBuiltin) = %v", !tt.builtin)
			}
		})
	}
}

func TestCompileRequestErrors(t *testing.T) {
	mod := []Module{{File: "p.rego", Source: "package p\n\nallow := true\n"}}
	for name, req := range map[string]Request{
		"no entrypoints":       {Modules: mod},
		"no modules":           {Entrypoints: []string{"p/allow"}},
		"undefined entrypoint": {Modules: mod, Entrypoints: []string{"p/nope"}},
		"data not an object":   {Modules: mod, Entrypoints: []string{"p/allow"}, Data: []byte(`[1]`)},
		"missing path":         {Paths: []string{"/nonexistent/policy/dir"}, Entrypoints: []string{"p/allow"}},
	} {
		if _, err := Compile(context.Background(), req); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
