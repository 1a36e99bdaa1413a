package httpx

import (
	"bytes"
	"io"
	"strconv"
	"sync"
	"time"
)

var logBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeAccessLog writes Envoy's default format:
// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
// %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
// "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
func writeAccessLog(w io.Writer, mu *sync.Mutex, s *Stream, upstreamTime string) {
	b := logBufs.Get().(*bytes.Buffer)
	b.Reset()
	r := s.Req
	b.WriteByte('[')
	b.WriteString(s.Start.UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteString(`] "`)
	b.WriteString(r.Method)
	b.WriteByte(' ')
	path := r.Header.Get("X-Envoy-Original-Path")
	if path == "" {
		path = r.URL.RequestURI()
	}
	b.WriteString(path)
	b.WriteByte(' ')
	b.WriteString(r.Proto)
	b.WriteString(`" `)
	b.WriteString(strconv.Itoa(s.Status))
	b.WriteByte(' ')
	b.WriteString(s.flags())
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(s.BytesIn, 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(s.BytesOut, 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(time.Since(s.Start).Milliseconds(), 10))
	b.WriteByte(' ')
	b.WriteString(dash(upstreamTime))
	for _, v := range []string{r.Header.Get("X-Forwarded-For"), r.Header.Get("User-Agent"), r.Header.Get("X-Request-Id"), r.Host, s.UpstreamHost} {
		b.WriteString(` "`)
		b.WriteString(dash(v))
		b.WriteByte('"')
	}
	b.WriteByte('\n')
	mu.Lock()
	_, _ = w.Write(b.Bytes())
	mu.Unlock()
	logBufs.Put(b)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
