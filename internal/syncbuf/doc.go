// Package syncbuf is a bytes.Buffer safe for concurrent writers and readers:
// where tests and benchmarks collect a child process's output or a logger's
// lines while they are still being written. Tail gives a report's last lines.
package syncbuf
