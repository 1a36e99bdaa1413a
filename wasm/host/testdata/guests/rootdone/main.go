//go:build wasip1

// Command rootdone is a raw proxy-wasm guest for the end of the root
// context: its plugin configuration picks what proxy_on_done does, and every
// root callback appends its name to the shared-data key events/<instance>.
//
//	yes        proxy_on_done returns true
//	later      it sends an http call and returns false; the response calls proxy_done
//	never      it returns false and never calls proxy_done
//	trap       it panics (the instance traps)
//	loop       it spins past its deadline
//	late-trap  as later, but the response panics instead of calling proxy_done
package main

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"

	"github.com/wasmesh/wasmesh/wasm/host/testdata/guests/raw"
)

const pluginConfig = 7

var (
	mode     string
	key      string // events/<random instance tag>
	doneSeen bool
)

func main() {}

//go:wasmexport proxy_abi_version_0_2_1
func marker() {}

//go:wasmexport proxy_on_memory_allocate
func alloc(size uint32) uint32 { return raw.Alloc(size) }

//go:wasmexport proxy_on_context_create
func contextCreate(id, parent uint32) {}

//go:wasmexport proxy_on_configure
func configure(_, size uint32) uint32 {
	b, _ := raw.GetBuffer(pluginConfig, 0, size)
	mode = string(b)
	tag := make([]byte, 8)
	_, _ = rand.Read(tag)
	key = "events/" + hex.EncodeToString(tag)
	raw.ProxySetTickPeriod(5)
	return 1
}

// record appends ev to this instance's events.
func record(ev string) {
	v, _, _ := raw.GetShared(key)
	raw.SetShared(key, append(v, ev+";"...), 0)
}

//go:wasmexport proxy_on_tick
func tick(uint32) {
	if doneSeen {
		record("tick")
	}
}

//go:wasmexport proxy_on_done
func done(ctx uint32) uint32 {
	raw.Unpin()
	doneSeen = true
	record("done")
	switch mode {
	case "yes":
		return 1
	case "later", "late-trap":
		_, st := raw.HTTPCall("sink", [][2]string{{":method", "POST"}, {":path", "/bye"}, {":authority", "sink"}}, "bye", 5000)
		record("call:" + strconv.Itoa(int(st)))
	case "trap":
		panic("rootdone: trap in proxy_on_done")
	case "loop":
		for {
		}
	}
	return 0
}

//go:wasmexport proxy_on_http_call_response
func httpCallResponse(root, id, nh, bodySize, nt uint32) {
	raw.Unpin()
	if mode == "late-trap" {
		panic("rootdone: trap in the last http call response")
	}
	record("response:" + strconv.Itoa(int(nh)))
	record("proxy_done:" + strconv.Itoa(int(raw.ProxyDone())))
}

//go:wasmexport proxy_on_log
func onLog(ctx uint32) { record("log") }

//go:wasmexport proxy_on_delete
func onDelete(ctx uint32) { record("delete") }
