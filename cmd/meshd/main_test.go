package main

import (
	"io"
	"strings"
	"testing"

	"github.com/wasmesh/wasmesh/control/api"
)

func TestParse(t *testing.T) {
	c, level, err := parse([]string{"--config-dir", "/etc/mesh", "--outbound-traffic-policy", "REGISTRY_ONLY", "--local-modules"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigDir != "/etc/mesh" || c.Mesh.OutboundTrafficPolicy != api.RegistryOnly || !c.LocalModules || level != "info" ||
		c.XDSAddr != "127.0.0.1:15010" || c.SecureXDSAddr != "127.0.0.1:15012" || c.MonitorAddr != "127.0.0.1:15014" {
		t.Errorf("parsed %+v", c)
	}
	for _, bad := range [][]string{
		{},
		{"--config-dir", "d", "--outbound-traffic-policy", "SOMETIMES"},
		{"--config-dir", "d", "extra"},
		{"--config-dir", "d", "--no-such-flag"},
	} {
		if _, _, err := parse(bad, io.Discard); err == nil {
			t.Errorf("parse(%q) accepted", strings.Join(bad, " "))
		}
	}
}
