package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Duration is a length of time written as a string such as "1.5s", "250ms"
// or "1h"; it marshals back to a string.
type Duration struct {
	time.Duration
}

// ParseDuration parses a duration string such as "1.5s".
func ParseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return Duration{}, fmt.Errorf("api: invalid duration %q (use a number with a unit: ms, s, m, h)", s)
	}
	return Duration{d}, nil
}

// NewDuration wraps d.
func NewDuration(d time.Duration) *Duration { return &Duration{d} }

// String renders the duration in Go's notation without zero trailing
// units: "1.5s", "250ms", "1m", "24h", "1h30m".
func (d Duration) String() string {
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText renders the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON renders the duration as a JSON string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON parses a JSON string duration.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("api: duration must be a string such as \"1.5s\"")
	}
	return d.UnmarshalText([]byte(s))
}
