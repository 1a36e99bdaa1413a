package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

func TestParseKubernetes(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(kc, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	// the flags meshd's Deployment (control/kube.Manifests) passes
	c, _, err := parse([]string{"--config-source=kubernetes", "--kubeconfig", kc, "--xds-address=0.0.0.0:15010", "--monitor-address=0.0.0.0:15014",
		"--webhook-address=0.0.0.0:15017", "--ca-plugin-dir=/etc/cacerts", "--leader-lease=meshd-leader", "--lease-duration=3s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	k := c.Kubernetes
	if k == nil || k.Rest.Host != "https://127.0.0.1:6443" || k.WebhookAddr != "0.0.0.0:15017" || k.LeaseName != "meshd-leader" ||
		k.LeaseDuration != 3*time.Second || k.RenewDeadline != 2*time.Second || c.PluginCADir != "/etc/cacerts" ||
		c.SecureXDSAddr != "0.0.0.0:15012" || c.ConfigDir != "" {
		t.Errorf("parsed %+v, kubernetes %+v", c, k)
	}
	for _, bad := range [][]string{
		{"--config-source=kubernetes", "--kubeconfig", kc, "--config-dir", "d"},
		{"--config-source=etcd", "--config-dir", "d"},
		{"--config-dir", "d", "--leader-lease", "x"},
		{"--config-source=kubernetes", "--kubeconfig", filepath.Join(t.TempDir(), "missing")},
	} {
		if _, _, err := parse(bad, io.Discard); err == nil {
			t.Errorf("parse(%q) accepted", strings.Join(bad, " "))
		}
	}
}

func TestParseInsecureRegistries(t *testing.T) {
	c, _, err := parse([]string{"--config-dir", "d", "--insecure-registries", "reg.internal:5000, mirror.local,", "--insecure-registries", "third", "--image-pull-interval", "1m"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.InsecureRegistries, "|") != "reg.internal:5000|mirror.local|third" || c.ImagePullInterval != time.Minute {
		t.Errorf("insecure registries %q, pull interval %v", c.InsecureRegistries, c.ImagePullInterval)
	}
}
