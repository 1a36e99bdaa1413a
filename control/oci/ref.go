package oci

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Ref is a parsed image reference.
type Ref struct {
	// Registry is host[:port] as written ("docker.io" for Docker Hub names).
	Registry string
	// Repository is the path inside the registry, e.g. "acme/filter".
	Repository string
	// Tag is the tag; "latest" when neither a tag nor a digest was given,
	// empty when only a digest was.
	Tag string
	// Digest pins the manifest: "sha256:<64 lower-case hex>", or empty.
	Digest string
}

// DockerHub is the registry of references without a registry host.
const DockerHub = "docker.io"

var (
	repoComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE         = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE      = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	hostRE        = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
)

// ParseRef parses oci://host[:port]/repo[:tag][@sha256:digest] or the same
// without the scheme. A first component without '.' or ':' (and not
// "localhost") is a Docker Hub repository, as docker pull reads it.
func ParseRef(s string) (Ref, error) {
	in := s
	bad := func(format string, a ...any) (Ref, error) {
		return Ref{}, fmt.Errorf("%w %q: %s", ErrBadRef, in, fmt.Sprintf(format, a...))
	}
	if rest, ok := strings.CutPrefix(s, "oci://"); ok {
		s = rest
	} else if strings.Contains(s, "://") {
		return bad("scheme must be oci://")
	}
	if len(s) > 1024 {
		return bad("longer than 1024 characters")
	}
	var r Ref
	if name, d, ok := strings.Cut(s, "@"); ok {
		d = strings.ToLower(d)
		if !digestRE.MatchString(d) {
			return bad("digest must be sha256: and 64 hexadecimal characters")
		}
		s, r.Digest = name, d
	}
	first, rest, ok := strings.Cut(s, "/")
	if ok && (strings.ContainsAny(first, ".:[") || first == "localhost") {
		r.Registry = first
		s = rest
	} else {
		r.Registry = DockerHub
		if !ok {
			s = "library/" + s
		}
	}
	if err := checkRegistry(r.Registry); err != nil {
		return bad("registry: %v", err)
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "/") {
		s, r.Tag = s[:i], s[i+1:]
		if !tagRE.MatchString(r.Tag) {
			return bad("tag %q: want letters, digits, '_', '.', '-' (at most 128)", r.Tag)
		}
	}
	if s == "" {
		return bad("no repository")
	}
	if len(s) > 255 {
		return bad("repository longer than 255 characters")
	}
	for _, c := range strings.Split(s, "/") {
		if !repoComponent.MatchString(c) {
			return bad("repository component %q: want lower-case letters and digits separated by '.', '_', '__' or '-'", c)
		}
	}
	r.Repository = s
	if r.Tag == "" && r.Digest == "" {
		r.Tag = "latest"
	}
	return r, nil
}

func checkRegistry(h string) error {
	host, port := h, ""
	if strings.HasPrefix(h, "[") || strings.Contains(h, ":") {
		var err error
		if host, port, err = net.SplitHostPort(h); err != nil {
			if !strings.HasPrefix(h, "[") || !strings.HasSuffix(h, "]") {
				return fmt.Errorf("%q is not host[:port]", h)
			}
			host = h[1 : len(h)-1]
		}
		if strings.HasPrefix(h, "[") {
			if ip := net.ParseIP(host); ip == nil || ip.To4() != nil {
				return fmt.Errorf("%q is not an IPv6 address", host)
			}
		}
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return fmt.Errorf("bad port %q", port)
		}
	}
	if !strings.HasPrefix(h, "[") && !hostRE.MatchString(host) {
		return fmt.Errorf("bad host %q", host)
	}
	return nil
}

// String is the canonical form, oci://registry/repo[:tag][@digest]; two
// spellings of one reference have the same String.
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString("oci://")
	b.WriteString(r.Registry)
	b.WriteByte('/')
	b.WriteString(r.Repository)
	if r.Tag != "" {
		b.WriteByte(':')
		b.WriteString(r.Tag)
	}
	if r.Digest != "" {
		b.WriteByte('@')
		b.WriteString(r.Digest)
	}
	return b.String()
}

// reference is what the manifest URL names: the digest when pinned.
func (r Ref) reference() string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// apiHost is the host[:port] serving the API (Docker Hub's differs from
// its name).
func (r Ref) apiHost() string {
	if r.Registry == DockerHub {
		return "registry-1.docker.io"
	}
	return r.Registry
}
