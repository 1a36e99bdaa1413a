package pilot

import (
	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	streamv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
)

// AccessLoggerStdout is Envoy's stdout access logger.
const AccessLoggerStdout = "envoy.access_loggers.stdout"

// emitAccessLog is Envoy's default-format stdout logger, or nil when off.
func emitAccessLog(on bool) []*accesslogv3.AccessLog {
	if !on {
		return nil
	}
	return []*accesslogv3.AccessLog{{Name: AccessLoggerStdout,
		ConfigType: &accesslogv3.AccessLog_TypedConfig{TypedConfig: mustAny(&streamv3.StdoutAccessLog{})}}}
}
