package xdsclient

import "time"

// Status is a snapshot of the client's state.
type Status struct {
	Connected bool                  // an ADS stream is open
	Types     map[string]TypeStatus // by type URL
}

// TypeStatus is the state of one resource type.
type TypeStatus struct {
	Subscribed []string  // names wanted (Wildcard for all), sorted
	Version    string    // last version ACKed ("" before the first)
	Resources  int       // resources in the accepted set
	ACKedAt    time.Time // when Version was ACKed
	LastNACK   NACK      // the latest NACK, kept after later ACKs (compare At with ACKedAt); zero if none
}

// NACK records a rejected response.
type NACK struct {
	Version string // version of the rejected response
	Nonce   string
	Reason  string // error_detail sent to the server
	At      time.Time
}
