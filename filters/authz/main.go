// Command authz is Mixer's Check inside the proxy: for each request it builds
// the attribute set (who is calling, what they ask for, over what kind of
// connection), asks the policy evaluator the host exposes as a foreign
// function, and lets the request through, or answers it with the policy's
// denial. It runs in Istio's AUTHZ phase.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o authz.wasm .
package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	cfg                     config
	allowed, denied, failed proxywasm.MetricCounter
	// args is the foreign function's argument, reused across requests: a
	// VM runs one callback at a time. Its first prefix bytes, which name
	// the policy and the entrypoint, are written once.
	args   []byte
	prefix int
	source sourceCache
	// keep is the set of headers the configuration lists (nil: all but
	// the sensitive ones); need, the attributes the policy references.
	keep map[string]bool
	need needs
}

func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	b, err := proxywasm.GetPluginConfiguration()
	if err != nil {
		proxywasm.LogCriticalf("authz: reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if p.cfg, err = parseConfig(b); err != nil {
		proxywasm.LogCritical(err.Error())
		return types.OnPluginStartStatusFailed
	}
	p.need = needsFor(p.cfg.Module)
	p.args = appendArgsPrefix(nil, p.cfg.Policy, p.cfg.Entrypoint)
	p.prefix = len(p.args)
	if len(p.cfg.Headers) > 0 {
		p.keep = make(map[string]bool, len(p.cfg.Headers))
		for _, h := range p.cfg.Headers {
			p.keep[h] = true
		}
	}
	if err := p.loadPolicy(); err != nil {
		proxywasm.LogCriticalf("authz: loading policy %q: %v", p.cfg.Policy, err)
		return types.OnPluginStartStatusFailed
	}
	p.allowed = proxywasm.DefineCounterMetric(metricName("allow", p.cfg.Policy))
	p.denied = proxywasm.DefineCounterMetric(metricName("deny", p.cfg.Policy))
	p.failed = proxywasm.DefineCounterMetric(metricName("error", p.cfg.Policy))
	return types.OnPluginStartStatusOK
}

// loadPolicy asks the proxy to fetch and load the configured policy module.
func (p *plugin) loadPolicy() error {
	m := p.cfg.Module
	if m == nil {
		return nil
	}
	args, err := json.Marshal(map[string]any{"name": p.cfg.Policy, "url": m.URL, "sha256": m.SHA256,
		"fields": rawOrNull(m.Fields), "data": rawOrNull(m.Data)})
	if err != nil {
		return err
	}
	_, err = proxywasm.CallForeignFunction(loadFunction, args)
	return err
}

func rawOrNull(r json.RawMessage) json.RawMessage {
	if len(r) == 0 {
		return json.RawMessage("null")
	}
	return r
}

func metricName(result, policy string) string {
	return fmt.Sprintf(`wasmesh_authz_decisions_total{policy=%q,decision=%q}`, policy, result)
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{p: p} }

type stream struct {
	types.DefaultHttpContext
	p *plugin
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	d, err := s.p.check(hostRequest{})
	if err != nil {
		s.p.failed.Increment(1)
		proxywasm.LogWarnf("authz: policy %q: %v", s.p.cfg.Policy, err)
		if s.p.cfg.FailOpen {
			return types.ActionContinue
		}
		s.reply(s.p.cfg.ErrorStatus, "policy check failed\n", nil, "evaluation error")
		return types.ActionPause
	}
	if d.Allow {
		s.p.allowed.Increment(1)
		return types.ActionContinue
	}
	s.p.denied.Increment(1)
	status := d.Status
	if status == 0 {
		status = s.p.cfg.DenyStatus
	}
	body := d.Body
	if body == "" {
		body = "RBAC: access denied"
		if d.Reason != "" {
			body += ": " + d.Reason
		}
		body += "\n"
	}
	s.reply(status, body, d.Headers, d.Reason)
	return types.ActionPause
}

func (s *stream) reply(status int, body string, headers map[string]string, reason string) {
	hs := make([][2]string, 0, len(headers)+2)
	hs = append(hs, [2]string{"content-type", "text/plain"})
	if reason != "" {
		hs = append(hs, [2]string{"x-wasmesh-authz-reason", reason})
	}
	for k, v := range headers {
		hs = append(hs, [2]string{k, v})
	}
	if err := proxywasm.SendHttpResponse(uint32(status), hs, []byte(body), -1); err != nil {
		proxywasm.LogErrorf("authz: sending local response: %v", err)
	}
}

// check asks the evaluator about one request.
func (p *plugin) check(r request) (decision, error) {
	in := buildInput(r, p.keep, p.need, now)
	p.args = appendInput(p.args[:p.prefix], &in, p.need, &p.source)
	out, err := proxywasm.CallForeignFunction(p.cfg.Function, p.args)
	if err != nil {
		return decision{}, fmt.Errorf("calling %s: %w", p.cfg.Function, err)
	}
	return parseDecision(out)
}

// evalArgs is the foreign function's argument, as appendArgs encodes it.
type evalArgs struct {
	Policy     string `json:"policy"`
	Entrypoint string `json:"entrypoint"`
	Input      input  `json:"input"`
}

func now() time.Time {
	if ns, err := proxywasm.GetCurrentTimeNanoseconds(); err == nil {
		return time.Unix(0, int64(ns))
	}
	return time.Now()
}

// hostRequest reads the current stream through the host.
type hostRequest struct{}

func (hostRequest) Headers() [][2]string {
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		proxywasm.LogWarnf("authz: reading request headers: %v", err)
	}
	return hs
}

func (hostRequest) Header(name string) (string, bool) {
	v, err := proxywasm.GetHttpRequestHeader(name)
	return v, err == nil
}

func (hostRequest) Property(path ...string) ([]byte, bool) {
	b, err := proxywasm.GetProperty(path)
	return b, err == nil
}
