// Command tcpguest is a network (TCP) proxy-wasm filter for the tests of
// package netwasm. Its plugin configuration is a comma-separated list of
// behaviours:
//
//	log       log every callback ("tcpguest <event> ...")
//	upper     upper-case the downstream bytes
//	one       upstream bytes: every 'L' becomes '1'
//	hold      hold downstream bytes (PAUSE) until they hold a newline,
//	          even at the end of stream
//	pausenew  pause each new connection; a 20 ms tick continues it
//	holdup    pause upstream bytes; a 20 ms tick continues them
//	          (proxywasm.ContinueTcpUpstream)
//	quit      downstream bytes containing "quit" close the connection
//	bye       upstream bytes containing "bye" close the connection
//	boom      downstream bytes containing "boom" crash the guest
//	props     log the connection's properties ("tcpguest props ...")
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tcpguest.wasm .
package main

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

func main() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{on: map[string]bool{}}
}

type pluginContext struct {
	types.DefaultPluginContext
	on      map[string]bool
	waiting []uint32 // connections paused in OnNewConnection
	upHeld  []uint32 // connections whose upstream bytes are held
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	cfg, _ := proxywasm.GetPluginConfiguration()
	for _, b := range strings.Split(string(cfg), ",") {
		p.on[strings.TrimSpace(b)] = true
	}
	if p.on["pausenew"] || p.on["holdup"] {
		_ = proxywasm.SetTickPeriodMilliSeconds(20)
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) OnTick() {
	for _, id := range p.waiting {
		if err := proxywasm.SetEffectiveContext(id); err != nil {
			continue
		}
		p.log("continue %d", id)
		_ = proxywasm.ContinueTcpStream()
	}
	p.waiting = p.waiting[:0]
	for _, id := range p.upHeld {
		if err := proxywasm.SetEffectiveContext(id); err != nil {
			continue
		}
		p.log("continue-up %d", id)
		_ = proxywasm.ContinueTcpUpstream()
	}
	p.upHeld = p.upHeld[:0]
}

func (p *pluginContext) NewTcpContext(id uint32) types.TcpContext {
	return &tcpContext{p: p, id: id}
}

func (p *pluginContext) log(format string, args ...any) {
	if p.on["log"] {
		proxywasm.LogInfof("tcpguest "+format, args...)
	}
}

type tcpContext struct {
	types.DefaultTcpContext
	p  *pluginContext
	id uint32
}

func (c *tcpContext) OnNewConnection() types.Action {
	c.p.log("new %d", c.id)
	if c.p.on["props"] {
		proxywasm.LogInfof("tcpguest props source=%s destination_port=%d id=%d direction=%d chain=%s mtls=%v",
			prop("source", "address"), num(prop("destination", "port")), num(prop("connection", "id")),
			num(prop("xds", "listener_direction")), prop("xds", "filter_chain_name"),
			prop("connection", "mtls"))
	}
	if c.p.on["pausenew"] {
		c.p.waiting = append(c.p.waiting, c.id)
		return types.ActionPause
	}
	return types.ActionContinue
}

func (c *tcpContext) OnDownstreamData(size int, eos bool) types.Action {
	b, _ := proxywasm.GetDownstreamData(0, size)
	c.p.log("down %q eos=%t", b, eos)
	switch {
	case c.p.on["boom"] && bytes.Contains(b, []byte("boom")):
		panic("tcpguest: boom")
	case c.p.on["quit"] && bytes.Contains(b, []byte("quit")):
		_ = proxywasm.CloseDownstream()
		return types.ActionContinue
	case c.p.on["hold"] && len(b) > 0 && !bytes.Contains(b, []byte("\n")):
		return types.ActionPause
	}
	if c.p.on["upper"] && len(b) > 0 {
		_ = proxywasm.ReplaceDownstreamData(bytes.ToUpper(b))
	}
	return types.ActionContinue
}

func (c *tcpContext) OnUpstreamData(size int, eos bool) types.Action {
	b, _ := proxywasm.GetUpstreamData(0, size)
	c.p.log("up %q eos=%t", b, eos)
	if c.p.on["props"] {
		proxywasm.LogInfof("tcpguest props upstream=%s", prop("upstream", "address"))
	}
	if c.p.on["bye"] && bytes.Contains(b, []byte("bye")) {
		_ = proxywasm.CloseUpstream()
		return types.ActionContinue
	}
	if c.p.on["holdup"] && !eos {
		c.p.upHeld = append(c.p.upHeld, c.id)
		return types.ActionPause
	}
	if c.p.on["one"] && len(b) > 0 {
		_ = proxywasm.ReplaceUpstreamData(bytes.ReplaceAll(b, []byte("L"), []byte("1")))
	}
	return types.ActionContinue
}

func prop(path ...string) []byte {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return []byte("<" + err.Error() + ">")
	}
	return b
}

// num decodes an 8-byte little-endian integer property.
func num(b []byte) int64 {
	if len(b) != 8 {
		return -1
	}
	return int64(binary.LittleEndian.Uint64(b))
}

func (c *tcpContext) OnDownstreamClose(peer types.PeerType) { c.p.log("downclose %d", peer) }

func (c *tcpContext) OnUpstreamClose(peer types.PeerType) { c.p.log("upclose %d", peer) }

func (c *tcpContext) OnStreamDone() { c.p.log("done %d", c.id) }
