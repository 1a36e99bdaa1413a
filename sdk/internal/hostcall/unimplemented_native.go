//go:build !wasip1

package hostcall

import "github.com/wasmesh/wasmesh/wasm/abi"

// unimplemented is the native default host: no emulator installed, so every
// call reports StatusUnimplemented instead of crashing.
type unimplemented struct{}

var _ Host = unimplemented{}

const unimpl = abi.StatusUnimplemented

func (unimplemented) Log(abi.LogLevel, string) abi.Status             { return unimpl }
func (unimplemented) GetLogLevel() (abi.LogLevel, abi.Status)         { return 0, unimpl }
func (unimplemented) GetCurrentTimeNanoseconds() (uint64, abi.Status) { return 0, unimpl }
func (unimplemented) SetTickPeriodMilliseconds(uint32) abi.Status     { return unimpl }
func (unimplemented) SetEffectiveContext(uint32) abi.Status           { return unimpl }
func (unimplemented) Done() abi.Status                                { return unimpl }
func (unimplemented) GetBufferBytes(abi.BufferType, uint32, uint32) ([]byte, abi.Status) {
	return nil, unimpl
}
func (unimplemented) GetBufferStatus(abi.BufferType) (uint32, uint32, abi.Status) {
	return 0, 0, unimpl
}
func (unimplemented) SetBufferBytes(abi.BufferType, uint32, uint32, []byte) abi.Status {
	return unimpl
}
func (unimplemented) GetHeaderMapSize(abi.MapType) (uint32, abi.Status)  { return 0, unimpl }
func (unimplemented) GetHeaderMapPairs(abi.MapType) ([]byte, abi.Status) { return nil, unimpl }
func (unimplemented) SetHeaderMapPairs(abi.MapType, []byte) abi.Status   { return unimpl }
func (unimplemented) GetHeaderMapValue(abi.MapType, string) ([]byte, abi.Status) {
	return nil, unimpl
}
func (unimplemented) AddHeaderMapValue(abi.MapType, string, string) abi.Status     { return unimpl }
func (unimplemented) ReplaceHeaderMapValue(abi.MapType, string, string) abi.Status { return unimpl }
func (unimplemented) RemoveHeaderMapValue(abi.MapType, string) abi.Status          { return unimpl }
func (unimplemented) ContinueStream(abi.StreamType) abi.Status                     { return unimpl }
func (unimplemented) CloseStream(abi.StreamType) abi.Status                        { return unimpl }
func (unimplemented) SendLocalResponse(uint32, string, []byte, []byte, int32) abi.Status {
	return unimpl
}
func (unimplemented) HttpCall(string, []byte, []byte, []byte, uint32) (uint32, abi.Status) {
	return 0, unimpl
}
func (unimplemented) GetSharedData(string) ([]byte, uint32, abi.Status) { return nil, 0, unimpl }
func (unimplemented) SetSharedData(string, []byte, uint32) abi.Status   { return unimpl }
func (unimplemented) RegisterSharedQueue(string) (uint32, abi.Status)   { return 0, unimpl }
func (unimplemented) ResolveSharedQueue(string, string) (uint32, abi.Status) {
	return 0, unimpl
}
func (unimplemented) EnqueueSharedQueue(uint32, []byte) abi.Status   { return unimpl }
func (unimplemented) DequeueSharedQueue(uint32) ([]byte, abi.Status) { return nil, unimpl }
func (unimplemented) DefineMetric(abi.MetricType, string) (uint32, abi.Status) {
	return 0, unimpl
}
func (unimplemented) RecordMetric(uint32, uint64) abi.Status   { return unimpl }
func (unimplemented) IncrementMetric(uint32, int64) abi.Status { return unimpl }
func (unimplemented) GetMetric(uint32) (uint64, abi.Status)    { return 0, unimpl }
func (unimplemented) GetProperty([]byte) ([]byte, abi.Status)  { return nil, unimpl }
func (unimplemented) SetProperty([]byte, []byte) abi.Status    { return unimpl }
func (unimplemented) CallForeignFunction(string, []byte) ([]byte, abi.Status) {
	return nil, unimpl
}
