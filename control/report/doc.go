// Package report is meshd's report sink: the far end of Mixer's Report. The
// telemetry filter in every proxy batches access-log records and POSTs them
// here (JSON arrays, ≤100 records or 1 s); the sink keeps the newest records
// in a bounded ring, counts what it had to drop, and answers queries for
// `meshctl logs` and the dashboard. Accepting a batch never waits on
// anything, so a slow reader cannot slow the proxies.
package report
