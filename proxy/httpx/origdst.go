package httpx

import (
	"github.com/wasmesh/wasmesh/proxy/cluster"
)

// originalDst fills pc.OriginalDst for an ORIGINAL_DST cluster: the request
// header when the cluster uses one and the request carries it, else the
// destination the listener recovered from the captured connection. A
// connection that was not redirected has none: forwarding it to the
// listener's own address would loop, so the pick fails (503, UH).
func originalDst(s *Stream, cl *cluster.Cluster, pc *cluster.PickContext) {
	if !cl.IsOriginalDst() {
		return
	}
	if hn := cl.OriginalDstHeader(); hn != "" {
		if v := s.Req.Header.Get(hn); v != "" {
			pc.OriginalDst = v
			return
		}
	}
	if s.Conn != nil && s.Conn.OriginalDst != nil {
		pc.OriginalDst = s.Conn.OriginalDst.String()
	}
}
