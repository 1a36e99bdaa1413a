//go:build !wasip1

package proxytest

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/sdk/internal/guest"
	"github.com/wasmesh/wasmesh/wasm/abi"
)

type tcpStream struct {
	downstream, upstream []byte
	action               types.Action
}

func (e *hostEmulator) InitializeConnection() (uint32, types.Action) {
	id := e.newContextID()
	s := &tcpStream{}
	e.tcps[id] = s
	e.enter(id)
	defer e.leave()
	guest.ProxyOnContextCreate(id, PluginContextID)
	s.action = types.Action(guest.ProxyOnNewConnection(id))
	return id, s.action
}

func (e *hostEmulator) tcpCall(id uint32, f func(s *tcpStream) uint32) types.Action {
	s := e.tcps[id]
	if s == nil {
		return types.ActionContinue
	}
	e.enter(id)
	defer e.leave()
	s.action = types.Action(f(s))
	return s.action
}

func (e *hostEmulator) CallOnDownstreamData(id uint32, data []byte) types.Action {
	return e.tcpCall(id, func(s *tcpStream) uint32 {
		s.downstream = clone(data)
		return guest.ProxyOnDownstreamData(id, uint32(len(data)), 0)
	})
}

func (e *hostEmulator) CallOnUpstreamData(id uint32, data []byte) types.Action {
	return e.tcpCall(id, func(s *tcpStream) uint32 {
		s.upstream = clone(data)
		return guest.ProxyOnUpstreamData(id, uint32(len(data)), 0)
	})
}

func (e *hostEmulator) CloseDownstreamConnection(id uint32) {
	e.tcpCall(id, func(s *tcpStream) uint32 {
		guest.ProxyOnDownstreamConnectionClose(id, uint32(abi.PeerRemote))
		return uint32(s.action)
	})
}

func (e *hostEmulator) CloseUpstreamConnection(id uint32) {
	e.tcpCall(id, func(s *tcpStream) uint32 {
		guest.ProxyOnUpstreamConnectionClose(id, uint32(abi.PeerRemote))
		return uint32(s.action)
	})
}

func (e *hostEmulator) CompleteConnection(id uint32) {
	e.enter(id)
	guest.ProxyOnDone(id)
	guest.ProxyOnLog(id)
	guest.ProxyOnDelete(id)
	e.leave()
	delete(e.tcps, id)
}
