package guest

import (
	"bytes"
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

type pluginContext struct {
	types.DefaultPluginContext
	id      uint32
	tcp     bool
	queueID uint32
	ticks   proxywasm.MetricCounter
}

func (p *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	cfg, err := proxywasm.GetPluginConfiguration()
	switch {
	case size == 0:
	case err != nil:
		expect("plugin_configuration", false, "%v", err)
	default:
		p.tcp = string(cfg) == "tcp"
		expect("plugin_configuration", string(cfg) == "tcp" || string(cfg) == "http", "got %q", cfg)
	}
	p.checkLogAndTime()
	p.checkMetrics()
	p.checkSharedData()
	p.checkQueue()
	p.checkProperties()
	p.checkForeign()
	checkGoroutines()
	noErr("set_effective_context_root", proxywasm.SetEffectiveContext(p.id))
	noErr("set_tick_period", proxywasm.SetTickPeriodMilliSeconds(10))
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) checkLogAndTime() {
	l, err := proxywasm.GetLogLevel()
	expect("get_log_level", err == nil && l <= 5, "level %d, %v", l, err)
	t, err := proxywasm.GetCurrentTimeNanoseconds()
	expect("current_time", err == nil && t > 1_600_000_000_000_000_000, "%d, %v", t, err)
	proxywasm.LogTrace("conformance: trace")
	proxywasm.LogDebugf("conformance: %s", "debug")
	proxywasm.LogWarn("conformance: warn")
	proxywasm.LogCriticalf("conformance: %s", "critical")
}

func (p *pluginContext) checkMetrics() {
	c := proxywasm.DefineCounterMetric("conformance_counter")
	c.Increment(3)
	c.Increment(4)
	expect("metric_counter", c.Value() == 7, "value %d", c.Value())
	g := proxywasm.DefineGaugeMetric("conformance_gauge")
	g.Add(5)
	g.Add(-2)
	expect("metric_gauge", g.Value() == 3, "value %d", g.Value())
	h := proxywasm.DefineHistogramMetric("conformance_histogram")
	h.Record(5)
	h.Record(37)
	again := proxywasm.DefineCounterMetric("conformance_counter")
	expect("metric_define_idempotent", again == c, "ids %d and %d", again, c)
	p.ticks = proxywasm.DefineCounterMetric(TickCounter)
}

func (p *pluginContext) checkSharedData() {
	_, _, err := proxywasm.GetSharedData("conformance/missing")
	expect("shared_data_missing", errors.Is(err, types.ErrorStatusNotFound), "%v", err)
	noErr("shared_data_set", proxywasm.SetSharedData("conformance/k", []byte("v1"), 0))
	v, cas, err := proxywasm.GetSharedData("conformance/k")
	expect("shared_data_get", err == nil && string(v) == "v1" && cas != 0, "%q cas %d, %v", v, cas, err)
	err = proxywasm.SetSharedData("conformance/k", []byte("v2"), cas+1000)
	expect("shared_data_cas_mismatch", errors.Is(err, types.ErrorStatusCasMismatch), "%v", err)
	noErr("shared_data_cas_set", proxywasm.SetSharedData("conformance/k", []byte("v2"), cas))
	v, cas2, err := proxywasm.GetSharedData("conformance/k")
	expect("shared_data_cas_moved", err == nil && string(v) == "v2" && cas2 != cas, "%q cas %d→%d, %v", v, cas, cas2, err)
}

func (p *pluginContext) checkQueue() {
	id, err := proxywasm.RegisterSharedQueue(QueueName)
	if !noErr("queue_register", err) {
		return
	}
	p.queueID = id
	vm, err := proxywasm.GetProperty([]string{"plugin_vm_id"})
	if !noErr("property_plugin_vm_id", err) {
		return
	}
	rid, err := proxywasm.ResolveSharedQueue(string(vm), QueueName)
	expect("queue_resolve", err == nil && rid == id, "id %d want %d, %v", rid, id, err)
	_, err = proxywasm.ResolveSharedQueue(string(vm), "conformance-no-such-queue")
	expect("queue_resolve_missing", errors.Is(err, types.ErrorStatusNotFound), "%v", err)
	_, err = proxywasm.DequeueSharedQueue(id)
	expect("queue_dequeue_empty", errors.Is(err, types.ErrorStatusEmpty), "%v", err)
	noErr("queue_enqueue", proxywasm.EnqueueSharedQueue(id, []byte("plugin-start")))
}

func (p *pluginContext) checkProperties() {
	for _, name := range []string{"plugin_name", "plugin_root_id"} {
		v, err := proxywasm.GetProperty([]string{name})
		expect("property_"+name, err == nil && len(v) > 0, "%q, %v", v, err)
	}
	_, err := proxywasm.GetProperty([]string{"conformance", "no", "such", "property"})
	expect("property_missing", errors.Is(err, types.ErrorStatusNotFound), "%v", err)
	_, err = proxywasm.GetProperty(nil)
	expect("property_empty_path", err != nil, "no error")
}

func (p *pluginContext) checkForeign() {
	got, err := proxywasm.CallForeignFunction(ForeignEcho, []byte("abc"))
	expect("foreign_function", err == nil && bytes.Equal(got, []byte("cba")), "%q, %v", got, err)
	_, err = proxywasm.CallForeignFunction("conformance_no_such_function", nil)
	expect("foreign_function_missing", errors.Is(err, types.ErrorStatusNotFound), "%v", err)
}

// OnQueueReady dequeues stream ids to resume (see OnHttpResponseHeaders) or
// the plugin-start item.
func (p *pluginContext) OnQueueReady(id uint32) {
	expect("queue_ready_id", id == p.queueID, "id %d want %d", id, p.queueID)
	for {
		item, err := proxywasm.DequeueSharedQueue(id)
		if errors.Is(err, types.ErrorStatusEmpty) {
			return
		}
		if !noErr("queue_dequeue", err) {
			return
		}
		if string(item) == "plugin-start" {
			expect("queue_ready", true, "")
			continue
		}
		resumeResponse(item)
	}
}

func (p *pluginContext) OnTick() {
	p.ticks.Increment(1)
	expect("tick", true, "")
	noErr("tick_stop", proxywasm.SetTickPeriodMilliSeconds(0))
}

func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	if p.tcp {
		return nil
	}
	return &httpContext{id: id, queueID: p.queueID}
}

func (p *pluginContext) NewTcpContext(id uint32) types.TcpContext {
	if !p.tcp {
		return nil
	}
	return &tcpContext{}
}
