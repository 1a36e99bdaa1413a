package config

import "time"

// Status is the state of a config store, for meshd's status page and
// logs.
type Status struct {
	// Version of the snapshot in use.
	Version string
	// Configs is the number of configs in use.
	Configs int
	// LoadedAt is when the snapshot in use was loaded.
	LoadedAt time.Time
	// Err is the problem of the last load attempt, nil when it succeeded.
	// The snapshot in use is then the last good one.
	Err error
	// ErrAt is when Err happened.
	ErrAt time.Time
}
