package proxywasm

import (
	"errors"

	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
)

var (
	errEmptyPath = errors.New("proxywasm: property path must not be empty")
	errEmptyData = errors.New("proxywasm: property data must not be empty")
)

// GetProperty returns the property at path, e.g. {"request", "path"} or
// {"connection", "uri_san_peer_certificate"}. Map-valued properties come
// serialized; read them with GetPropertyMap.
func GetProperty(path []string) ([]byte, error) {
	if len(path) == 0 {
		return nil, errEmptyPath
	}
	b, st := hostcall.GetProperty(encodePath(path))
	if err := statusToError(st); err != nil {
		return nil, err
	}
	return b, nil
}

// GetPropertyMap returns a map-valued property as pairs.
func GetPropertyMap(path []string) ([][2]string, error) {
	b, err := GetProperty(path)
	if err != nil {
		return nil, err
	}
	kv, ok := decodePairs(b)
	if !ok {
		return nil, ErrorStatusSerializationFailure
	}
	return kv, nil
}

// SetProperty sets the property at path.
func SetProperty(path []string, data []byte) error {
	if len(path) == 0 {
		return errEmptyPath
	}
	if len(data) == 0 {
		return errEmptyData
	}
	return statusToError(hostcall.SetProperty(encodePath(path), data))
}

// CallForeignFunction calls the host function funcName with param and returns
// its result. Which functions exist depends on the host (wasmesh registers
// its policy engine here).
func CallForeignFunction(funcName string, param []byte) (ret []byte, err error) {
	b, st := hostcall.CallForeignFunction(funcName, param)
	if err := statusToError(st); err != nil {
		return nil, err
	}
	return b, nil
}
