package guest

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

type tcpContext struct{ types.DefaultTcpContext }

func (*tcpContext) OnNewConnection() types.Action {
	expect("tcp_new_connection", true, "")
	return types.ActionContinue
}

func (*tcpContext) OnDownstreamData(size int, _ bool) types.Action {
	b, err := proxywasm.GetDownstreamData(0, size)
	expect("downstream_data_get", err == nil && string(b) == "down", "%q, %v", b, err)
	noErr("downstream_data_prepend", proxywasm.PrependDownstreamData([]byte("<")))
	noErr("downstream_data_append", proxywasm.AppendDownstreamData([]byte(">")))
	b, err = proxywasm.GetDownstreamData(0, 100)
	expect("downstream_data_edited", err == nil && string(b) == "<down>", "%q, %v", b, err)
	noErr("downstream_data_replace", proxywasm.ReplaceDownstreamData([]byte("DOWN")))
	return types.ActionContinue
}

func (*tcpContext) OnUpstreamData(size int, _ bool) types.Action {
	b, err := proxywasm.GetUpstreamData(0, size)
	expect("upstream_data_get", err == nil && string(b) == "up", "%q, %v", b, err)
	noErr("upstream_data_prepend", proxywasm.PrependUpstreamData([]byte("<")))
	noErr("upstream_data_append", proxywasm.AppendUpstreamData([]byte(">")))
	noErr("upstream_data_replace", proxywasm.ReplaceUpstreamData([]byte("UP")))
	noErr("close_upstream", proxywasm.CloseUpstream())
	return types.ActionContinue
}

func (*tcpContext) OnDownstreamClose(peer types.PeerType) {
	expect("downstream_close", peer == types.PeerTypeRemote, "peer %d", peer)
	noErr("continue_tcp", proxywasm.ContinueTcpStream())
	noErr("close_downstream", proxywasm.CloseDownstream())
}

func (*tcpContext) OnStreamDone() { expect("tcp_stream_done", true, "") }
