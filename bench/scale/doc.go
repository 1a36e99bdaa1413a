// Package scale benchmarks meshd at mesh scale: one meshd process, a
// directory of ServiceEntries (1000 services by default) and thousands of
// simulated ADS clients (2000 by default, real xDS clients from
// proxy/xdsclient). It measures meshd's memory, the time until every client
// has ACKed a config change (p50/p90/max) and the CPU meshd spends on the
// push. See docs/benchmarks.md for the command and results.
package scale
