// Package netwasm runs envoy.filters.network.wasm filters: proxy-wasm TCP
// streams over a proxied connection.
//
// A Chain holds the loaded plugins of one listener filter chain, in order.
// Chain.Open starts one TCP stream per plugin for a downstream connection,
// runs proxy_on_new_connection through them and returns a Conn: a net.Conn
// wrapping the downstream connection whose Read yields the downstream bytes
// every filter let through (proxy_on_downstream_data, filters in order) and
// whose Write hands upstream bytes to the filters (proxy_on_upstream_data, in
// reverse order, as Envoy runs write filters) before they reach the client.
// tcp_proxy copies between a Conn and the upstream connection as it would
// between the raw connections.
//
// A filter that returns PAUSE holds the data: later bytes are appended and
// the whole buffer is offered again from the first filter, and
// proxy_continue_stream lets it through the filters after the one that
// paused. proxy_close_stream (either direction) closes the connection, and so
// does a plugin failing with fail_close; with fail_open the data goes on as if
// the filter were absent. When the connection ends every filter gets
// proxy_on_upstream_connection_close (once the upstream was connected) and
// proxy_on_downstream_connection_close, peer REMOTE when that side closed
// first, LOCAL when the proxy or a filter did; then the streams end.
package netwasm
