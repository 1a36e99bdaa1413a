// Package quota is meshd's global quota service, the far end of the
// ratelimit filter's optional global check (Mixer's quota adapters, without
// Mixer): a token bucket per key shared by every proxy that asks. POST
// {"key": "...", "amount": 1} answers 200 when granted and 429 with
// Retry-After when not.
package quota
