package compile

import (
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/wasmesh/wasmesh/policy/cache"
)

// referencedFields walks compiled modules for references rooted at input
// and records the constant prefix of each (input.request.headers["x"] →
// request/headers/x; input.request.headers[k] → request/headers). A bare
// input, or a reference with no constant prefix, makes the key the whole
// input. A call to a nondeterministic builtin (time.now_ns, ...) marks the
// decision uncacheable.
func referencedFields(modules map[string]*ast.Module) cache.Fields {
	var f cache.Fields
	seen := map[string]bool{}
	var vis *ast.GenericVisitor
	vis = ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case *ast.Expr:
			if x.IsCall() {
				if b, ok := ast.BuiltinMap[x.Operator().String()]; ok && b.Nondeterministic {
					f.NoCache = true
				}
			}
		case ast.Call:
			if len(x) > 0 {
				if b, ok := ast.BuiltinMap[x[0].String()]; ok && b.Nondeterministic {
					f.NoCache = true
				}
			}
		case ast.Var:
			if x.Equal(ast.InputRootDocument.Value) {
				f.Whole = true
			}
		case ast.Ref:
			if len(x) == 0 || !x[0].Equal(ast.InputRootDocument) {
				return false
			}
			path := constantPrefix(x[1:])
			if len(path) == 0 {
				f.Whole = true
			} else if k := pathKey(path); !seen[k] {
				seen[k] = true
				f.Paths = append(f.Paths, path)
			}
			for _, t := range x[1:] {
				vis.Walk(t)
			}
			return true // the head var is not a bare input
		}
		return false
	})
	for _, name := range sortedNames(modules) {
		vis.Walk(modules[name])
	}
	slices.SortFunc(f.Paths, slices.Compare)
	if f.Whole {
		f.Paths = nil
	}
	return f
}

// constantPrefix returns the leading string and integer keys of a ref tail.
func constantPrefix(tail ast.Ref) []string {
	var path []string
	for _, t := range tail {
		switch v := t.Value.(type) {
		case ast.String:
			path = append(path, string(v))
		case ast.Number:
			if i, ok := v.Int(); ok && i >= 0 {
				path = append(path, v.String())
				continue
			}
			return path
		default:
			return path
		}
	}
	return path
}

func pathKey(p []string) string {
	k := ""
	for _, s := range p {
		k += s + "\x00"
	}
	return k
}

func sortedNames(modules map[string]*ast.Module) []string {
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
