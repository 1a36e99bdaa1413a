package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// UnmarshalJSON accepts a record's time as RFC 3339 text (what older
// telemetry filters send and what queries answer) or as an integer of Unix
// nanoseconds (what the filter sends now: formatting a time inside a Wasm
// guest costs more than the rest of the record); integers decode to UTC.
func (r *Record) UnmarshalJSON(b []byte) error {
	type plain Record // no methods: decodes with the default rules
	var w struct {
		plain
		Time json.RawMessage `json:"time"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*r = Record(w.plain)
	t := bytes.TrimSpace(w.Time)
	switch {
	case len(t) == 0 || string(t) == "null":
		r.Time = time.Time{}
	case t[0] == '"':
		if err := r.Time.UnmarshalJSON(t); err != nil {
			return err
		}
	default:
		n, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil {
			return fmt.Errorf("report: record time %s is neither RFC 3339 text nor integer Unix nanoseconds", t)
		}
		r.Time = time.Unix(0, n).UTC()
	}
	return nil
}

var _ json.Unmarshaler = (*Record)(nil)
