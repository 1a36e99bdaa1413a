package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmesh/wasmesh/proxy/cluster"
	"github.com/wasmesh/wasmesh/proxy/config"
	"github.com/wasmesh/wasmesh/proxy/router"
)

// maxReplayBody is the largest request body buffered so that retries and mirrors can replay it.
const maxReplayBody = 64 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func removeHop(h http.Header) {
	for _, f := range h["Connection"] {
		for _, k := range strings.Split(f, ",") {
			if k = textproto.TrimString(k); k != "" {
				h.Del(k)
			}
		}
	}
	for _, k := range hopHeaders {
		delete(h, k)
	}
}

func (h *Handler) forward(w *respWriter, s *Stream, rt *config.Route) {
	a := rt.Forward
	name, wc := router.PickCluster(a, rand.Uint32())
	s.Cluster = name
	cl := h.o.Clusters.Get(name)
	if cl == nil {
		h.localReply(w, s, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagClusterNotFound, GRPCStatus: -1})
		return
	}
	if isUpgrade(s.Req) && h.websocketAllowed(a) {
		h.websocket(w, s, rt, cl)
		return
	}
	ctx := s.Req.Context()
	if a.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = withRouteDeadline(ctx, a.Timeout)
		defer cancel()
	}
	out := h.outbound(ctx, s, rt, wc)
	body, replay := readReplayable(s.Req)
	for _, m := range a.Mirrors {
		if m.PerMillion >= 1000000 || rand.Uint32N(1000000) < m.PerMillion {
			h.mirror(out, body, replay, m.Cluster)
		}
	}
	retry := a.Retry
	if retry == nil && s.VHost != nil {
		retry = s.VHost.Retry
	}
	if !replay && body != nil {
		retry = nil // a streamed body cannot be replayed
	}
	pc := h.pickContext(s, a, w)
	originalDst(s, cl, pc)
	start := time.Now()
	resp, host, lr, cancelTry := h.attempts(ctx, s, cl, out, body, replay, retry, pc)
	if lr != nil {
		h.localReply(w, s, lr)
		return
	}
	defer cancelTry()
	defer resp.Body.Close()
	s.UpstreamHost = host.Addr
	w.Header().Set("X-Envoy-Upstream-Service-Time", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	h.copyResponse(w, s, resp, wc)
}

// outbound builds the upstream request (without URL host, set per attempt)
// under ctx, the route's context.
func (h *Handler) outbound(ctx context.Context, s *Stream, rt *config.Route, wc *config.WeightedCluster) *http.Request {
	r := s.Req
	a := rt.Forward
	// The downstream request is ours: mutate its headers in place (Envoy's
	// access log also sees the router's header changes) and copy only the URL.
	out := r.WithContext(ctx)
	u := *r.URL
	out.URL = &u
	out.RequestURI = ""
	out.Close = false
	removeHop(out.Header)
	if strings.Contains(strings.ToLower(r.Header.Get("Te")), "trailers") {
		out.Header.Set("Te", "trailers")
	}
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // keep Go from adding its own
	}
	path := r.URL.Path
	if np := router.RewritePath(a, &rt.Match, path); np != path {
		out.Header.Set("X-Envoy-Original-Path", r.URL.RequestURI())
		out.URL.Path, out.URL.RawPath = np, ""
	}
	switch {
	case a.HostRewrite != "":
		out.Host = a.HostRewrite
	}
	if h.o.Routes != nil {
		router.ApplyHeaders(out.Header, &h.o.Routes.RequestHeaders)
	}
	if s.VHost != nil {
		router.ApplyHeaders(out.Header, &s.VHost.RequestHeaders)
	}
	router.ApplyHeaders(out.Header, &rt.RequestHeaders)
	if wc != nil {
		router.ApplyHeaders(out.Header, &wc.RequestHeaders)
	}
	if a.Timeout > 0 {
		out.Header.Set("X-Envoy-Expected-Rq-Timeout-Ms", strconv.FormatInt(a.Timeout.Milliseconds(), 10))
	}
	return out
}

