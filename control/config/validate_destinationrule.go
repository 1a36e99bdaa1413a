package config

import "github.com/wasmesh/wasmesh/control/api"

func (v *validator) destinationRule(path string, s *api.DestinationRule) {
	if v.required(path+".host", s.Host) {
		v.host(path+".host", s.Host, false)
	}
	v.trafficPolicy(path+".trafficPolicy", s.TrafficPolicy)
	names := map[string]int{}
	for i, sub := range s.Subsets {
		p := idx(path+".subsets", i)
		if v.required(p+".name", sub.Name) && !dnsSubRE.MatchString(sub.Name) {
			v.add(p+".name", "invalid subset name %q: use lower-case letters, digits, '-' and '.'", sub.Name)
		}
		if j, dup := names[sub.Name]; dup && sub.Name != "" {
			v.add(p+".name", "duplicate subset name %q (also subsets[%d])", sub.Name, j)
		}
		names[sub.Name] = i
		v.labels(p+".labels", sub.Labels)
		v.trafficPolicy(p+".trafficPolicy", sub.TrafficPolicy)
	}
	v.exportTo(path+".exportTo", s.ExportTo)
	if s.WorkloadSelector != nil {
		v.labels(path+".workloadSelector.matchLabels", s.WorkloadSelector.MatchLabels)
	}
}

func (v *validator) trafficPolicy(path string, t *api.TrafficPolicy) {
	if t == nil {
		return
	}
	v.loadBalancer(path+".loadBalancer", t.LoadBalancer)
	v.connectionPool(path+".connectionPool", t.ConnectionPool)
	v.outlierDetection(path+".outlierDetection", t.OutlierDetection)
	v.clientTLS(path+".tls", t.TLS)
	seen := map[uint32]int{}
	for i, pl := range t.PortLevelSettings {
		p := idx(path+".portLevelSettings", i)
		if pl.Port == nil {
			v.add(p+".port", "required")
		} else {
			v.port(p+".port.number", pl.Port.Number)
			if j, dup := seen[pl.Port.Number]; dup {
				v.add(p+".port.number", "duplicate port %d (also portLevelSettings[%d])", pl.Port.Number, j)
			}
			seen[pl.Port.Number] = i
		}
		v.loadBalancer(p+".loadBalancer", pl.LoadBalancer)
		v.connectionPool(p+".connectionPool", pl.ConnectionPool)
		v.outlierDetection(p+".outlierDetection", pl.OutlierDetection)
		v.clientTLS(p+".tls", pl.TLS)
	}
	if tn := t.Tunnel; tn != nil {
		p := path + ".tunnel"
		if tn.Protocol != "" && tn.Protocol != "CONNECT" && tn.Protocol != "POST" {
			v.add(p+".protocol", "must be CONNECT or POST, got %q", tn.Protocol)
		}
		v.required(p+".targetHost", tn.TargetHost)
		v.port(p+".targetPort", tn.TargetPort)
	}
	if rb := t.RetryBudget; rb != nil {
		v.percentValue(path+".retryBudget.percent", rb.Percent)
		v.duration(path+".retryBudget.budgetInterval", rb.BudgetInterval)
	}
}

func (v *validator) loadBalancer(path string, lb *api.LoadBalancerSettings) {
	if lb == nil {
		return
	}
	v.exclusive(path, []string{"simple", "consistentHash"}, lb.Simple != "", lb.ConsistentHash != nil)
	if ch := lb.ConsistentHash; ch != nil {
		p := path + ".consistentHash"
		n := 0
		for _, set := range []bool{ch.HTTPHeaderName != "", ch.HTTPCookie != nil, ch.UseSourceIP, ch.HTTPQueryParameterName != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.add(p, "must set exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName")
		}
		if c := ch.HTTPCookie; c != nil {
			v.required(p+".httpCookie.name", c.Name)
			v.duration(p+".httpCookie.ttl", c.TTL)
			for i, a := range c.Attributes {
				v.required(idx(p+".httpCookie.attributes", i)+".name", a.Name)
			}
		}
		v.exclusive(p, []string{"ringHash", "maglev", "minimumRingSize"}, ch.RingHash != nil, ch.Maglev != nil, ch.MinimumRingSize != 0)
		if m := ch.Maglev; m != nil && m.TableSize != 0 && !prime(m.TableSize) {
			v.add(p+".maglev.tableSize", "must be a prime number, got %d", m.TableSize)
		}
	}
	if l := lb.LocalityLbSetting; l != nil {
		p := path + ".localityLbSetting"
		v.exclusive(p, []string{"distribute", "failover"}, len(l.Distribute) > 0, len(l.Failover) > 0)
		for i, d := range l.Distribute {
			dp := idx(p+".distribute", i)
			v.required(dp+".from", d.From)
			var sum uint64
			for loc, w := range d.To {
				sum += uint64(w)
				if loc == "" {
					v.add(dp+".to", "locality must not be empty")
				}
			}
			if sum != 100 {
				v.add(dp+".to", "weights must sum to 100, got %d", sum)
			}
		}
		v.failover(p+".failover", l.Failover)
	}
	if z := lb.ZoneAwareLbSetting; z != nil {
		v.exclusive(path, []string{"localityLbSetting", "zoneAwareLbSetting"}, lb.LocalityLbSetting != nil, true)
		v.failover(path+".zoneAwareLbSetting.failover", z.Failover)
	}
	v.duration(path+".warmupDurationSecs", lb.WarmupDurationSecs)
	if w := lb.Warmup; w != nil {
		p := path + ".warmup"
		v.exclusive(path, []string{"warmupDurationSecs", "warmup"}, lb.WarmupDurationSecs != nil, true)
		if w.Duration == nil {
			v.add(p+".duration", "required")
		}
		v.positiveDuration(p+".duration", w.Duration)
		v.percentValue(p+".minimumPercent", w.MinimumPercent)
		if w.Aggression != nil && *w.Aggression < 1 {
			v.add(p+".aggression", "must be at least 1, got %g", *w.Aggression)
		}
	}
}

