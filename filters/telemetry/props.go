package main

import (
	"encoding/binary"
	"strconv"
	"time"

	"github.com/wasmesh/wasmesh/sdk/proxywasm"
)

// reporterFromDirection reads the listener direction the proxy reports
// (Envoy's enum: 1 inbound, 2 outbound; or its name).
func reporterFromDirection() string {
	b, err := proxywasm.GetProperty([]string{"xds", "listener_direction"})
	if err == nil {
		if s := string(b); s == "inbound" || (len(b) == 8 && binary.LittleEndian.Uint64(b) == 1) {
			return "destination"
		}
	}
	return "source"
}

func nowNanos() uint64 {
	if ns, err := proxywasm.GetCurrentTimeNanoseconds(); err == nil {
		return ns
	}
	return uint64(time.Now().UnixNano())
}

func propString(path ...string) string {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// lastString reads a string property, keeping the last value read: the
// same connection, service or flags come back request after request, and a
// repeated value then costs no allocation (the comparison does not copy).
type lastString struct {
	path []string
	last string
}

func (c *lastString) get() string {
	b, err := proxywasm.GetProperty(c.path)
	if err != nil {
		return ""
	}
	if string(b) != c.last {
		c.last = string(b)
	}
	return c.last
}

func propBool(path ...string) bool {
	b, err := proxywasm.GetProperty(path)
	return err == nil && len(b) == 1 && b[0] == 1
}

// propInt reads an integer property: 8 little-endian bytes or decimal text.
func propInt(path ...string) int64 {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return 0
	}
	if len(b) == 8 {
		return int64(binary.LittleEndian.Uint64(b))
	}
	n, _ := strconv.ParseInt(string(b), 10, 64)
	return n
}
