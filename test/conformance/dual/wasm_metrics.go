package dual

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// metric reads one sample from the host's Prometheus text output; name is
// the guest's metric name, sanitized the way the host writes it.
func (w *wasmHost) metric(name, suffix string) (uint64, error) {
	var buf bytes.Buffer
	if err := w.h.Metrics().WritePrometheus(&buf); err != nil {
		return 0, fmt.Errorf("dual: %w", err)
	}
	// A name may carry its labels, family{k="v"}: the host keeps them
	// after the (sanitized) family and its suffix.
	family, labels := name, ""
	if i := strings.IndexByte(name, '{'); i >= 0 {
		family, labels = name[:i], name[i:]
	}
	want := promName(family) + suffix + labels + " "
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), want); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return uint64(f), nil
			}
			n, err := strconv.ParseInt(v, 10, 64)
			return uint64(n), err
		}
	}
	return 0, fmt.Errorf("dual: no metric %q: %w", name, types.ErrorStatusNotFound)
}

func (w *wasmHost) GetCounterMetric(name string) (uint64, error) { return w.metric(name, "") }
func (w *wasmHost) GetGaugeMetric(name string) (uint64, error)   { return w.metric(name, "") }

// GetHistogramMetric returns the sum of the histogram's observations.
func (w *wasmHost) GetHistogramMetric(name string) (uint64, error) { return w.metric(name, "_sum") }

func promName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		return "_" + string(b)
	}
	return string(b)
}
