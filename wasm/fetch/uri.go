package fetch

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"strings"
)

// ParseURI parses and checks a module URI: file:///absolute/path, http:// or https:// with a
// host. An oci:// URI yields ErrNotSupported. Literal IPs and names that are always refused
// (link-local, cloud metadata) are rejected here already; the address actually dialed is
// checked again when fetching.
func ParseURI(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidURI, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("%w: %q: file uri with a remote host", ErrInvalidURI, raw)
		}
		if u.Opaque != "" || !path.IsAbs(u.Path) {
			return nil, fmt.Errorf("%w: %q: file uri needs an absolute path", ErrInvalidURI, raw)
		}
	case "http", "https":
		host := u.Hostname()
		if host == "" || u.Opaque != "" {
			return nil, fmt.Errorf("%w: %q: no host", ErrInvalidURI, raw)
		}
		if why := blockedName(host); why != "" {
			return nil, fmt.Errorf("%w: %w", ErrInvalidURI, &BlockedAddressError{Address: host, Reason: why})
		}
		if ip, err := netip.ParseAddr(host); err == nil {
			if why := blockedIP(ip, true); why != "" {
				return nil, fmt.Errorf("%w: %w", ErrInvalidURI, &BlockedAddressError{Address: host, Reason: why})
			}
		}
	case "oci":
		return nil, fmt.Errorf("%w: oci:// module %q", ErrNotSupported, raw)
	case "":
		return nil, fmt.Errorf("%w: %q: no scheme", ErrInvalidURI, raw)
	default:
		return nil, fmt.Errorf("%w: %q: unsupported scheme %q", ErrInvalidURI, raw, u.Scheme)
	}
	return u, nil
}
