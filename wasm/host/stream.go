package host

import (
	"github.com/wasmesh/wasmesh/wasm/abi"
)

// streamState is a context's data: the root context has only props set by
// the guest; stream contexts hold the proxy's headers and bodies.
type streamState struct {
	id    uint32
	props Properties
	cb    StreamCallbacks
	// setProps holds values from proxy_set_property, keyed by encoded path.
	setProps map[string][]byte

	reqHeaders, reqTrailers, respHeaders, respTrailers *Headers
	reqBody, respBody, downData, upData                *[]byte
	local                                              *LocalResponse
	responseSent                                       bool // local replies are refused after this
	awaitingDone                                       bool // proxy_on_done returned false
	// paused: the last callback in direction pausedDir returned PAUSE and
	// the guest has not resumed it yet.
	paused    bool
	pausedDir abi.StreamType
	// calls are the HTTP callbacks the guest context acts on; the host
	// skips the others (see abi.HTTPCallbacks).
	calls abi.HTTPCallbacks
}

// stream is the common part of HTTP and TCP streams: one context on one
// instance for the stream's life.
type stream struct {
	p        *Plugin
	in       *instance
	st       *streamState
	err      error // set when the stream has no usable instance
	released bool
}

func (p *Plugin) newStream(props Properties, cb StreamCallbacks, http bool) stream {
	s := stream{p: p, st: &streamState{props: props, cb: cb, calls: abi.AllHTTPCallbacks}}
	in := p.pool.acquire()
	if in == nil {
		s.err = ErrNoInstance
		return s
	}
	s.in = in
	in.mu.Lock()
	if in.dead.Load() {
		s.err = in.deadErr
	} else {
		s.st.id = in.nextID
		in.nextID++
		in.contexts[s.st.id] = s.st
		in.effective, in.active = s.st.id, s.st
		create := cbContextCreate
		if http && in.fns[cbHTTPContextCreate] != nil {
			create = cbHTTPContextCreate
		}
		r, err := in.call(create, uint64(s.st.id), rootContextID)
		if err != nil {
			s.err = err
		} else if create == cbHTTPContextCreate {
			s.st.calls = abi.HTTPCallbacks(r) & abi.AllHTTPCallbacks
		}
	}
	pending := in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
	return s
}

// run calls a stream callback returning an action, under the instance lock,
// and turns failures into the plugin's fail-strategy result.
func (s *stream) run(cb int, setup func(*streamState), args ...uint64) Result {
	if s.err != nil || s.released {
		return s.failResult()
	}
	in := s.in
	in.mu.Lock()
	if in.dead.Load() {
		s.err = in.deadErr
		in.mu.Unlock()
		return s.failResult()
	}
	setup(s.st)
	s.st.paused = false
	if bit := httpCallbackBit(cb); bit != 0 && s.st.calls&bit == 0 {
		in.mu.Unlock() // the guest's default would only continue
		return Result{Action: abi.ActionContinue}
	}
	args[0] = uint64(s.st.id)
	in.effective, in.active = s.st.id, s.st
	r, err := in.call(cb, args...)
	var res Result
	if err != nil {
		s.err = err
	} else {
		res.Action = abi.Action(r)
		if res.Action != abi.ActionPause {
			res.Action = abi.ActionContinue
		}
		if s.st.local != nil {
			res.Local, s.st.local = s.st.local, nil
			s.st.responseSent = true
		} else if res.Action == abi.ActionPause {
			s.st.paused, s.st.pausedDir = true, callbackDirection(cb)
		}
		if in.needReset {
			in.needReset = false
			in.p.pool.succeeded(in)
		}
	}
	in.active = nil
	pending := in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
	if err != nil {
		return s.failResult()
	}
	return res
}

// forget drops what a callback lent the guest, under the instance lock,
// so that asynchronous callbacks cannot reach it afterwards.
func (s *stream) forget(f func(*streamState)) {
	if s.in == nil {
		return
	}
	s.in.mu.Lock()
	f(s.st)
	s.in.mu.Unlock()
}

