package proxywasm

import (
	"fmt"

	"github.com/wasmesh/wasmesh/sdk/internal/hostcall"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// LogTrace logs msg at trace level.
func LogTrace(msg string) { hostcall.Log(abi.LogTrace, msg) }

// LogTracef formats and logs at trace level.
func LogTracef(format string, args ...any) { hostcall.Log(abi.LogTrace, fmt.Sprintf(format, args...)) }

// LogDebug logs msg at debug level.
func LogDebug(msg string) { hostcall.Log(abi.LogDebug, msg) }

// LogDebugf formats and logs at debug level.
func LogDebugf(format string, args ...any) { hostcall.Log(abi.LogDebug, fmt.Sprintf(format, args...)) }

// LogInfo logs msg at info level.
func LogInfo(msg string) { hostcall.Log(abi.LogInfo, msg) }

// LogInfof formats and logs at info level.
func LogInfof(format string, args ...any) { hostcall.Log(abi.LogInfo, fmt.Sprintf(format, args...)) }

// LogWarn logs msg at warn level.
func LogWarn(msg string) { hostcall.Log(abi.LogWarn, msg) }

// LogWarnf formats and logs at warn level.
func LogWarnf(format string, args ...any) { hostcall.Log(abi.LogWarn, fmt.Sprintf(format, args...)) }

// LogError logs msg at error level.
func LogError(msg string) { hostcall.Log(abi.LogError, msg) }

// LogErrorf formats and logs at error level.
func LogErrorf(format string, args ...any) { hostcall.Log(abi.LogError, fmt.Sprintf(format, args...)) }

// LogCritical logs msg at critical level.
func LogCritical(msg string) { hostcall.Log(abi.LogCritical, msg) }

// LogCriticalf formats and logs at critical level.
func LogCriticalf(format string, args ...any) {
	hostcall.Log(abi.LogCritical, fmt.Sprintf(format, args...))
}

// LogLevel is the host's log level (proxy_log_level_t: 0 trace … 5 critical).
type LogLevel = abi.LogLevel

// GetLogLevel returns the host's current log level, so a filter can skip
// building messages the host would drop.
func GetLogLevel() (LogLevel, error) {
	l, st := hostcall.GetLogLevel()
	return l, statusToError(st)
}
