package xdsclient

import (
	"context"
	"errors"
	"io"
	"maps"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// session is the state of one ADS stream, shared by the SotW and delta protocols.
type session struct {
	c           *Client
	ctx         context.Context
	cancel      context.CancelFunc
	nodePending bool // the node is sent on the first request only
	received    bool // a response arrived on this stream
	held        map[string]heldResponse
	timer       *time.Timer

	// subscribe sends the request moving w from w.sent to want (initial when w.sent is nil).
	subscribe func(w *watch, want map[string]struct{}) error
	// recvErr receives the stream's terminal error from the receive loop.
	recvErr chan error
}

// heldResponse is a response carrying a recently NACKed version, processed when due.
type heldResponse struct {
	due time.Time
	run func() error
}

// node returns the node for the next request: set on the stream's first request only.
func (s *session) node() *corev3.Node {
	if !s.nodePending {
		return nil
	}
	s.nodePending = false
	return s.c.cfg.Node
}

// serve runs a stream: it sends every subscription, then handles responses, subscription
// changes and held responses until the stream fails or ctx is done.
func serve[R any](s *session, recv func() (R, error), handle func(R) error) error {
	msgs := make(chan R)
	s.recvErr = make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			m, err := recv()
			if err != nil {
				s.recvErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-s.ctx.Done():
				return
			}
		}
	})
	defer wg.Wait()
	defer s.cancel()
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	defer s.timer.Stop()

	s.c.setConnected(true)
	err := s.sync()
	for err == nil {
		select {
		case <-s.ctx.Done():
			return nil
		case err = <-s.recvErr:
		case m := <-msgs:
			s.received = true
			err = handle(m)
		case <-s.c.kick:
			err = s.sync()
		case <-s.timer.C:
			err = s.runHeld()
		}
	}
	return s.sendErr(err)
}

// sendErr replaces io.EOF from Send with the stream's real error.
func (s *session) sendErr(err error) error {
	if !errors.Is(err, io.EOF) {
		return err
	}
	select {
	case rerr := <-s.recvErr:
		return rerr
	case <-s.ctx.Done():
		return err
	}
}

// sync sends a request for every type whose wanted names differ from what this stream asked.
func (s *session) sync() error {
	order, wants := s.c.wanted()
	for _, t := range order {
		w := s.c.watchFor(t)
		want := wants[t]
		if w.sent == nil && len(want) == 0 {
			continue
		}
		if w.sent != nil && sameSet(w.sent, want) {
			continue
		}
		if w.prune(want) {
			s.c.recordResources(t, len(w.resources))
			if err := s.c.cfg.Handler.OnUpdate(t, w.version, maps.Clone(w.resources)); err != nil {
				s.c.log.Warn("xdsclient: handler rejected a narrowed subscription", "type", t, "err", err)
			}
		}
		if err := s.subscribe(w, want); err != nil {
			return err
		}
		w.sent = want
	}
	return nil
}

// deferRepeat holds run when version was NACKed for w recently, so a state-of-the-world server
// that resends a rejected version at once is retried with backoff (a later response replaces a
// held one); it reports whether run was held.
func (s *session) deferRepeat(w *watch, version string, run func() error) bool {
	delete(s.held, w.typeURL)
	if !w.nack.active || w.nack.version != version {
		return false
	}
	due := w.nack.at.Add(s.retryDelay(w.nack.repeats))
	if !time.Now().Before(due) {
		return false
	}
	s.held[w.typeURL] = heldResponse{due: due, run: run}
	s.armTimer()
	return true
}

// maxNACKRetry caps the delay before a resent rejected version is offered to the Handler again,
// so a fixed config replacing it is picked up within a few seconds.
const maxNACKRetry = 5 * time.Second

// retryDelay is BackoffMin·2^repeats, capped at BackoffMax and maxNACKRetry.
func (s *session) retryDelay(repeats int) time.Duration {
	limit := min(s.c.cfg.BackoffMax, maxNACKRetry)
	d := s.c.cfg.BackoffMin
	for i := 0; i < repeats && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

func (s *session) armTimer() {
	var next time.Time
	for _, h := range s.held {
		if next.IsZero() || h.due.Before(next) {
			next = h.due
		}
	}
	s.timer.Stop()
	if !next.IsZero() {
		s.timer.Reset(time.Until(next))
	}
}

func (s *session) runHeld() error {
	now := time.Now()
	for t, h := range s.held {
		if h.due.After(now) {
			continue
		}
		delete(s.held, t)
		if err := h.run(); err != nil {
			return err
		}
	}
	s.armTimer()
	return nil
}

// update offers a candidate set to the Handler and records the outcome; it returns the NACK
// detail, nil for an ACK.
func (s *session) update(w *watch, version, nonce string, res map[string]proto.Message, vers map[string]string, decodeErr error) *statuspb.Status {
	err := decodeErr
	if err == nil {
		err = s.c.cfg.Handler.OnUpdate(w.typeURL, version, maps.Clone(res))
	}
	if err == nil {
		w.accept(version, res, vers)
		s.c.recordACK(w.typeURL, version, len(res))
		return nil
	}
	now := time.Now()
	w.reject(version, now)
	s.c.recordNACK(w.typeURL, NACK{Version: version, Nonce: nonce, Reason: err.Error(), At: now})
	s.c.log.Warn("xdsclient: NACK", "type", w.typeURL, "version", version, "err", err)
	return &statuspb.Status{Code: int32(codes.InvalidArgument), Message: err.Error()}
}
