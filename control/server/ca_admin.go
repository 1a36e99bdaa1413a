package server

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wasmesh/wasmesh/control/ca"
)

// caAdminRoutes registers the CA's lifecycle endpoints on the monitoring
// port. Changing the CA (stage, activate, revoke) is an operator's act and
// served only to callers on meshd's host, like /ca/tokens; reading the
// revocation list is open, as /ca/bundle.pem is, because proxies poll it.
//
//	POST /ca/root/stage                      generate and trust the next root
//	POST /ca/root/activate?overlap=DURATION  sign with the staged root
//	POST /ca/revocations {"serial"|"spiffeID"}
//	GET  /ca/revocations                     {"serials": [...], "ids": [...]}
func (s *Server) caAdminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("/ca/root/stage", s.caStageRoot)
	mux.HandleFunc("/ca/root/activate", s.caActivateRoot)
	mux.HandleFunc("/ca/revocations", s.caRevocations)
}

// adminCA returns the CA when the caller may change it; otherwise it has
// answered the request and returns nil.
func (s *Server) adminCA(w http.ResponseWriter, r *http.Request) *ca.CA {
	if r.Method != http.MethodPost {
		w.Header().Set("allow", "POST")
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return nil
	}
	if !fromLoopback(r) {
		http.Error(w, "the CA is administered only from meshd's host", http.StatusForbidden)
		return nil
	}
	c := s.CA()
	if c == nil {
		http.Error(w, "meshd runs without a CA (no secure xDS address)", http.StatusNotFound)
	}
	return c
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

// caStageRoot answers POST /ca/root/stage with the new trust bundle.
func (s *Server) caStageRoot(w http.ResponseWriter, r *http.Request) {
	c := s.adminCA(w, r)
	if c == nil {
		return
	}
	if err := c.StageRoot(); err != nil {
		caAdminError(w, err)
		return
	}
	s.log.Info("ca root staged by an operator", "bundle_roots", len(c.Bundle()))
	writeJSON(w, http.StatusOK, map[string]any{"bundleRoots": len(c.Bundle())})
}

// caActivateRoot answers POST /ca/root/activate?overlap=DURATION; without
// overlap the old root stays trusted for the maximum leaf lifetime.
func (s *Server) caActivateRoot(w http.ResponseWriter, r *http.Request) {
	c := s.adminCA(w, r)
	if c == nil {
		return
	}
	var overlap time.Duration
	if v := r.URL.Query().Get("overlap"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			http.Error(w, "overlap: want a non-negative duration such as 10m, got "+v, http.StatusBadRequest)
			return
		}
		overlap = d
	}
	if err := c.ActivateRoot(overlap); err != nil {
		caAdminError(w, err)
		return
	}
	s.log.Info("ca root activated by an operator", "overlap", overlap)
	writeJSON(w, http.StatusOK, map[string]any{"bundleRoots": len(c.Bundle())})
}

// caRevocations serves the revocation list (GET) and adds to it (POST
// {"serial": "hex"} or {"spiffeID": "spiffe://..."}).
func (s *Server) caRevocations(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		c := s.CA()
		if c == nil {
			http.Error(w, "meshd runs without a CA (no secure xDS address)", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, c.Revocations())
		return
	}
	c := s.adminCA(w, r)
	if c == nil {
		return
	}
	var req struct {
		Serial   string `json:"serial"`
		SPIFFEID string `json:"spiffeID"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err == nil && (req.Serial == "") == (req.SPIFFEID == "") {
		err = errors.New(`give exactly one of "serial" and "spiffeID"`)
	}
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	entry := req.Serial
	if req.SPIFFEID != "" {
		entry = req.SPIFFEID
		if !isSPIFFE(entry) {
			http.Error(w, "bad request: spiffeID must start with spiffe://", http.StatusBadRequest)
			return
		}
	} else if isSPIFFE(entry) {
		http.Error(w, "bad request: serial is a SPIFFE ID; use spiffeID", http.StatusBadRequest)
		return
	}
	if err := c.Revoke(entry); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.log.Info("ca revocation added by an operator", "entry", entry)
	writeJSON(w, http.StatusOK, c.Revocations())
}

func isSPIFFE(s string) bool { return len(s) >= 9 && s[:9] == "spiffe://" }

func caAdminError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ca.ErrPluginCA), errors.Is(err, ca.ErrNoStagedRoot):
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
