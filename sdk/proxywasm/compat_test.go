package proxywasm_test

import (
	"testing"

	tw "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	pw "github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// same compiles only when a and b have identical types: every call below
// proves one function of the tetratelabs API has the same signature here, so
// this test fails at compile time when the APIs drift apart. (The tetratelabs
// package is imported by this test only; the SDK itself never links it.)
func same[F any](a, b F) {}

func TestAPICompatibleWithTetratelabs(t *testing.T) {
	same(tw.SetVMContext, pw.SetVMContext)
	same(tw.GetVMConfiguration, pw.GetVMConfiguration)
	same(tw.GetPluginConfiguration, pw.GetPluginConfiguration)
	same(tw.SetTickPeriodMilliSeconds, pw.SetTickPeriodMilliSeconds)
	same(tw.SetEffectiveContext, pw.SetEffectiveContext)
	same(tw.RegisterSharedQueue, pw.RegisterSharedQueue)
	same(tw.ResolveSharedQueue, pw.ResolveSharedQueue)
	same(tw.EnqueueSharedQueue, pw.EnqueueSharedQueue)
	same(tw.DequeueSharedQueue, pw.DequeueSharedQueue)
	same(tw.PluginDone, pw.PluginDone)
	same(tw.DispatchHttpCall, pw.DispatchHttpCall)
	same(tw.GetHttpCallResponseHeaders, pw.GetHttpCallResponseHeaders)
	same(tw.GetHttpCallResponseBody, pw.GetHttpCallResponseBody)
	same(tw.GetHttpCallResponseTrailers, pw.GetHttpCallResponseTrailers)
	same(tw.GetDownstreamData, pw.GetDownstreamData)
	same(tw.AppendDownstreamData, pw.AppendDownstreamData)
	same(tw.PrependDownstreamData, pw.PrependDownstreamData)
	same(tw.ReplaceDownstreamData, pw.ReplaceDownstreamData)
	same(tw.GetUpstreamData, pw.GetUpstreamData)
	same(tw.AppendUpstreamData, pw.AppendUpstreamData)
	same(tw.PrependUpstreamData, pw.PrependUpstreamData)
	same(tw.ReplaceUpstreamData, pw.ReplaceUpstreamData)
	same(tw.ContinueTcpStream, pw.ContinueTcpStream)
	same(tw.CloseDownstream, pw.CloseDownstream)
	same(tw.CloseUpstream, pw.CloseUpstream)
	same(tw.GetHttpRequestHeaders, pw.GetHttpRequestHeaders)
	same(tw.ReplaceHttpRequestHeaders, pw.ReplaceHttpRequestHeaders)
	same(tw.GetHttpRequestHeader, pw.GetHttpRequestHeader)
	same(tw.RemoveHttpRequestHeader, pw.RemoveHttpRequestHeader)
	same(tw.ReplaceHttpRequestHeader, pw.ReplaceHttpRequestHeader)
	same(tw.AddHttpRequestHeader, pw.AddHttpRequestHeader)
	same(tw.GetHttpRequestBody, pw.GetHttpRequestBody)
	same(tw.AppendHttpRequestBody, pw.AppendHttpRequestBody)
	same(tw.PrependHttpRequestBody, pw.PrependHttpRequestBody)
	same(tw.ReplaceHttpRequestBody, pw.ReplaceHttpRequestBody)
	same(tw.GetHttpRequestTrailers, pw.GetHttpRequestTrailers)
	same(tw.ReplaceHttpRequestTrailers, pw.ReplaceHttpRequestTrailers)
	same(tw.GetHttpRequestTrailer, pw.GetHttpRequestTrailer)
	same(tw.RemoveHttpRequestTrailer, pw.RemoveHttpRequestTrailer)
	same(tw.ReplaceHttpRequestTrailer, pw.ReplaceHttpRequestTrailer)
	same(tw.AddHttpRequestTrailer, pw.AddHttpRequestTrailer)
	same(tw.ResumeHttpRequest, pw.ResumeHttpRequest)
	same(tw.GetHttpResponseHeaders, pw.GetHttpResponseHeaders)
	same(tw.ReplaceHttpResponseHeaders, pw.ReplaceHttpResponseHeaders)
	same(tw.GetHttpResponseHeader, pw.GetHttpResponseHeader)
	same(tw.RemoveHttpResponseHeader, pw.RemoveHttpResponseHeader)
	same(tw.ReplaceHttpResponseHeader, pw.ReplaceHttpResponseHeader)
	same(tw.AddHttpResponseHeader, pw.AddHttpResponseHeader)
	same(tw.GetHttpResponseBody, pw.GetHttpResponseBody)
	same(tw.AppendHttpResponseBody, pw.AppendHttpResponseBody)
	same(tw.PrependHttpResponseBody, pw.PrependHttpResponseBody)
	same(tw.ReplaceHttpResponseBody, pw.ReplaceHttpResponseBody)
	same(tw.GetHttpResponseTrailers, pw.GetHttpResponseTrailers)
	same(tw.ReplaceHttpResponseTrailers, pw.ReplaceHttpResponseTrailers)
	same(tw.GetHttpResponseTrailer, pw.GetHttpResponseTrailer)
	same(tw.RemoveHttpResponseTrailer, pw.RemoveHttpResponseTrailer)
	same(tw.ReplaceHttpResponseTrailer, pw.ReplaceHttpResponseTrailer)
	same(tw.AddHttpResponseTrailer, pw.AddHttpResponseTrailer)
	same(tw.ResumeHttpResponse, pw.ResumeHttpResponse)
	same(tw.SendHttpResponse, pw.SendHttpResponse)
	same(tw.GetSharedData, pw.GetSharedData)
	same(tw.SetSharedData, pw.SetSharedData)
	same(tw.GetProperty, pw.GetProperty)
	same(tw.GetPropertyMap, pw.GetPropertyMap)
	same(tw.SetProperty, pw.SetProperty)
	same(tw.CallForeignFunction, pw.CallForeignFunction)
	same(tw.LogTrace, pw.LogTrace)
	same(tw.LogTracef, pw.LogTracef)
	same(tw.LogDebug, pw.LogDebug)
	same(tw.LogDebugf, pw.LogDebugf)
	same(tw.LogInfo, pw.LogInfo)
	same(tw.LogInfof, pw.LogInfof)
	same(tw.LogWarn, pw.LogWarn)
	same(tw.LogWarnf, pw.LogWarnf)
	same(tw.LogError, pw.LogError)
	same(tw.LogErrorf, pw.LogErrorf)
	same(tw.LogCritical, pw.LogCritical)
	same(tw.LogCriticalf, pw.LogCriticalf)

	// Metrics are named types of each package; their methods have the same
	// shapes on both sides.
	var (
		_ func(string) pw.MetricCounter    = pw.DefineCounterMetric
		_ func(string) pw.MetricGauge      = pw.DefineGaugeMetric
		_ func(string) pw.MetricHistogram  = pw.DefineHistogramMetric
		_ func(pw.MetricCounter, uint64)   = pw.MetricCounter.Increment
		_ func(pw.MetricGauge) int64       = pw.MetricGauge.Value
		_ func(pw.MetricGauge, int64)      = pw.MetricGauge.Add
		_ func(pw.MetricHistogram) uint64  = pw.MetricHistogram.Value
		_ func(pw.MetricHistogram, uint64) = pw.MetricHistogram.Record
		_ func(string) tw.MetricCounter    = tw.DefineCounterMetric
		_ func(tw.MetricCounter, uint64)   = tw.MetricCounter.Increment
		_ func(tw.MetricGauge) int64       = tw.MetricGauge.Value
		_ func(tw.MetricGauge, int64)      = tw.MetricGauge.Add
		_ func(tw.MetricHistogram) uint64  = tw.MetricHistogram.Value
		_ func(tw.MetricHistogram, uint64) = tw.MetricHistogram.Record
	)
}
