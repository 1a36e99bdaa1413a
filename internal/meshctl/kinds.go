package meshctl

import (
	"fmt"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// resolveKind accepts a kind as its name, plural or short lower-case form
// (VirtualService, virtualservices, virtualservice, vs-style names are not guessed).
func resolveKind(s string) (string, error) {
	var names []string
	for _, k := range api.Kinds() {
		if strings.EqualFold(s, k.GVK.Kind) || strings.EqualFold(s, k.Plural) {
			return k.GVK.Kind, nil
		}
		names = append(names, k.GVK.Kind)
	}
	return "", usageError{fmt.Errorf("unknown kind %q; known kinds: %s", s, strings.Join(names, ", "))}
}
