// Package ui tests meshd's dashboard in a real browser: TestUI serves
// control/ui.Handler over the bookinfo fixture on loopback and runs ui.mjs,
// which drives Debian's chromium through playwright-core and saves
// screenshots under screenshots/.
//
// Needs: apt-get install -y chromium; (cd test/ui && npm ci).
package ui
