package cluster

import (
	"context"
	"net"
	"time"

	"github.com/wasmesh/wasmesh/proxy/config"
)

// resolveLoop re-resolves a STRICT_DNS cluster's names every DNSRefresh.
func (c *Cluster) resolveLoop() {
	defer c.wg.Done()
	for {
		c.resolveOnce()
		select {
		case <-c.ctx.Done():
			return
		case <-time.After(c.Config.DNSRefresh):
		}
	}
}

func (c *Cluster) resolveOnce() {
	src := c.Config.Endpoints
	out := &config.Endpoints{ClusterName: src.ClusterName, OverprovisioningFactor: src.OverprovisioningFactor}
	for _, loc := range src.Localities {
		nl := loc
		nl.Hosts = nil
		for _, h := range loc.Hosts {
			ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
			ips, err := net.DefaultResolver.LookupHost(ctx, h.Address)
			cancel()
			if err != nil {
				c.log.Warn("dns resolution failed", "name", h.Address, "err", err)
				c.stats.Inc(c.prefix + "update_failure")
				continue
			}
			for _, ip := range ips {
				nh := h
				nh.Address = ip
				nl.Hosts = append(nl.Hosts, nh)
			}
		}
		out.Localities = append(out.Localities, nl)
	}
	c.SetEndpoints(out)
}
