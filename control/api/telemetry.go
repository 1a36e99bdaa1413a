package api

// Telemetry (telemetry.istio.io/v1) configures metrics, access logs and
// tracing of the selected workloads.
type Telemetry struct {
	// Selector chooses the workloads.
	Selector *LabelSelector `json:"selector,omitempty"`
	// TargetRef attaches the configuration to a gateway or service instead.
	TargetRef *PolicyTargetReference `json:"targetRef,omitempty"`
	// TargetRefs attaches the configuration to several targets.
	TargetRefs []PolicyTargetReference `json:"targetRefs,omitempty"`
	// Tracing configuration.
	Tracing []Tracing `json:"tracing,omitempty"`
	// Metrics configuration.
	Metrics []Metrics `json:"metrics,omitempty"`
	// AccessLogging configuration.
	AccessLogging []AccessLogging `json:"accessLogging,omitempty"`
}

// ProviderRef names a telemetry provider from the mesh configuration.
type ProviderRef struct {
	// Name of the provider.
	Name string `json:"name"`
}

// TelemetryMatch limits a setting to a traffic direction.
type TelemetryMatch struct {
	// Mode: CLIENT, SERVER or CLIENT_AND_SERVER.
	Mode WorkloadMode `json:"mode,omitempty"`
}

// Tracing configures tracing.
type Tracing struct {
	// Match limits the setting to a direction.
	Match *TelemetryMatch `json:"match,omitempty"`
	// Providers receiving spans.
	Providers []ProviderRef `json:"providers,omitempty"`
	// RandomSamplingPercentage of requests traced (0-100).
	RandomSamplingPercentage *float64 `json:"randomSamplingPercentage,omitempty"`
	// DisableSpanReporting stops reporting spans.
	DisableSpanReporting *bool `json:"disableSpanReporting,omitempty"`
	// CustomTags added to spans.
	CustomTags map[string]CustomTag `json:"customTags,omitempty"`
	// UseRequestIDForTraceSampling samples by request id.
	UseRequestIDForTraceSampling *bool `json:"useRequestIdForTraceSampling,omitempty"`
	// EnableIstioTags adds Istio's standard tags to spans (default true).
	EnableIstioTags *bool `json:"enableIstioTags,omitempty"`
	// DisableContextPropagation stops propagating trace headers.
	DisableContextPropagation *bool `json:"disableContextPropagation,omitempty"`
}

// CustomTag is a span tag; set one field.
type CustomTag struct {
	// Literal value.
	Literal *LiteralTag `json:"literal,omitempty"`
	// Environment variable of the proxy.
	Environment *EnvironmentTag `json:"environment,omitempty"`
	// Header of the request.
	Header *HeaderTag `json:"header,omitempty"`
	// Formatter is an access-log format string, e.g. "%REQUESTED_SERVER_NAME%".
	Formatter *FormatterTag `json:"formatter,omitempty"`
}

// FormatterTag takes a value from an access-log format string.
type FormatterTag struct {
	// Value is the format string.
	Value string `json:"value"`
}

// LiteralTag is a fixed tag value.
type LiteralTag struct {
	// Value of the tag.
	Value string `json:"value"`
}

// EnvironmentTag takes a value from an environment variable.
type EnvironmentTag struct {
	// Name of the variable.
	Name string `json:"name"`
	// DefaultValue when unset.
	DefaultValue string `json:"defaultValue,omitempty"`
}

// HeaderTag takes a value from a request header.
type HeaderTag struct {
	// Name of the header.
	Name string `json:"name"`
	// DefaultValue when absent.
	DefaultValue string `json:"defaultValue,omitempty"`
}

// Metrics configures metrics.
type Metrics struct {
	// Providers receiving metrics (e.g. "prometheus").
	Providers []ProviderRef `json:"providers,omitempty"`
	// Overrides per metric.
	Overrides []MetricsOverrides `json:"overrides,omitempty"`
	// ReportingInterval for TCP metrics.
	ReportingInterval *Duration `json:"reportingInterval,omitempty"`
}

// MetricsOverrides changes one or all metrics.
type MetricsOverrides struct {
	// Match selects the metric.
	Match *MetricSelector `json:"match,omitempty"`
	// Disabled turns the metric off.
	Disabled *bool `json:"disabled,omitempty"`
	// TagOverrides add, change or remove labels.
	TagOverrides map[string]TagOverride `json:"tagOverrides,omitempty"`
}

// MetricSelector selects a metric; set Metric or CustomMetric.
type MetricSelector struct {
	// Metric is a standard Istio metric.
	Metric IstioMetric `json:"metric,omitempty"`
	// CustomMetric names a metric without the prefix.
	CustomMetric string `json:"customMetric,omitempty"`
	// Mode: CLIENT, SERVER or CLIENT_AND_SERVER.
	Mode WorkloadMode `json:"mode,omitempty"`
}

// IstioMetric names a standard metric.
type IstioMetric string

// Values lists the standard metrics.
func (IstioMetric) Values() []string {
	return []string{"ALL_METRICS", "REQUEST_COUNT", "REQUEST_DURATION", "REQUEST_SIZE",
		"RESPONSE_SIZE", "TCP_OPENED_CONNECTIONS", "TCP_CLOSED_CONNECTIONS", "TCP_SENT_BYTES",
		"TCP_RECEIVED_BYTES", "GRPC_REQUEST_MESSAGES", "GRPC_RESPONSE_MESSAGES"}
}

// TagOverride upserts or removes a metric label.
type TagOverride struct {
	// Operation: UPSERT (default) or REMOVE.
	Operation TagOperation `json:"operation,omitempty"`
	// Value is a CEL expression (UPSERT).
	Value string `json:"value,omitempty"`
}

// TagOperation is UPSERT or REMOVE.
type TagOperation string

// Values lists the accepted operations.
func (TagOperation) Values() []string { return []string{"UPSERT", "REMOVE"} }

// AccessLogging configures access logs.
type AccessLogging struct {
	// Match limits the setting to a direction.
	Match *TelemetryMatch `json:"match,omitempty"`
	// Providers receiving the logs.
	Providers []ProviderRef `json:"providers,omitempty"`
	// Disabled turns logging off.
	Disabled *bool `json:"disabled,omitempty"`
	// Filter selects the requests logged.
	Filter *AccessLogFilter `json:"filter,omitempty"`
}

// AccessLogFilter is a CEL expression selecting requests.
type AccessLogFilter struct {
	// Expression in CEL, e.g. "response.code >= 400".
	Expression string `json:"expression"`
}
