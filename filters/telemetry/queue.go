package main

import (
	"time"

	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// queueName is the shared queue carrying finished batches to the instance
// that sends them.
const queueName = "wasmesh.telemetry.reports"

// Records travel in three steps, none of which waits on the network:
//  1. each instance appends a finished request's record to its own batch;
//  2. a full batch (batchMaxEntries), or on the instance's tick whatever is
//     batched, goes to the shared queue as one item: one queue-ready
//     callback per batch, not per request;
//  3. the queue's owner (on queue-ready) and every instance (on its tick)
//     send each queued batch with http_call to the report sink.
//
// A record thus waits at most one tick period (batchMaxTime) before it is
// sent. When the host discards an instance (plugin reload or close) its
// batch is sent too (OnPluginDone, done.go). Batches the queue refuses are
// lost (counted as dropped records).

// report adds one record, whose fixed fields are encoded in head, to this
// instance's batch, queueing the batch when full.
func (p *plugin) report(r *record, head []byte) {
	if p.pending.add(r, head) {
		p.enqueuePending()
	}
}

// enqueuePending moves this instance's batch to the shared queue.
func (p *plugin) enqueuePending() {
	body, n := p.pending.take()
	if body == nil {
		return
	}
	if err := proxywasm.EnqueueSharedQueue(p.queue, body); err != nil {
		p.dropped.Increment(uint64(n))
	}
}

// OnQueueReady sends the queued batches.
func (p *plugin) OnQueueReady(uint32) { p.sendQueued() }

// OnTick queues this instance's records and sends what is queued: records
// are at most batchMaxTime old.
func (p *plugin) OnTick() {
	p.enqueuePending()
	p.sendQueued()
}

func (p *plugin) sendQueued() {
	for {
		body, err := proxywasm.DequeueSharedQueue(p.queue)
		if err != nil || body == nil {
			return
		}
		p.send(body)
	}
}

// send posts one batch to the sink; a failed call drops the batch (counted
// once per batch).
func (p *plugin) send(body []byte) {
	hs := [][2]string{{":method", "POST"}, {":path", p.cfg.ReportPath}, {":authority", p.cfg.ReportAuthority}, {"content-type", "application/json"}}
	_, err := proxywasm.DispatchHttpCall(p.cfg.ReportCluster, hs, body, nil, uint32(p.cfg.reportTimeout/time.Millisecond), func(numHeaders, _, _ int) {
		if numHeaders == 0 {
			p.dropped.Increment(1)
			proxywasm.LogWarn("telemetry: report to meshd failed or timed out; batch dropped")
		}
		p.sent()
	})
	if err != nil {
		p.dropped.Increment(1)
		proxywasm.LogWarnf("telemetry: dispatching report to cluster %q: %v", p.cfg.ReportCluster, err)
		return
	}
	p.inFlight++
}
