package main

import (
	"bytes"
	"encoding/json"
)

// record is one access-log entry sent to meshd's report sink: Mixer's
// Report, one request at a time, batched.
type record struct {
	Time          string `json:"time"`
	Reporter      string `json:"reporter"`
	Source        string `json:"source"` // workload.namespace
	Destination   string `json:"destination"`
	Service       string `json:"service,omitempty"`
	Principal     string `json:"principal,omitempty"`
	Method        string `json:"method,omitempty"`
	Path          string `json:"path,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
	Code          int    `json:"code"`
	Flags         string `json:"flags,omitempty"`
	Reason        string `json:"reason,omitempty"`
	DurationMs    int64  `json:"durationMs"`
	RequestBytes  int64  `json:"requestBytes"`
	ResponseBytes int64  `json:"responseBytes"`
	RequestID     string `json:"requestId,omitempty"`
}

// batch accumulates encoded records until it is full or old enough.
type batch struct {
	max     int
	entries [][]byte
}

// add appends one encoded record and says whether the batch is full.
func (b *batch) add(rec []byte) bool {
	b.entries = append(b.entries, rec)
	return len(b.entries) >= b.max
}

// take returns the batch as a JSON array and empties it; nil when empty.
func (b *batch) take() []byte {
	if len(b.entries) == 0 {
		return nil
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, e := range b.entries {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(e)
	}
	buf.WriteByte(']')
	b.entries = b.entries[:0]
	return buf.Bytes()
}

func (r record) encode() []byte {
	b, _ := json.Marshal(r)
	return b
}
