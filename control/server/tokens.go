package server

import (
	"encoding/json"
	"io"
	"net"
	"net/http"

	"github.com/wasmesh/wasmesh/control/ca"
)

// mintToken answers POST /ca/tokens {"namespace", "serviceAccount"} with
// {"token"}: a bootstrap token with which a proxy may get certificates for
// exactly that identity. It is the file-mode counterpart of a Kubernetes
// service-account token. Minting identities is an operator's act, so only
// callers on this host (loopback) are served; in Kubernetes the CA
// authenticates pods with TokenReview instead.
func (s *Server) mintToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("allow", "POST")
		http.Error(w, `POST {"namespace": "...", "serviceAccount": "..."}`, http.StatusMethodNotAllowed)
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		http.Error(w, "tokens are minted only for callers on meshd's host", http.StatusForbidden)
		return
	}
	tokens := s.Tokens()
	if tokens == nil {
		http.Error(w, "meshd runs without a CA (no secure xDS address)", http.StatusNotFound)
		return
	}
	var req struct {
		Namespace      string `json:"namespace"`
		ServiceAccount string `json:"serviceAccount"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	tok, err := tokens.Mint(ca.Identity{Namespace: req.Namespace, ServiceAccount: req.ServiceAccount})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.log.Info("bootstrap token minted", "namespace", req.Namespace, "serviceAccount", req.ServiceAccount)
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}
