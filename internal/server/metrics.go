package server

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Metrics counts requests per route and status and their latency, and
// writes them in the Prometheus text format. A handful of counters do not
// need the Prometheus client library.
type Metrics struct {
	mu      sync.Mutex
	reqs    map[[2]string]uint64 // route, status → count
	latency map[string]*histogram
	gauges  []Gauge
	start   time.Time
}

// Gauge is a value read at scrape time (members, open connections …).
type Gauge struct {
	Name, Help string
	Read       func() float64
	// Counter marks a value that only grows (its name ends in _total).
	Counter bool
}

var buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

// NewMetrics makes an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{reqs: map[[2]string]uint64{}, latency: map[string]*histogram{}, start: time.Now()}
}

// AddGauge registers a gauge.
func (m *Metrics) AddGauge(g Gauge) {
	m.mu.Lock()
	m.gauges = append(m.gauges, g)
	m.mu.Unlock()
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets progress streams pass through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Instrument counts the route's requests.
func (m *Metrics) Instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.observe(route, sw.status, time.Since(t).Seconds())
	})
}

func (m *Metrics) observe(route string, status int, secs float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs[[2]string{route, strconv.Itoa(status)}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.latency[route] = h
	}
	for i, b := range buckets {
		if secs <= b {
			h.counts[i]++
		}
	}
	h.sum += secs
	h.n++
}

// ServeHTTP writes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m.Write(w)
}

// Write renders every metric in the Prometheus text format.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP linli_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE linli_http_requests_total counter")
	keys := make([][2]string, 0, len(m.reqs))
	for k := range m.reqs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "linli_http_requests_total{route=%q,status=%q} %d\n", k[0], k[1], m.reqs[k])
	}
	fmt.Fprintln(w, "# HELP linli_http_request_duration_seconds HTTP request latency by route.")
	fmt.Fprintln(w, "# TYPE linli_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.latency[r]
		for i, b := range buckets {
			fmt.Fprintf(w, "linli_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(b, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(w, "linli_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(w, "linli_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "linli_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	for _, g := range m.gauges {
		typ := "gauge"
		if g.Counter {
			typ = "counter"
		}
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n%s %g\n", g.Name, g.Help, g.Name, typ, g.Name, g.Read())
	}
	fmt.Fprintln(w, "# HELP linli_goroutines Goroutines in the process.")
	fmt.Fprintln(w, "# TYPE linli_goroutines gauge")
	fmt.Fprintf(w, "linli_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# HELP linli_uptime_seconds Seconds since the server started.")
	fmt.Fprintln(w, "# TYPE linli_uptime_seconds gauge")
	fmt.Fprintf(w, "linli_uptime_seconds %g\n", time.Since(m.start).Seconds())
}
