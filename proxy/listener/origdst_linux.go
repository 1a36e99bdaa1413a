//go:build linux

package listener

import (
	"net"
	"syscall"
	"unsafe"
)

const soOriginalDst = 80 // SO_ORIGINAL_DST from linux/netfilter_ipv4.h

// originalDst returns the pre-DNAT destination of an iptables-redirected
// IPv4 TCP connection, or nil when there is none.
func originalDst(c net.Conn) *net.TCPAddr {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var addr *net.TCPAddr
	_ = rc.Control(func(fd uintptr) {
		var sa syscall.RawSockaddrInet4
		size := uint32(unsafe.Sizeof(sa))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_IP, soOriginalDst,
			uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 || sa.Family != syscall.AF_INET {
			return
		}
		port := int(sa.Port>>8 | sa.Port<<8)
		addr = &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: port}
	})
	return addr
}
