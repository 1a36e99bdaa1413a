package config

import (
	"fmt"
	"time"

	accesslogv3 "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	filev3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	streamv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// FilterRouter is the terminal HTTP filter.
const FilterRouter = "envoy.filters.http.router"

const defaultTCPIdle = time.Hour

var unmarshalOpts = proto.UnmarshalOptions{}

func httpConnectionManager(h *hcmv3.HttpConnectionManager) (*HTTPConnectionManager, error) {
	if err := onlyFields(h, "codec_type", "stat_prefix", "rds", "route_config", "http_filters",
		"common_http_protocol_options", "http2_protocol_options", "stream_idle_timeout", "request_timeout",
		"access_log", "use_remote_address", "xff_num_trusted_hops", "upgrade_configs", "normalize_path",
		"merge_slashes", "path_with_escaped_slashes_action", "server_name", "forward_client_cert_details",
		"set_current_client_cert_details", "generate_request_id", "preserve_external_request_id",
		"tracing", "drain_timeout", "delayed_close_timeout", "http_protocol_options", "skip_xff_append",
		"internal_address_config", "request_headers_timeout"); err != nil {
		return nil, err
	}
	out := &HTTPConnectionManager{
		StatPrefix:        h.GetStatPrefix(),
		StreamIdleTimeout: dur(h.GetStreamIdleTimeout()),
		RequestTimeout:    dur(h.GetRequestTimeout()),
		UseRemoteAddress:  h.GetUseRemoteAddress().GetValue(),
	}
	if t := h.GetTracing(); t != nil {
		tr, err := tracing(t)
		if err != nil {
			return nil, at("tracing", err)
		}
		out.Tracing = tr
	}
	if h.StreamIdleTimeout == nil {
		out.StreamIdleTimeout = 5 * time.Minute
	}
	switch h.GetCodecType() {
	case hcmv3.HttpConnectionManager_AUTO:
		out.Codec = CodecAuto
	case hcmv3.HttpConnectionManager_HTTP1:
		out.Codec = CodecHTTP1
	case hcmv3.HttpConnectionManager_HTTP2:
		out.Codec = CodecHTTP2
	default:
		return nil, unsupported("codec_type", "%v", h.GetCodecType())
	}
	switch {
	case h.GetRds() != nil:
		if h.GetRds().GetRouteConfigName() == "" {
			return nil, invalid("rds.route_config_name", "empty")
		}
		out.RDSName = h.GetRds().GetRouteConfigName()
	case h.GetRouteConfig() != nil:
		rc, err := routeConfig(h.GetRouteConfig())
		if err != nil {
			return nil, at("route_config", err)
		}
		out.Routes = rc
	default:
		return nil, unsupported("route_specifier", "only rds and route_config")
	}
	for i, u := range h.GetUpgradeConfigs() {
		if u.GetUpgradeType() != "websocket" {
			return nil, unsupported(fmt.Sprintf("upgrade_configs[%d].upgrade_type", i), "%q", u.GetUpgradeType())
		}
		if len(u.GetFilters()) > 0 {
			return nil, unsupported(fmt.Sprintf("upgrade_configs[%d].filters", i), "set")
		}
		out.WebSocket = u.GetEnabled() == nil || u.GetEnabled().GetValue()
	}
	for i, al := range h.GetAccessLog() {
		if err := accessLog(al); err != nil {
			return nil, at(fmt.Sprintf("access_log[%d]", i), err)
		}
		out.AccessLog = true
	}
	filters := h.GetHttpFilters()
	if len(filters) == 0 || filters[len(filters)-1].GetName() != FilterRouter {
		return nil, invalid("http_filters", "the last filter must be %s", FilterRouter)
	}
	for i, f := range filters[:len(filters)-1] {
		hf, err := httpFilter(f.GetName(), f.GetTypedConfig(), f.GetConfigDiscovery() != nil)
		if err != nil {
			return nil, at(fmt.Sprintf("http_filters[%d]", i), err)
		}
		if f.GetConfigDiscovery() != nil {
			cd := f.GetConfigDiscovery()
			if len(cd.GetTypeUrls()) == 0 {
				return nil, invalid(fmt.Sprintf("http_filters[%d].config_discovery.type_urls", i), "empty")
			}
			hf.ECDSName = f.GetName()
			hf.Kind = filterKindOfURL(cd.GetTypeUrls()[0])
			if hf.Kind == "" {
				return nil, unsupported(fmt.Sprintf("http_filters[%d].config_discovery.type_urls", i), "%q", cd.GetTypeUrls()[0])
			}
		}
		hf.Disabled = f.GetDisabled()
		out.Filters = append(out.Filters, *hf)
	}
	last := filters[len(filters)-1]
	if last.GetTypedConfig() != nil {
		var r routerv3.Router
		if err := last.GetTypedConfig().UnmarshalTo(&r); err != nil {
			return nil, invalid(fmt.Sprintf("http_filters[%d].typed_config", len(filters)-1), "%v", err)
		}
		if err := onlyFields(&r, "suppress_envoy_headers", "start_child_span", "dynamic_stats"); err != nil {
			return nil, at(fmt.Sprintf("http_filters[%d].typed_config", len(filters)-1), err)
		}
	}
	return out, nil
}

// accessLog accepts only Envoy's default format written to stdout.
func accessLog(al *accesslogv3.AccessLog) error {
	if err := onlyFields(al, "name", "typed_config"); err != nil {
		return err
	}
	msg, err := anypb.UnmarshalNew(al.GetTypedConfig(), unmarshalOpts)
	if err != nil {
		return invalid("typed_config", "%v", err)
	}
	switch c := msg.(type) {
	case *streamv3.StdoutAccessLog:
		if c.GetAccessLogFormat() != nil {
			return unsupported("typed_config.log_format", "only the default format")
		}
	case *filev3.FileAccessLog:
		if c.GetPath() != "/dev/stdout" {
			return unsupported("typed_config.path", "only /dev/stdout, got %q", c.GetPath())
		}
		if c.GetAccessLogFormat() != nil {
			return unsupported("typed_config.log_format", "only the default format")
		}
	default:
		return unsupported("typed_config", "access logger %s", al.GetTypedConfig().GetTypeUrl())
	}
	return nil
}
