package host

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmesh/wasmesh/wasm/abi"
)

// maxMetrics bounds the number of metrics guests may define.
const maxMetrics = 10000

// histogramBuckets are the upper bounds of every histogram (Envoy's defaults).
var histogramBuckets = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// Metrics are the guests' counters, gauges and histograms, host-wide and
// keyed by name: instances (and plugins) defining the same name and type share
// one metric.
type Metrics struct {
	mu       sync.RWMutex
	byName   map[string]*metric
	byID     []*metric                 // id-1
	families map[string]abi.MetricType // exposition family → its one type
}

type metric struct {
	name    string
	id      uint32
	typ     abi.MetricType
	value   atomic.Uint64 // counter, or gauge as int64 bits
	buckets []atomic.Uint64
	count   atomic.Uint64
	sum     atomic.Uint64 // float64 bits
}

func newMetrics() *Metrics {
	return &Metrics{byName: map[string]*metric{}, families: map[string]abi.MetricType{}}
}

// define returns the id of the metric with this name, creating it. The same
// name, or another series of the same exposition family, with another type is
// BAD_ARGUMENT (a Prometheus family has one type).
func (m *Metrics) define(t abi.MetricType, name string) (uint32, abi.Status) {
	if t > abi.MetricHistogram || name == "" {
		return 0, abi.StatusBadArgument
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.byName[name]; ok {
		if e.typ != t {
			return 0, abi.StatusBadArgument
		}
		return e.id, abi.StatusOK
	}
	if len(m.byID) >= maxMetrics {
		return 0, abi.StatusInternalFailure
	}
	family, _ := splitSeries(name)
	if ft, ok := m.families[family]; ok && ft != t {
		return 0, abi.StatusBadArgument
	}
	m.families[family] = t
	e := &metric{name: name, typ: t, id: uint32(len(m.byID) + 1)}
	if t == abi.MetricHistogram {
		e.buckets = make([]atomic.Uint64, len(histogramBuckets))
	}
	m.byName[name] = e
	m.byID = append(m.byID, e)
	return e.id, abi.StatusOK
}

func (m *Metrics) get(id uint32) *metric {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if id == 0 || int(id) > len(m.byID) {
		return nil
	}
	return m.byID[id-1]
}

func (m *Metrics) record(id uint32, v uint64) abi.Status {
	e := m.get(id)
	switch {
	case e == nil:
		return abi.StatusNotFound
	case e.typ == abi.MetricCounter:
		e.value.Add(v)
	case e.typ == abi.MetricGauge:
		e.value.Store(v)
	default:
		f := float64(v)
		if i, _ := slices.BinarySearch(histogramBuckets, f); i < len(histogramBuckets) {
			e.buckets[i].Add(1)
		}
		e.count.Add(1)
		for {
			old := e.sum.Load()
			if e.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+f)) {
				break
			}
		}
	}
	return abi.StatusOK
}

func (m *Metrics) increment(id uint32, delta int64) abi.Status {
	e := m.get(id)
	switch {
	case e == nil:
		return abi.StatusNotFound
	case e.typ == abi.MetricCounter:
		if delta < 0 {
			return abi.StatusBadArgument
		}
		e.value.Add(uint64(delta))
	case e.typ == abi.MetricGauge:
		e.value.Add(uint64(delta))
	default:
		return abi.StatusBadArgument
	}
	return abi.StatusOK
}

func (m *Metrics) value(id uint32) (uint64, abi.Status) {
	e := m.get(id)
	switch {
	case e == nil:
		return 0, abi.StatusNotFound
	case e.typ == abi.MetricHistogram:
		return 0, abi.StatusBadArgument
	}
	return e.value.Load(), abi.StatusOK
}

// promName maps a metric name to a valid Prometheus name: characters other
// than [a-zA-Z0-9_:] become '_', and a leading digit gets a '_' prefix.
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

// splitSeries splits a guest metric name into its family and label set:
// `family{label="v",...}` keeps its labels (the text before the brace is the
// family); any other name is one series without labels. The family is
// sanitized to Prometheus' alphabet; a label set that is not valid
// exposition syntax (see validLabels) is not trusted and the whole name
// becomes the family.
func splitSeries(name string) (family, labels string) {
	if i := strings.IndexByte(name, '{'); i > 0 && strings.HasSuffix(name, "}") && validLabels(name[i+1:len(name)-1]) {
		return promName(name[:i]), name[i+1 : len(name)-1]
	}
	return promName(name), ""
}

