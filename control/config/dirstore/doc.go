// Package dirstore is the runner around control/config for a directory of
// YAML: it serves the last good snapshot, watches the directory (fsnotify,
// debounced) and reloads it, keeps the previous snapshot when a file is
// invalid (reporting the problems in Status and the log), publishes new
// snapshots to subscribers, and implements Apply/Delete by writing files
// into the directory after validating them, so that nothing applied is lost
// on restart.
package dirstore