// readReplayable buffers a small request body so that it can be sent more than once.
func readReplayable(r *http.Request) (body []byte, ok bool) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, true
	}
	if r.ContentLength < 0 || r.ContentLength > maxReplayBody {
		return []byte{}, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxReplayBody+1))
	if err != nil || len(b) > maxReplayBody {
		return []byte{}, false
	}
	return b, true
}

type attemptErr int

const (
	errNone attemptErr = iota
	errConnect
	errReset
	errTimeout
)

// attempts runs the first try and the retries. On success the caller owns resp
// and must call cancel after reading it.
func (h *Handler) attempts(ctx context.Context, s *Stream, cl *cluster.Cluster, out *http.Request, body []byte,
	replay bool, rp *config.RetryPolicy, pc *cluster.PickContext) (*http.Response, *cluster.Host, *LocalReply, context.CancelFunc) {
	st, prefix := cl.Stats()
	maxTries := 1
	if rp != nil {
		maxTries += rp.NumRetries
	}
	var lastFlag string
	var lastStatus int
	for try := 0; ; try++ {
		s.Attempts = try + 1
		host, err := cl.Pick(pc)
		if err != nil {
			return nil, nil, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagNoHealthy, GRPCStatus: -1}, nil
		}
		release, err := cl.AcquireRequest(host)
		if err != nil {
			return nil, nil, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagOverflow, GRPCStatus: -1,
				Header: http.Header{"X-Envoy-Overloaded": {"true"}}}, nil
		}
		cl.CountRequest()
		tryCtx, cancel := ctx, context.CancelFunc(func() {})
		if rp != nil && rp.PerTryTimeout > 0 {
			tryCtx, cancel = context.WithTimeout(ctx, rp.PerTryTimeout)
		}
		req := out
		if tryCtx != ctx {
			req = out.WithContext(tryCtx)
		}
		req.URL.Scheme, req.URL.Host = cl.Scheme(), host.Addr
		if req.Host == "" {
			req.Host = s.Req.Host
		}
		if body != nil && replay {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		} else if try == 0 && !replay {
			req.Body = s.Req.Body
		}
		if try > 0 {
			req.Header.Set("X-Envoy-Attempt-Count", strconv.Itoa(try+1))
		}
		resp, err := cl.Transport(s.Req.ProtoMajor).RoundTrip(req)
		kind := classify(err, tryCtx)
		res := cluster.Result{ConnectFail: kind == errConnect, Reset: kind == errReset || kind == errTimeout}
		if resp != nil {
			res.Status = resp.StatusCode
		}
		cl.Report(host, res)
		if resp != nil {
			cl.CountResponse(resp.StatusCode)
		}
		retryable := rp != nil && shouldRetry(rp, kind, resp)
		if !retryable || try+1 >= maxTries || ctx.Err() != nil {
			if resp != nil && kind == errNone {
				body := resp.Body
				resp.Body = &releasingBody{ReadCloser: body, release: release}
				return resp, host, nil, cancel
			}
			release()
			cancel()
			if resp != nil {
				resp.Body.Close()
			}
			flag, status := failureFlag(kind, ctx)
			if retryable || (rp != nil && try > 0 && lastFlag != "") {
				st.Inc(prefix + "upstream_rq_retry_limit_exceeded")
				if flag == "" {
					flag = lastFlag
				}
				if try > 0 {
					s.AddFlag(FlagRetryLimit)
				}
			}
			if status == 0 {
				status = lastStatus
			}
			if status == 0 {
				status = http.StatusServiceUnavailable
			}
			return nil, nil, &LocalReply{Status: status, Flag: flag, GRPCStatus: -1}, nil
		}
		// Retrying: drain and release this attempt.
		if resp != nil {
			_, _ = io.CopyN(io.Discard, resp.Body, 4096)
			resp.Body.Close()
		}
		release()
		cancel()
		lastFlag, lastStatus = failureFlag(kind, ctx)
		relRetry, ok := cl.AcquireRetry()
		if !ok {
			return nil, nil, &LocalReply{Status: http.StatusServiceUnavailable, Flag: FlagOverflow, GRPCStatus: -1}, nil
		}
		st.Inc(prefix + "upstream_rq_retry")
		pc.Exclude = append(pc.Exclude, host)
		if len(pc.Exclude) >= len(cl.Hosts()) {
			pc.Exclude = pc.Exclude[:0]
		}
		sleep := backoff(rp, try)
		select {
		case <-time.After(sleep):
		case <-ctx.Done():
		}
		relRetry()
	}
}

