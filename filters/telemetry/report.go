package main

import (
	"strconv"

	"github.com/wasmesh/wasmesh/sdk/jsonenc"
)

// record is one access-log entry sent to meshd's report sink: Mixer's
// Report, one request at a time, batched. The JSON tags document the wire
// form; appendJSON writes it without reflection, byte for byte what
// encoding/json writes for this struct.
type record struct {
	TimeNanos     int64  `json:"time"` // Unix nanoseconds (the sink also takes RFC 3339 text)
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

// appendJSON appends r as a JSON object.
func (r *record) appendJSON(b []byte) []byte {
	return r.appendRest(r.appendHead(r.appendTime(b)))
}

// A record is encoded in three parts: the time, the head (the fields fixed
// per label set, which the series cache keeps encoded) and the rest.

func (r *record) appendTime(b []byte) []byte {
	b = append(b, `{"time":`...)
	return strconv.AppendInt(b, r.TimeNanos, 10)
}

func (r *record) appendHead(b []byte) []byte {
	b = appendField(b, "reporter", r.Reporter, false)
	b = appendField(b, "source", r.Source, false)
	b = appendField(b, "destination", r.Destination, false)
	b = appendField(b, "service", r.Service, true)
	return appendField(b, "principal", r.Principal, true)
}

func (r *record) appendRest(b []byte) []byte {
	b = appendField(b, "method", r.Method, true)
	b = appendField(b, "path", r.Path, true)
	b = appendField(b, "protocol", r.Protocol, true)
	b = append(b, `,"code":`...)
	b = strconv.AppendInt(b, int64(r.Code), 10)
	b = appendField(b, "flags", r.Flags, true)
	b = appendField(b, "reason", r.Reason, true)
	b = append(b, `,"durationMs":`...)
	b = strconv.AppendInt(b, r.DurationMs, 10)
	b = append(b, `,"requestBytes":`...)
	b = strconv.AppendInt(b, r.RequestBytes, 10)
	b = append(b, `,"responseBytes":`...)
	b = strconv.AppendInt(b, r.ResponseBytes, 10)
	b = appendField(b, "requestId", r.RequestID, true)
	return append(b, '}')
}

// appendField appends ,"key":"value"; nothing for an empty value when
// omitEmpty. key needs no escaping.
func appendField(b []byte, key, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsonenc.AppendString(b, value)
}

// batch accumulates records, encoded, as one JSON array; the buffer is
// reused from batch to batch.
type batch struct {
	max int
	n   int
	buf []byte
}

// add appends one record and says whether the batch is full. head is
// r.appendHead(nil), or what it was for a record with the same head fields.
func (b *batch) add(r *record, head []byte) bool {
	if b.n == 0 {
		b.buf = append(b.buf[:0], '[')
	} else {
		b.buf = append(b.buf, ',')
	}
	b.buf = r.appendRest(append(r.appendTime(b.buf), head...))
	b.n++
	return b.n >= b.max
}

// take closes the array and empties the batch, returning the array and the
// number of records; nil when empty. The bytes are valid until the next add.
func (b *batch) take() ([]byte, int) {
	if b.n == 0 {
		return nil, 0
	}
	n := b.n
	b.n = 0
	b.buf = append(b.buf, ']')
	return b.buf, n
}
