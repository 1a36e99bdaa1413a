//go:build linux

package listener

import (
	"net"
	"syscall"
	"unsafe"
)

// SO_ORIGINAL_DST (linux/netfilter_ipv4.h) and IP6T_SO_ORIGINAL_DST
// (linux/netfilter_ipv6/ip6_tables.h) share the number.
const soOriginalDst = 80

// originalDst returns the pre-DNAT destination of an iptables- or
// ip6tables-redirected TCP connection, or nil when there is none.
func originalDst(c net.Conn) *net.TCPAddr {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	v6 := false
	if la, ok := c.LocalAddr().(*net.TCPAddr); ok && la.IP.To4() == nil {
		v6 = true
	}
	var addr *net.TCPAddr
	_ = rc.Control(func(fd uintptr) {
		if v6 {
			addr = originalDst6(fd)
			return
		}
		var sa syscall.RawSockaddrInet4
		size := uint32(unsafe.Sizeof(sa))
		_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_IP, soOriginalDst,
			uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&size)), 0)
		if errno != 0 || sa.Family != syscall.AF_INET {
			return
		}
		addr = &net.TCPAddr{IP: net.IPv4(sa.Addr[0], sa.Addr[1], sa.Addr[2], sa.Addr[3]), Port: port(sa.Port)}
	})
	return addr
}

func originalDst6(fd uintptr) *net.TCPAddr {
	var sa syscall.RawSockaddrInet6
	size := uint32(unsafe.Sizeof(sa))
	_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_IPV6, soOriginalDst,
		uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 || sa.Family != syscall.AF_INET6 {
		return nil
	}
	ip := make(net.IP, net.IPv6len)
	copy(ip, sa.Addr[:])
	return &net.TCPAddr{IP: ip, Port: port(sa.Port)}
}

// port converts a network-order port as stored in a raw sockaddr.
func port(p uint16) int { return int(p>>8 | p<<8) }
