package proxywasm

import (
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// Errors for statuses the types package has no sentinel for.
var (
	ErrorStatusInvalidMemoryAccess  = errors.New("proxywasm: host returned status: invalid memory access")
	ErrorStatusSerializationFailure = errors.New("proxywasm: host returned status: serialization failure")
	ErrorStatusParseFailure         = errors.New("proxywasm: host returned status: parse failure")
)

// statusToError maps a host status to the types.Error* sentinel callers
// compare against, nil for OK.
func statusToError(st abi.Status) error {
	switch st {
	case abi.StatusOK:
		return nil
	case abi.StatusNotFound:
		return types.ErrorStatusNotFound
	case abi.StatusBadArgument:
		return types.ErrorStatusBadArgument
	case abi.StatusEmpty:
		return types.ErrorStatusEmpty
	case abi.StatusCASMismatch:
		return types.ErrorStatusCasMismatch
	case abi.StatusInternalFailure:
		return types.ErrorInternalFailure
	case abi.StatusUnimplemented:
		return types.ErrorUnimplemented
	case abi.StatusInvalidMemoryAccess:
		return ErrorStatusInvalidMemoryAccess
	case abi.StatusSerializationFailure:
		return ErrorStatusSerializationFailure
	case abi.StatusParseFailure:
		return ErrorStatusParseFailure
	}
	return fmt.Errorf("proxywasm: host returned unknown status %d", uint32(st))
}
