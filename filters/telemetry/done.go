package main

import "github.com/wasmesh/wasmesh/sdk/proxywasm"

// OnPluginDone runs when the host discards this instance (plugin reload or
// close): the instance's batch goes out as on a tick, so no record is lost.
// The instance is done when no report is in flight; otherwise it says so
// with proxywasm.PluginDone when the last one is answered (sent).
func (p *plugin) OnPluginDone() bool {
	if p.cfg.ReportCluster == "" {
		return true
	}
	p.OnTick()
	if p.inFlight == 0 {
		return true
	}
	p.finishing = true
	return false
}

// sent accounts for an answered (or failed) report.
func (p *plugin) sent() {
	p.inFlight--
	if p.finishing && p.inFlight == 0 {
		p.finishing = false
		proxywasm.PluginDone()
	}
}
