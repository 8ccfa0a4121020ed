package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const apiRoute = "GET /api/{registry}/{code}"

// newServer wires a mux the way web/ does: each pattern wrapped with its own
// pattern as the route label.
func newServer(t *testing.T) (*Metrics, *prometheus.Registry, http.Handler) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m := New(reg)
	mux := http.NewServeMux()
	mux.Handle(apiRoute, m.Middleware(apiRoute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("code") == "missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "ok")
	})))
	mux.Handle("POST /login", m.Middleware("POST /login", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSeeOther)
	})))
	return m, reg, mux
}

func do(t *testing.T, h http.Handler, method, path string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code
}

func TestMiddlewareCountsByRouteAndStatus(t *testing.T) {
	m, _, h := newServer(t)
	requests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/api/hospitals/110101", 200},
		{"GET", "/api/hospitals/110102", 200},
		{"GET", "/api/clinics/missing", 404},
		{"POST", "/login", 303},
	}
	for _, r := range requests {
		if got := do(t, h, r.method, r.path); got != r.want {
			t.Fatalf("%s %s: status %d, want %d", r.method, r.path, got, r.want)
		}
	}
	tests := []struct {
		route, method, code string
		want                float64
	}{
		{apiRoute, "get", "200", 2},
		{apiRoute, "get", "404", 1},
		{"POST /login", "post", "303", 1},
	}
	for _, tt := range tests {
		got := testutil.ToFloat64(m.requests.WithLabelValues(tt.route, tt.method, tt.code))
		if got != tt.want {
			t.Errorf("requests{%s,%s,%s} = %v, want %v", tt.route, tt.method, tt.code, got, tt.want)
		}
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight after requests = %v, want 0", got)
	}
}

func TestMiddlewareObservesDuration(t *testing.T) {
	_, reg, h := newServer(t)
	do(t, h, "GET", "/api/hospitals/110101")
	do(t, h, "GET", "/api/hospitals/110102")
	do(t, h, "POST", "/login")

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "shishi_http_request_duration_seconds" {
			continue
		}
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "route" {
					counts[l.GetValue()] = metric.GetHistogram().GetSampleCount()
				}
			}
			if n := len(metric.GetHistogram().GetBucket()); n != len(durationBuckets) {
				t.Errorf("histogram has %d buckets, want %d", n, len(durationBuckets))
			}
		}
	}
	want := map[string]uint64{apiRoute: 2, "POST /login": 1}
	for route, n := range want {
		if counts[route] != n {
			t.Errorf("duration samples for %q = %d, want %d (all: %v)", route, counts[route], n, counts)
		}
	}
}

func TestMiddlewareInFlight(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	var during float64
	h := m.Middleware("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		during = testutil.ToFloat64(m.inFlight)
	}))
	do(t, h, "GET", "/slow")
	if during != 1 {
		t.Errorf("in flight during request = %v, want 1", during)
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight after request = %v, want 0", got)
	}
}

// Two region codes on the same pattern must share one series: a path label
// would grow with every code requested.
func TestNoPathInLabels(t *testing.T) {
	m, reg, h := newServer(t)
	do(t, h, "GET", "/api/hospitals/110101")
	do(t, h, "GET", "/api/hospitals/320102")

	if n := testutil.CollectAndCount(m.requests); n != 1 {
		t.Errorf("request series = %d, want 1", n)
	}
	if n := testutil.CollectAndCount(m.duration); n != 1 {
		t.Errorf("duration series = %d, want 1", n)
	}
	body := scrape(t, m, reg)
	for _, id := range []string{"110101", "320102", "/api/hospitals"} {
		if strings.Contains(body, id) {
			t.Errorf("exposition contains %q", id)
		}
	}
}

func scrape(t *testing.T, m *Metrics, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics status %d", rec.Code)
	}
	return rec.Body.String()
}

