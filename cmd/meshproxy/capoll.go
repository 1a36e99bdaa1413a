package main

import (
	"strings"

	"github.com/wasmesh/wasmesh/proxy/agent"
)

// pollConfig says where the agent follows meshd's trust bundle and
// revocation list: --ca-bundle-url, and --ca-revocations-url or, when the
// bundle URL is meshd's /ca/bundle.pem, the /ca/revocations beside it.
func (c caFlags) pollConfig() (agent.PollConfig, bool) {
	pc := agent.PollConfig{BundleURL: c.bundleURL, RevocationsURL: c.revocationsURL, Interval: c.pollInterval}
	if pc.RevocationsURL == "" {
		if base, ok := strings.CutSuffix(c.bundleURL, "/ca/bundle.pem"); ok {
			pc.RevocationsURL = base + "/ca/revocations"
		}
	}
	return pc, pc.BundleURL != "" || pc.RevocationsURL != ""
}
