package meshctl

import (
	"fmt"
	"strings"

	"github.com/wasmesh/wasmesh/control/api"
)

// resolveKind accepts a kind by its name or plural in any case
// (VirtualService, virtualservice, virtualservices); abbreviations such as
// "vs" are not guessed.
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
