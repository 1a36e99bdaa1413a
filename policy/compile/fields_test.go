package compile

import (
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/wasmesh/wasmesh/policy/cache"
)

func TestReferencedFields(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want cache.Fields
	}{
		{
			name: "dotted and bracketed refs",
			src:  `allow if { input.source.principal == "x"; input.request.headers["x-user"] == "bob" }`,
			want: cache.Fields{Paths: [][]string{{"request", "headers", "x-user"}, {"source", "principal"}}},
		},
		{
			name: "dynamic key keeps the constant prefix",
			src:  `allow if { some k; input.request.headers[k] == "v" }`,
			want: cache.Fields{Paths: [][]string{{"request", "headers"}}},
		},
		{
			name: "array index",
			src:  `allow if input.items[0].id == 1`,
			want: cache.Fields{Paths: [][]string{{"items", "0", "id"}}},
		},
		{
			name: "ref inside a ref",
			src:  `allow if data.roles[input.user][input.action]`,
			want: cache.Fields{Paths: [][]string{{"action"}, {"user"}}},
		},
		{
			name: "whole input",
			src:  `allow if { x := input; x.a == 1 }`,
			want: cache.Fields{Whole: true},
		},
		{
			name: "walk over input",
			src:  `allow if { walk(input, [_, v]); v == "secret" }`,
			want: cache.Fields{Whole: true},
		},
		{
			name: "clock makes it uncacheable",
			src:  `allow if { time.now_ns() > input.deadline }`,
			want: cache.Fields{Paths: [][]string{{"deadline"}}, NoCache: true},
		},
		{
			name: "no input",
			src:  `allow := true`,
			want: cache.Fields{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ast.ParseModuleWithOpts("p.rego", "package p\n\n"+tt.src+"\n", ast.ParserOptions{RegoVersion: ast.RegoV1})
			if err != nil {
				t.Fatal(err)
			}
			c := ast.NewCompiler()
			if c.Compile(map[string]*ast.Module{"p.rego": m}); c.Failed() {
				t.Fatal(c.Errors)
			}
			if got := referencedFields(c.Modules); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fields = %+v, want %+v", got, tt.want)
			}
		})
	}
}