// validLabels reports whether s is `name="value"{,name="value"}`: names in
// [a-zA-Z_][a-zA-Z0-9_]* other than le (the host adds le to histograms),
// values without raw newlines or unescaped quotes.
func validLabels(s string) bool {
	for {
		n := 0
		for n < len(s) && (s[n] == '_' || s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
			n++
		}
		if n == 0 || s[:n] == "le" || len(s) < n+2 || s[n] != '=' || s[n+1] != '"' {
			return false
		}
		s = s[n+2:]
		end := -1
		for i := 0; i < len(s) && end < 0; i++ {
			switch s[i] {
			case '\\':
				if i+1 >= len(s) || s[i+1] == '\n' || s[i+1] == '\r' {
					return false
				}
				i++
			case '\n', '\r':
				return false
			case '"':
				end = i
			}
		}
		if end < 0 {
			return false
		}
		s = s[end+1:]
		if s == "" {
			return true
		}
		if s[0] != ',' {
			return false
		}
		s = s[1:]
	}
}

// series renders family+suffix with the labels plus extra ones (le="...").
func series(family, suffix, labels, extra string) string {
	switch {
	case labels == "" && extra == "":
		return family + suffix
	case labels == "":
		return family + suffix + "{" + extra + "}"
	case extra == "":
		return family + suffix + "{" + labels + "}"
	}
	return family + suffix + "{" + labels + "," + extra + "}"
}

// WritePrometheus writes every metric in the Prometheus text format (0.0.4),
// grouped by family (one # TYPE line each) and sorted by family and labels.
func (m *Metrics) WritePrometheus(w io.Writer) error {
	m.mu.RLock()
	ms := slices.Clone(m.byID)
	m.mu.RUnlock()
	type row struct {
		family, labels string
		e              *metric
	}
	rows := make([]row, len(ms))
	for i, e := range ms {
		f, l := splitSeries(e.name)
		rows[i] = row{f, l, e}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := compareStrings(a.family, b.family); c != 0 {
			return c
		}
		return compareStrings(a.labels, b.labels)
	})
	bw := bufio.NewWriter(w)
	typed := ""
	for _, r := range rows {
		n, l, e := r.family, r.labels, r.e
		if n != typed {
			typed = n
			kind := "histogram"
			switch e.typ {
			case abi.MetricCounter:
				kind = "counter"
			case abi.MetricGauge:
				kind = "gauge"
			}
			fmt.Fprintf(bw, "# TYPE %s %s\n", n, kind)
		}
		switch e.typ {
		case abi.MetricCounter:
			fmt.Fprintf(bw, "%s %d\n", series(n, "", l, ""), e.value.Load())
		case abi.MetricGauge:
			fmt.Fprintf(bw, "%s %d\n", series(n, "", l, ""), int64(e.value.Load()))
		default:
			var cum uint64
			for i, le := range histogramBuckets {
				cum += e.buckets[i].Load()
				fmt.Fprintf(bw, "%s %d\n", series(n, "_bucket", l, `le="`+strconv.FormatFloat(le, 'g', -1, 64)+`"`), cum)
			}
			count := e.count.Load()
			fmt.Fprintf(bw, "%s %d\n%s %s\n%s %d\n", series(n, "_bucket", l, `le="+Inf"`), count,
				series(n, "_sum", l, ""), strconv.FormatFloat(math.Float64frombits(e.sum.Load()), 'g', -1, 64),
				series(n, "_count", l, ""), count)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("host: write metrics: %w", err)
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func metricFuncs() []hostFunc {
	mx := func(in *instance) *Metrics { return in.p.h.metrics }
	return []hostFunc{
		{"proxy_define_metric", i32s(4), func(in *instance, s []uint64) abi.Status {
			name, ok := readString(in.mem, uint32(s[1]), uint32(s[2]))
			if !ok || !guestRange(in.mem.Size(), uint32(s[3]), 4) {
				return abi.StatusInvalidMemoryAccess
			}
			id, st := mx(in).define(abi.MetricType(uint32(s[0])), name)
			if st == abi.StatusOK {
				writeU32(in.mem, uint32(s[3]), id)
			}
			return st
		}},
		{"proxy_record_metric", []api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, func(in *instance, s []uint64) abi.Status {
			return mx(in).record(uint32(s[0]), s[1])
		}},
		{"proxy_increment_metric", []api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, func(in *instance, s []uint64) abi.Status {
			return mx(in).increment(uint32(s[0]), int64(s[1]))
		}},
		{"proxy_get_metric", i32s(2), func(in *instance, s []uint64) abi.Status {
			if !guestRange(in.mem.Size(), uint32(s[1]), 8) {
				return abi.StatusInvalidMemoryAccess
			}
			v, st := mx(in).value(uint32(s[0]))
			if st == abi.StatusOK {
				writeU64(in.mem, uint32(s[1]), v)
			}
			return st
		}},
	}
}
