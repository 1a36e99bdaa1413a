package oci

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// DockerConfig maps registries to credentials, read from the file docker
// login writes (config.json) or a kubernetes.io/dockerconfigjson Secret's
// .dockerconfigjson.
type DockerConfig map[string]Credentials

// maxDockerConfig bounds a credentials file.
const maxDockerConfig = 1 << 20

// ParseDockerConfig reads {"auths": {"<registry>": {"auth": base64 of
// user:password} or {"username", "password"}}}.
func ParseDockerConfig(b []byte) (DockerConfig, error) {
	if len(b) > maxDockerConfig {
		return nil, fmt.Errorf("oci: docker config of %d bytes, limit %d", len(b), maxDockerConfig)
	}
	var f struct {
		Auths map[string]struct {
			Auth     string `json:"auth"`
			Username string `json:"username"`
			Password string `json:"password"`
		} `json:"auths"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("oci: docker config: %w", err)
	}
	out := DockerConfig{}
	for reg, a := range f.Auths {
		c := Credentials{Username: a.Username, Password: a.Password}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("oci: docker config: auths[%q].auth is not base64: %w", reg, err)
			}
			user, pass, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("oci: docker config: auths[%q].auth is not user:password", reg)
			}
			c = Credentials{Username: user, Password: pass}
		}
		if c.Username == "" && c.Password == "" {
			continue
		}
		out[registryKey(reg)] = c
	}
	return out, nil
}

// Lookup returns the credentials for a registry as a Ref names it.
func (d DockerConfig) Lookup(registry string) (Credentials, bool) {
	c, ok := d[registryKey(registry)]
	return c, ok
}

// registryKey normalises a registry written as docker login keeps it
// (possibly a URL, "https://index.docker.io/v1/" for Docker Hub).
func registryKey(s string) string {
	s = strings.ToLower(s)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	s, _, _ = strings.Cut(s, "/")
	switch s {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return DockerHub
	}
	return s
}
