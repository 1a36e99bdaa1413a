package capture

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Command is a parsed `meshproxy iptables` invocation.
type Command struct {
	Config Config
	Remove bool // --clean: remove the rules instead of installing them
	IPv6   bool
	DryRun bool // print the rules instead of applying them
}

// ParseFlags parses the flags the injector's init container passes (see
// control/inject). Every bad value is reported, named by its flag.
func ParseFlags(args []string, stderr io.Writer) (Command, error) {
	fs := flag.NewFlagSet("meshproxy iptables", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Command
	fs.IntVar(&c.Config.OutboundPort, "outbound-port", 15001, "port outbound TCP is redirected to")
	fs.IntVar(&c.Config.InboundPort, "inbound-port", 15006, "port inbound TCP is redirected to")
	fs.IntVar(&c.Config.ProxyUID, "proxy-uid", 1337, "uid of the proxy; its traffic is not captured")
	fs.IntVar(&c.Config.ProxyGID, "proxy-gid", 1337, "gid of the proxy; 0 = no gid match")
	inclIn := fs.String("include-inbound-ports", "*", `inbound ports to capture: "*", "" or a list`)
	exclIn := fs.String("exclude-inbound-ports", "15090,15021,15020", "inbound ports never captured")
	inclOut := fs.String("include-outbound-ports", "", "outbound ports always captured")
	exclOut := fs.String("exclude-outbound-ports", "", "outbound ports never captured")
	inclRanges := fs.String("include-outbound-ip-ranges", "*", `destination CIDRs to capture: "*", "" or a list`)
	exclRanges := fs.String("exclude-outbound-ip-ranges", "", "destination CIDRs never captured")
	fs.BoolVar(&c.Remove, "clean", false, "remove the rules")
	fs.BoolVar(&c.IPv6, "ipv6", false, "also install ip6tables rules")
	fs.BoolVar(&c.DryRun, "dry-run", false, "print the iptables-restore input and exit")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("capture: %w", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("capture: unexpected arguments %q", fs.Args())
	}
	var errs []error
	collect := func(flagName string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", flagName, err))
		}
	}
	var err error
	c.Config.InboundPorts, err = ParsePorts(*inclIn)
	collect("include-inbound-ports", err)
	c.Config.ExcludeInboundPorts, err = ParsePortNumbers(*exclIn)
	collect("exclude-inbound-ports", err)
	c.Config.OutboundPorts, err = ParsePortNumbers(*inclOut)
	collect("include-outbound-ports", err)
	c.Config.ExcludeOutboundPorts, err = ParsePortNumbers(*exclOut)
	collect("exclude-outbound-ports", err)
	c.Config.OutboundRanges, err = ParseRanges(*inclRanges)
	collect("include-outbound-ip-ranges", err)
	excl, err := ParseRanges(*exclRanges)
	collect("exclude-outbound-ip-ranges", err)
	for _, r := range excl {
		if r == "*" {
			collect("exclude-outbound-ip-ranges", errors.New(`"*" is not allowed here`))
			continue
		}
		p, _ := parsePrefix(r)
		c.Config.ExcludeOutboundRanges = append(c.Config.ExcludeOutboundRanges, p)
	}
	collect("config", c.Config.Validate())
	return c, errors.Join(errs...)
}