// httpCallbackBit is cb's bit in abi.HTTPCallbacks, 0 for other callbacks.
func httpCallbackBit(cb int) abi.HTTPCallbacks {
	switch cb {
	case cbRequestHeaders:
		return abi.OnRequestHeaders
	case cbRequestBody:
		return abi.OnRequestBody
	case cbRequestTrailers:
		return abi.OnRequestTrailers
	case cbResponseHeaders:
		return abi.OnResponseHeaders
	case cbResponseBody:
		return abi.OnResponseBody
	case cbResponseTrailers:
		return abi.OnResponseTrailers
	}
	return 0
}

// failResult is the fail strategy's answer for a stream whose guest failed.
func (s *stream) failResult() Result {
	err := s.err
	if err == nil {
		err = ErrInstanceFailed
	}
	if s.p.cfg.Fail == FailOpen {
		return Result{Action: abi.ActionContinue, Err: err}
	}
	return Result{Action: abi.ActionPause, Err: err, Local: s.p.failLocal()}
}

// failLocal is the FailClose reply.
func (p *Plugin) failLocal() *LocalResponse {
	return &LocalResponse{
		Status:     503,
		Headers:    []abi.Pair{{Key: "content-type", Value: "text/plain"}},
		Body:       []byte("wasm plugin " + p.cfg.Name + " failed; request denied (fail_close)\n"),
		Details:    "wasm_fail_close",
		GRPCStatus: 14, // UNAVAILABLE
	}
}

// callbackDirection is the stream direction a callback pauses.
func callbackDirection(cb int) abi.StreamType {
	switch cb {
	case cbResponseHeaders, cbResponseBody, cbResponseTrailers:
		return abi.StreamHTTPResponse
	case cbNewConnection, cbDownstreamData:
		return abi.StreamDownstream
	case cbUpstreamData:
		return abi.StreamUpstream
	}
	return abi.StreamHTTPRequest
}

// failPaused gives the streams paused on a failed instance their
// fail-strategy outcome through their callbacks: FailOpen resumes them,
// FailClose sends the local 503. Caller holds mu.
func (in *instance) failPaused() {
	for _, st := range in.contexts {
		if !st.paused || st == in.active {
			continue
		}
		st.paused = false
		cb, dir := st.cb, st.pausedDir
		switch {
		case in.p.cfg.Fail == FailOpen && cb.Resume != nil:
			in.pending = append(in.pending, func() { cb.Resume(dir) })
		case in.p.cfg.Fail == FailClose && cb.LocalReply != nil && !st.responseSent:
			st.responseSent = true
			lr := in.p.failLocal()
			in.pending = append(in.pending, func() { cb.LocalReply(*lr) })
		}
	}
}

// done runs proxy_on_done, then proxy_on_log and proxy_on_delete (at once,
// or after the guest calls proxy_done), and releases the instance.
func (s *stream) done() {
	if s.released {
		return
	}
	s.released = true
	in := s.in
	if in == nil {
		return
	}
	in.mu.Lock()
	if s.err == nil && !in.dead.Load() {
		in.effective, in.active = s.st.id, nil
		if in.fns[cbStreamEnd] != nil {
			// done, log and delete in one call into the guest
			if ended, err := in.callBool(cbStreamEnd, uint64(s.st.id)); err == nil && ended {
				delete(in.contexts, s.st.id)
				in.effective = rootContextID
			} else if err == nil {
				s.st.awaitingDone = true
			}
		} else if ok, err := in.callBool(cbDone, uint64(s.st.id)); err == nil {
			if ok {
				in.finish(s.st)
			} else {
				s.st.awaitingDone = true
			}
		}
	}
	pending := in.takePending()
	in.mu.Unlock()
	in.runPending(pending)
	in.p.pool.release(in)
}

// finish calls proxy_on_log and proxy_on_delete and forgets the context.
// Caller holds mu.
func (in *instance) finish(st *streamState) {
	in.effective = st.id
	if _, err := in.call(cbLog, uint64(st.id)); err == nil {
		_, _ = in.call(cbDelete, uint64(st.id))
	}
	delete(in.contexts, st.id)
	in.effective = rootContextID
}
