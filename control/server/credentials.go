package server

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/wasmesh/wasmesh/control/pilot"
)

// readCredentials loads gateway credentials (credentialName) from dir: one
// subdirectory per name holding tls.crt and tls.key, and optionally ca.crt,
// as a Kubernetes TLS secret mounted as files does.
func readCredentials(dir string, log *slog.Logger) map[string]pilot.Credential {
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("credentials directory unreadable", "dir", dir, "err", err)
		}
		return nil
	}
	out := map[string]pilot.Credential{}
	for _, e := range entries {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		read := func(f string) string {
			b, err := os.ReadFile(filepath.Join(dir, e.Name(), f))
			if err != nil {
				return ""
			}
			return string(b)
		}
		c := pilot.Credential{CertPEM: read("tls.crt"), KeyPEM: read("tls.key"), CAPEM: read("ca.crt")}
		if c.CertPEM == "" || c.KeyPEM == "" {
			log.Warn("credential without tls.crt and tls.key", "credential", e.Name())
			continue
		}
		out[e.Name()] = c
	}
	return out
}
