package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// peerHeader carries one sidecar's workload metadata to the other end of a
// request (on the request from the client side, on the response from the
// server side), so that both ends report the same labels. Istio does the
// same with x-envoy-peer-metadata; ours is base64 JSON of peerInfo.
const peerHeader = "x-wasmesh-peer-metadata"

// maxPeerHeader bounds what a peer can make us decode.
const maxPeerHeader = 4096

// peerInfo is what a sidecar tells its peer about its workload.
type peerInfo struct {
	Workload  string `json:"workload,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	App       string `json:"app,omitempty"`
	Version   string `json:"version,omitempty"`
	Service   string `json:"service,omitempty"` // canonical service
	Revision  string `json:"revision,omitempty"`
	Cluster   string `json:"cluster,omitempty"`
}

func (p peerInfo) encode() string {
	b, _ := json.Marshal(p)
	return base64.RawStdEncoding.EncodeToString(b)
}

var errPeerHeader = errors.New("telemetry: bad peer metadata header")

// decodePeer parses a peer's header. Bad input is an error, never a panic:
// the header comes from the network.
func decodePeer(s string) (peerInfo, error) {
	var p peerInfo
	if len(s) > maxPeerHeader {
		return p, fmt.Errorf("%w: %d bytes is over %d", errPeerHeader, len(s), maxPeerHeader)
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
			return p, fmt.Errorf("%w: %v", errPeerHeader, err)
		}
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("%w: %v", errPeerHeader, err)
	}
	return p, nil
}

// maxCachedPeers bounds peerCache; past it the cache starts over.
const maxCachedPeers = 64

// peer is a decoded peer header with its workload id for records.
type peer struct {
	info peerInfo
	id   string // workloadID(info)
}

// noPeer stands for a peer that sent no (valid) metadata.
var noPeer = &peer{id: workloadID(peerInfo{})}

// peerCache remembers decoded peer headers: a sidecar talks to few peers,
// and each sends the same header every time, so decoding (base64 and JSON,
// slow inside a Wasm guest) happens once per peer, not once per request.
type peerCache map[string]*peer

func (c *peerCache) decode(s string) (*peer, error) {
	if p, ok := (*c)[s]; ok {
		return p, nil
	}
	info, err := decodePeer(s)
	if err != nil {
		return nil, err
	}
	if *c == nil || len(*c) >= maxCachedPeers {
		*c = peerCache{}
	}
	p := &peer{info: info, id: workloadID(info)}
	// A copy: the SDK's header values share larger blocks, which a key
	// kept for long must not pin.
	(*c)[strings.Clone(s)] = p
	return p, nil
}

// workloadID names a workload in records: workload.namespace.
func workloadID(p peerInfo) string {
	if p.Workload == "" {
		return "unknown"
	}
	return p.Workload + "." + orUnknown(p.Namespace)
}
