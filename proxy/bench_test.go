package proxy

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkProxyHop measures one request through meshproxy (listener, HCM,
// route, STATIC cluster, pooled HTTP/1.1 upstream) to a loopback backend,
// with parallel keep-alive clients.
func BenchmarkProxyHop(b *testing.B) {
	be := newBackend(b, "be", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(make([]byte, 1024)) })
	e := start(b, res(b, httpListener("l", "")), res(b, staticCluster("be", "", be.addr())))
	u := e.routes("l", routesYAML(`{match: {prefix: /}, route: {cluster: be}}`)) + "/"
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := c.Get(u)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
