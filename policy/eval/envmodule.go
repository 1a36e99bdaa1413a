package eval

import "encoding/binary"

// hostModule is the name of the host module holding the OPA imports.
const hostModule = "wasmesh.opa"

// hostImports are the functions an OPA policy imports from "env", with their
// parameter counts (all i32); opa_abort and opa_println return nothing, the
// builtin dispatchers return an i32 value address.
var hostImports = []struct {
	name   string
	params int
	result bool
}{
	{"opa_abort", 1, false},
	{"opa_println", 1, false},
	{"opa_builtin0", 2, true},
	{"opa_builtin1", 3, true},
	{"opa_builtin2", 4, true},
	{"opa_builtin3", 5, true},
	{"opa_builtin4", 6, true},
}

// envModule encodes a tiny Wasm module that plays the policy's "env": it
// defines a private linear memory (minPages..maxPages) and re-exports the
// host functions, so every policy instance gets its own memory while all
// share one host module.
func envModule(minPages, maxPages uint32) []byte {
	b := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

	var types []byte
	types = binary.AppendUvarint(types, uint64(len(hostImports)))
	for _, f := range hostImports {
		types = append(types, 0x60)
		types = binary.AppendUvarint(types, uint64(f.params))
		for range f.params {
			types = append(types, 0x7f) // i32
		}
		if f.result {
			types = append(types, 0x01, 0x7f)
		} else {
			types = append(types, 0x00)
		}
	}
	b = appendSection(b, 1, types)

	var imports []byte
	imports = binary.AppendUvarint(imports, uint64(len(hostImports)))
	for i, f := range hostImports {
		imports = appendName(imports, hostModule)
		imports = appendName(imports, f.name)
		imports = append(imports, 0x00) // func
		imports = binary.AppendUvarint(imports, uint64(i))
	}
	b = appendSection(b, 2, imports)

	mem := []byte{0x01, 0x01} // one memory, limits with max
	mem = binary.AppendUvarint(mem, uint64(minPages))
	mem = binary.AppendUvarint(mem, uint64(maxPages))
	b = appendSection(b, 5, mem)

	var exports []byte
	exports = binary.AppendUvarint(exports, uint64(len(hostImports)+1))
	for i, f := range hostImports {
		exports = appendName(exports, f.name)
		exports = append(exports, 0x00)
		exports = binary.AppendUvarint(exports, uint64(i))
	}
	exports = appendName(exports, "memory")
	exports = append(exports, 0x02, 0x00) // memory 0
	return appendSection(b, 7, exports)
}

func appendSection(b []byte, id byte, body []byte) []byte {
	b = append(b, id)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

func appendName(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
