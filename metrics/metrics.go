// Package metrics exposes shishi's Prometheus metrics: HTTP traffic per
// route pattern, store latency and errors, imports and login attempts.
//
// Nothing here touches the default registry: main builds a registry, passes
// it to New, and serves it through Handler. Tests do the same with
// prometheus.NewRegistry, so each test sees only its own series.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// durationBuckets span 1 ms (a cached page) to 10 s (a large import or
// export); anything slower lands in +Inf, which is itself worth an alert.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Login attempt results accepted by LoginAttempt.
const (
	LoginOK        = "ok"
	LoginFailed    = "failed"
	LoginThrottled = "throttled"
)

// ImportResult is how an import run ended, the result label of
// shishi_imports_total.
type ImportResult int

// Import results.
const (
	ImportCommitted ImportResult = iota // rows written to the store
	ImportRejected                      // validation failed, nothing written
	ImportDryRun                        // preview only, nothing written by design
	ImportFailed                        // I/O or store error
)

// String returns the label value of r.
func (r ImportResult) String() string {
	switch r {
	case ImportCommitted:
		return "committed"
	case ImportRejected:
		return "rejected"
	case ImportDryRun:
		return "dry_run"
	case ImportFailed:
		return "failed"
	}
	return "unknown"
}

// Metrics holds every shishi collector. Create it once in main with New and
// share it; all methods are safe for concurrent use.
type Metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	storeDur   *prometheus.HistogramVec
	storeErrs  *prometheus.CounterVec
	importRows *prometheus.CounterVec
	imports    *prometheus.CounterVec
	logins     *prometheus.CounterVec
}

// New creates the collectors and registers them, together with the Go
// runtime and process collectors, on reg. It panics if reg already holds
// any of them, which is a wiring mistake in main (call New once per
// registry).
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shishi_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shishi_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern.",
			Buckets: durationBuckets,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "shishi_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		storeDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shishi_store_operation_duration_seconds",
			Help:    "Store operation latency by operation.",
			Buckets: durationBuckets,
		}, []string{"op"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shishi_store_errors_total",
			Help: "Store operations that returned an error, by operation.",
		}, []string{"op"}),
		importRows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shishi_import_rows_total",
			Help: "Imported rows by registry and outcome (stored, rejected).",
		}, []string{"registry", "outcome"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shishi_imports_total",
			Help: "Import runs by registry and result (committed, rejected, dry_run, failed).",
		}, []string{"registry", "result"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shishi_login_attempts_total",
			Help: "Login attempts by result (ok, failed, throttled).",
		}, []string{"result"}),
	}
	reg.MustRegister(
		m.requests, m.duration, m.inFlight,
		m.storeDur, m.storeErrs,
		m.importRows, m.imports, m.logins,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Login results are a closed set: create them up front so that rate()
	// sees a zero before the first failure instead of a missing series.
	for _, r := range []string{LoginOK, LoginFailed, LoginThrottled} {
		m.logins.WithLabelValues(r)
	}
	return m
}

// Handler serves the metrics gathered from gatherer (normally the registry
// given to New) in the Prometheus exposition format. A collector that fails
// does not hide the others.
func (m *Metrics) Handler(gatherer prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Middleware counts and times requests to next under route, which must be
// the ServeMux pattern (e.g. "GET /api/{registry}/{code}") and never
// r.URL.Path: a label per region or facility code would grow without bound.
//
// Methods outside the standard set are counted as "unknown" and method
// labels are lower case (promhttp's convention), for the same reason.
func (m *Metrics) Middleware(route string, next http.Handler) http.Handler {
	labels := prometheus.Labels{"route": route}
	// promhttp's wrappers keep http.Flusher and friends working on the
	// wrapped ResponseWriter, which a hand-rolled status recorder would hide
	// from downloads that stream.
	h := promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(labels), next)
	h = promhttp.InstrumentHandlerDuration(m.duration.MustCurryWith(labels), h)
	return promhttp.InstrumentHandlerInFlight(m.inFlight, h)
}

// ObserveStore records one store operation. op names the operation
// ("load_targets", "upsert_facilities"), a fixed set chosen by the store,
// never a value derived from input.
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	m.storeDur.WithLabelValues(op).Observe(d.Seconds())
	if err != nil {
		m.storeErrs.WithLabelValues(op).Inc()
	}
}

// ImportDone records a finished import of a registry ("hospitals",
// "childcare": the registry name, never a file name). rows is the number of
// valid rows and rejected the number of rows refused by validation.
//
// The result is inferred: committed, else rejected when rows were refused,
// else dry_run. Callers that know better (a failed run, a dry run with
// rejects) use ImportFinished.
func (m *Metrics) ImportDone(registry string, rows, rejected int, committed bool) {
	result := ImportDryRun
	switch {
	case committed:
		result = ImportCommitted
	case rejected > 0:
		result = ImportRejected
	}
	m.ImportFinished(registry, rows, rejected, result)
}

// ImportFinished records a finished import with an explicit result. Rows
// count as stored only when the import was committed; rejected rows count
// whatever the result, since they were refused either way.
func (m *Metrics) ImportFinished(registry string, rows, rejected int, result ImportResult) {
	m.imports.WithLabelValues(registry, result.String()).Inc()
	if result == ImportCommitted && rows > 0 {
		m.importRows.WithLabelValues(registry, "stored").Add(float64(rows))
	}
	if rejected > 0 {
		m.importRows.WithLabelValues(registry, "rejected").Add(float64(rejected))
	}
}

// LoginAttempt records a login attempt. result is LoginOK, LoginFailed or
// LoginThrottled; anything else is counted as "other" so that a caller's
// typo cannot add series.
func (m *Metrics) LoginAttempt(result string) {
	switch result {
	case LoginOK, LoginFailed, LoginThrottled:
	default:
		result = "other"
	}
	m.logins.WithLabelValues(result).Inc()
}
