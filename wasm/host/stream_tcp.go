package host

import "github.com/wasmesh/wasmesh/wasm/abi"

// TCPStream is one proxied TCP connection through a plugin. For TCP a
// fail-strategy result with Local set means: close the connection.
type TCPStream struct{ s stream }

// NewTCPStream opens a stream context for a connection.
func (p *Plugin) NewTCPStream(props Properties, cb StreamCallbacks) *TCPStream {
	return &TCPStream{s: p.newStream(props, cb, false)}
}

// OnNewConnection runs proxy_on_new_connection.
func (s *TCPStream) OnNewConnection() Result {
	return s.s.run(cbNewConnection, func(*streamState) {}, 0)
}

// OnDownstreamData runs proxy_on_downstream_data; *data is the buffered
// downstream bytes, which the guest may read and replace during the call
// (as in Envoy, the data buffers exist only within their callback: the
// proxy appends to them between calls).
func (s *TCPStream) OnDownstreamData(data *[]byte, endOfStream bool) Result {
	r := s.s.run(cbDownstreamData, func(st *streamState) { st.downData = data }, 0, uint64(len(*data)), b2u(endOfStream))
	s.s.forget(func(st *streamState) { st.downData = nil })
	return r
}

// OnUpstreamData runs proxy_on_upstream_data over the buffered upstream bytes.
func (s *TCPStream) OnUpstreamData(data *[]byte, endOfStream bool) Result {
	r := s.s.run(cbUpstreamData, func(st *streamState) { st.upData = data }, 0, uint64(len(*data)), b2u(endOfStream))
	s.s.forget(func(st *streamState) { st.upData = nil })
	return r
}

// OnDownstreamClose runs proxy_on_downstream_connection_close.
func (s *TCPStream) OnDownstreamClose(peer abi.PeerType) {
	s.s.run(cbDownstreamClose, func(*streamState) {}, 0, uint64(peer))
}

// OnUpstreamClose runs proxy_on_upstream_connection_close.
func (s *TCPStream) OnUpstreamClose(peer abi.PeerType) {
	s.s.run(cbUpstreamClose, func(*streamState) {}, 0, uint64(peer))
}

// Done ends the connection's context and releases the instance.
func (s *TCPStream) Done() { s.s.done() }

// Err is why the stream's guest failed, or nil.
func (s *TCPStream) Err() error { return s.s.err }