func (v *validator) failover(path string, fs []api.LocalityFailover) {
	for i, f := range fs {
		fp := idx(path, i)
		v.required(fp+".from", f.From)
		v.required(fp+".to", f.To)
		if f.From != "" && f.From == f.To {
			v.add(fp, "from and to must differ, both are %q", f.From)
		}
	}
}

func prime(n uint64) bool {
	if n < 2 {
		return false
	}
	for d := uint64(2); d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func (v *validator) connectionPool(path string, c *api.ConnectionPoolSettings) {
	if c == nil {
		return
	}
	if t := c.TCP; t != nil {
		p := path + ".tcp"
		v.nonNegative(p+".maxConnections", int64(t.MaxConnections))
		v.duration(p+".connectTimeout", t.ConnectTimeout)
		v.duration(p+".maxConnectionDuration", t.MaxConnectionDuration)
		v.duration(p+".idleTimeout", t.IdleTimeout)
		if k := t.TCPKeepalive; k != nil {
			v.duration(p+".tcpKeepalive.time", k.Time)
			v.duration(p+".tcpKeepalive.interval", k.Interval)
		}
	}
	if h := c.HTTP; h != nil {
		p := path + ".http"
		v.nonNegative(p+".http1MaxPendingRequests", int64(h.HTTP1MaxPendingRequests))
		v.nonNegative(p+".http2MaxRequests", int64(h.HTTP2MaxRequests))
		v.nonNegative(p+".maxRequestsPerConnection", int64(h.MaxRequestsPerConnection))
		v.nonNegative(p+".maxRetries", int64(h.MaxRetries))
		v.nonNegative(p+".maxConcurrentStreams", int64(h.MaxConcurrentStreams))
		v.duration(p+".idleTimeout", h.IdleTimeout)
		if k := h.HTTP2KeepAlive; k != nil {
			v.positiveDuration(p+".http2KeepAlive.interval", k.Interval)
			v.positiveDuration(p+".http2KeepAlive.timeout", k.Timeout)
		}
	}
}

func (v *validator) outlierDetection(path string, o *api.OutlierDetection) {
	if o == nil {
		return
	}
	v.positiveDuration(path+".interval", o.Interval)
	v.positiveDuration(path+".baseEjectionTime", o.BaseEjectionTime)
	v.between(path+".maxEjectionPercent", int64(o.MaxEjectionPercent), 0, 100)
	v.between(path+".minHealthPercent", int64(o.MinHealthPercent), 0, 100)
	v.nonNegative(path+".consecutiveErrors", int64(o.ConsecutiveErrors))
	if o.ConsecutiveLocalOriginFailures != nil && !o.SplitExternalLocalOriginErrors {
		v.add(path+".consecutiveLocalOriginFailures", "requires splitExternalLocalOriginErrors: true")
	}
	for i, c := range o.OutlierDetectionHTTPErrorCodes {
		v.between(idx(path+".outlierDetectionHttpErrorCodes", i), int64(c), 100, 599)
	}
}

func (v *validator) clientTLS(path string, t *api.ClientTLSSettings) {
	if t == nil {
		return
	}
	if t.Mode == api.ClientTLSMutual && t.CredentialName == "" && (t.ClientCertificate == "" || t.PrivateKey == "") {
		v.add(path, "mode MUTUAL requires credentialName, or clientCertificate and privateKey")
	}
	if t.Mode == api.ClientTLSIstioMutual || t.Mode == api.ClientTLSDisable {
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"clientCertificate", t.ClientCertificate != ""}, {"privateKey", t.PrivateKey != ""},
			{"caCertificates", t.CACertificates != ""}, {"credentialName", t.CredentialName != ""},
		} {
			if f.set {
				v.add(path+"."+f.name, "not allowed with mode %s", t.Mode)
			}
		}
	}
	if t.CredentialName != "" && (t.ClientCertificate != "" || t.PrivateKey != "" || t.CACertificates != "") {
		v.add(path+".credentialName", "credentialName and certificate files are mutually exclusive: set only one")
	}
	for i, san := range t.SubjectAltNames {
		if san == "" {
			v.add(idx(path+".subjectAltNames", i), "must not be empty")
		}
	}
}
