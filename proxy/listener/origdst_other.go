//go:build !linux

package listener

import "net"

// originalDst is only available on Linux.
func originalDst(net.Conn) *net.TCPAddr { return nil }
