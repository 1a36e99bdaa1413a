package dual

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/wasmesh/wasmesh/wasm/abi"
	"github.com/wasmesh/wasmesh/wasm/host"
)

func (w *wasmHost) InitializeConnection() (uint32, types.Action) {
	p := w.plugin()
	s := &wasmStream{}
	s.tcp = p.NewTCPStream(w, w.callbacks(s))
	if err := s.tcp.Err(); err != nil {
		w.t.Fatalf("dual: new tcp stream: %v", err)
	}
	id := w.nextID
	w.nextID++
	w.streams[id] = s
	return id, w.run(s, func() host.Result { return s.tcp.OnNewConnection() })
}

func (w *wasmHost) CallOnDownstreamData(id uint32, data []byte) types.Action {
	s := w.stream(id)
	s.down = append([]byte{}, data...)
	return w.run(s, func() host.Result { return s.tcp.OnDownstreamData(&s.down, false) })
}

func (w *wasmHost) CallOnUpstreamData(id uint32, data []byte) types.Action {
	s := w.stream(id)
	s.up = append([]byte{}, data...)
	return w.run(s, func() host.Result { return s.tcp.OnUpstreamData(&s.up, false) })
}

func (w *wasmHost) CloseDownstreamConnection(id uint32) {
	w.stream(id).tcp.OnDownstreamClose(abi.PeerRemote)
}

func (w *wasmHost) CloseUpstreamConnection(id uint32) {
	w.stream(id).tcp.OnUpstreamClose(abi.PeerRemote)
}

func (w *wasmHost) CompleteConnection(id uint32) {
	w.stream(id).done()
	delete(w.streams, id)
}