func TestHandlerExposesAllMetrics(t *testing.T) {
	m, reg, h := newServer(t)
	do(t, h, "GET", "/api/hospitals/110101")
	m.ObserveStore("load_targets", 3*time.Millisecond, nil)
	m.ObserveStore("load_targets", time.Millisecond, errors.New("boom"))
	m.ImportDone("hospitals", 10, 2, true)
	m.LoginAttempt(LoginFailed)

	body := scrape(t, m, reg)
	for _, name := range []string{
		"shishi_http_requests_total",
		"shishi_http_request_duration_seconds_bucket",
		"shishi_http_requests_in_flight",
		"shishi_store_operation_duration_seconds_bucket",
		"shishi_store_errors_total",
		"shishi_import_rows_total",
		"shishi_imports_total",
		"shishi_login_attempts_total",
		"go_goroutines",
		"process_",
	} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

func TestObserveStore(t *testing.T) {
	m := New(prometheus.NewRegistry())
	m.ObserveStore("load_targets", 2*time.Millisecond, nil)
	m.ObserveStore("load_targets", 5*time.Millisecond, errors.New("boom"))
	m.ObserveStore("upsert_facilities", time.Second, nil)

	if got := testutil.ToFloat64(m.storeErrs.WithLabelValues("load_targets")); got != 1 {
		t.Errorf("errors{load_targets} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.storeErrs); n != 1 {
		t.Errorf("error series = %d, want 1 (no series for an op without errors)", n)
	}
	if n := testutil.CollectAndCount(m.storeDur); n != 2 {
		t.Errorf("duration series = %d, want 2", n)
	}
}

func TestImports(t *testing.T) {
	tests := []struct {
		name             string
		record           func(*Metrics)
		result           string
		stored, rejected float64
	}{
		{"committed", func(m *Metrics) { m.ImportDone("hospitals", 10, 2, true) }, "committed", 10, 2},
		{"rejected", func(m *Metrics) { m.ImportDone("hospitals", 10, 2, false) }, "rejected", 0, 2},
		{"dry run", func(m *Metrics) { m.ImportDone("hospitals", 10, 0, false) }, "dry_run", 0, 0},
		{"failed", func(m *Metrics) { m.ImportFinished("hospitals", 0, 0, ImportFailed) }, "failed", 0, 0},
		{"dry run with rejects", func(m *Metrics) { m.ImportFinished("hospitals", 8, 3, ImportDryRun) }, "dry_run", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New(prometheus.NewRegistry())
			tt.record(m)
			if got := testutil.ToFloat64(m.imports.WithLabelValues("hospitals", tt.result)); got != 1 {
				t.Errorf("imports{%s} = %v, want 1", tt.result, got)
			}
			if n := testutil.CollectAndCount(m.imports); n != 1 {
				t.Errorf("import series = %d, want 1", n)
			}
			if got := testutil.ToFloat64(m.importRows.WithLabelValues("hospitals", "stored")); got != tt.stored {
				t.Errorf("stored rows = %v, want %v", got, tt.stored)
			}
			if got := testutil.ToFloat64(m.importRows.WithLabelValues("hospitals", "rejected")); got != tt.rejected {
				t.Errorf("rejected rows = %v, want %v", got, tt.rejected)
			}
		})
	}
}

func TestLoginAttempt(t *testing.T) {
	m := New(prometheus.NewRegistry())
	if n := testutil.CollectAndCount(m.logins); n != 3 {
		t.Errorf("login series before any attempt = %d, want 3", n)
	}
	m.LoginAttempt(LoginOK)
	m.LoginAttempt(LoginFailed)
	m.LoginAttempt(LoginFailed)
	m.LoginAttempt(LoginThrottled)
	m.LoginAttempt("admin' OR 1=1")
	want := map[string]float64{"ok": 1, "failed": 2, "throttled": 1, "other": 1}
	for result, n := range want {
		if got := testutil.ToFloat64(m.logins.WithLabelValues(result)); got != n {
			t.Errorf("logins{%s} = %v, want %v", result, got, n)
		}
	}
}

func TestNewTwiceOnOneRegistryPanics(t *testing.T) {
	reg := prometheus.NewRegistry()
	New(reg)
	defer func() {
		if recover() == nil {
			t.Error("second New on the same registry did not panic")
		}
	}()
	New(reg)
}