type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

func classify(err error, ctx context.Context) attemptErr {
	if err == nil {
		return errNone
	}
	var ce *cluster.ConnectError
	if errors.As(err, &ce) {
		return errConnect
	}
	if ctx.Err() == context.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
		return errTimeout
	}
	return errReset
}

func failureFlag(kind attemptErr, ctx context.Context) (string, int) {
	switch kind {
	case errConnect:
		return FlagConnectFailure, http.StatusServiceUnavailable
	case errTimeout:
		return FlagUpstreamTimeout, http.StatusGatewayTimeout
	case errReset:
		if ctx.Err() == context.Canceled {
			return FlagDownstreamReset, 499
		}
		return FlagUpstreamReset, http.StatusServiceUnavailable
	}
	return "", 0
}

func shouldRetry(rp *config.RetryPolicy, kind attemptErr, resp *http.Response) bool {
	switch kind {
	case errConnect:
		return rp.ConnectFailure || rp.On5xx || rp.GatewayError
	case errReset:
		return rp.Reset || rp.On5xx || rp.GatewayError
	case errTimeout:
		return rp.On5xx || rp.GatewayError
	}
	code := resp.StatusCode
	if rp.On5xx && code >= 500 {
		return true
	}
	if rp.GatewayError && (code == 502 || code == 503 || code == 504) {
		return true
	}
	return slices.Contains(rp.RetriableCodes, code)
}

// backoff is Envoy's fully jittered exponential backoff.
func backoff(rp *config.RetryPolicy, try int) time.Duration {
	d := rp.BaseInterval << min(try, 16)
	if rp.MaxInterval > 0 && d > rp.MaxInterval {
		d = rp.MaxInterval
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}

func (h *Handler) copyResponse(w *respWriter, s *Stream, resp *http.Response, wc *config.WeightedCluster) {
	hdr := w.Header()
	for k, v := range resp.Header {
		hdr[k] = v
	}
	removeHop(hdr)
	for k := range resp.Trailer {
		hdr.Add("Trailer", k)
	}
	var ops *config.HeaderOps
	if wc != nil {
		ops = &wc.ResponseHeaders
	}
	h.writeHeaders(w, s, resp.StatusCode, ops)
	streaming := resp.ContentLength < 0 || isGRPC(s.Req)
	var body io.Reader = resp.Body
	for _, f := range s.bodyHooks {
		body = f(body, resp)
	}
	rc := http.NewResponseController(w)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				s.AddFlag(FlagDownstreamReset)
				return
			}
			if streaming {
				_ = rc.Flush()
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			s.AddFlag(FlagUpstreamReset)
			// Abort the downstream stream so the client sees a reset, not a truncated success.
			panic(http.ErrAbortHandler)
		}
	}
	for k, v := range resp.Trailer {
		hdr[http.TrailerPrefix+k] = v
	}
}

func (h *Handler) mirror(out *http.Request, body []byte, replay bool, clusterName string) {
	cl := h.o.Clusters.Get(clusterName)
	if cl == nil || !replay {
		return
	}
	host, err := cl.Pick(&cluster.PickContext{})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	req := out.Clone(ctx)
	req.URL.Scheme, req.URL.Host = cl.Scheme(), host.Addr
	hn := out.Host
	if i := strings.LastIndexByte(hn, ':'); i > 0 && !strings.Contains(hn[i:], "]") {
		hn = hn[:i] + "-shadow" + hn[i:]
	} else {
		hn += "-shadow"
	}
	req.Host = hn
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	} else {
		req.Body = http.NoBody
	}
	st, prefix := cl.Stats()
	go func() {
		defer cancel()
		resp, err := cl.Transport(1).RoundTrip(req)
		st.Inc(prefix + "upstream_rq_total")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
}
