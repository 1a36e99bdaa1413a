// Package meshctl is the command tree of the meshctl CLI. Each subcommand
// lives in its own file; Run is the whole program minus os.Exit, so tests
// drive it in-process.
package meshctl
