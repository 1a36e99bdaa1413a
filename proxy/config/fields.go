package config

import (
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// onlyFields fails if m has any populated field whose name is not in allowed,
// so that config meshproxy does not implement is refused instead of ignored.
func onlyFields(m proto.Message, allowed ...string) error {
	if m == nil {
		return nil
	}
	var err error
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		name := string(fd.Name())
		if !slices.Contains(allowed, name) {
			err = unsupported(name, "field is not supported by meshproxy")
			return false
		}
		return true
	})
	return err
}
