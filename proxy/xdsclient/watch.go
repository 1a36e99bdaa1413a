package xdsclient

import (
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
)

// watch is the Run-goroutine state of one resource type.
type watch struct {
	typeURL   string
	version   string                   // last accepted version
	resources map[string]proto.Message // last accepted complete set
	versions  map[string]string        // delta: per-resource versions of the accepted set
	nack      nackState

	// per stream
	nonce string              // last response nonce
	sent  map[string]struct{} // names requested on this stream; nil = no request yet
	named bool                // SotW: names other than the wildcard were requested on this stream
}

// nackState remembers the last rejected version, to slow down a server that sends it again.
type nackState struct {
	active  bool
	version string
	repeats int
	at      time.Time
}

func (w *watch) resetStream() {
	w.nonce = ""
	w.sent = nil
	w.named = false
}

// accept commits a new accepted set.
func (w *watch) accept(version string, res map[string]proto.Message, vers map[string]string) {
	w.version, w.resources, w.versions = version, res, vers
	w.nack = nackState{}
}

// reject notes a NACK of version.
func (w *watch) reject(version string, now time.Time) {
	if w.nack.active && w.nack.version == version {
		w.nack.repeats++
	} else {
		w.nack = nackState{active: true, version: version}
	}
	w.nack.at = now
}

// wants reports whether name is in the set requested on this stream.
func (w *watch) wants(name string) bool {
	if _, ok := w.sent[Wildcard]; ok {
		return true
	}
	_, ok := w.sent[name]
	return ok
}

// prune drops accepted resources that are not in want; it reports whether any were dropped.
func (w *watch) prune(want map[string]struct{}) bool {
	if _, ok := want[Wildcard]; ok {
		return false
	}
	dropped := false
	for name := range w.resources {
		if _, ok := want[name]; !ok {
			if !dropped {
				w.resources, w.versions = maps.Clone(w.resources), maps.Clone(w.versions)
				dropped = true
			}
			delete(w.resources, name)
			delete(w.versions, name)
		}
	}
	return dropped
}

func sameSet(a, b map[string]struct{}) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}
