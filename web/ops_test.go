package web_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
	"github.com/shishi-health/shishi/web"
)

// TestSecurityHeaders checks the headers of a page, an API response, a
// static file and an error, and that HSTS goes out on TLS requests only.
func TestSecurityHeaders(t *testing.T) {
	st := storetest.OpenSQLite(t)
	seed(t, st)
	h := newHandler(t, st)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"X-Frame-Options":         "DENY",
	}
	for _, target := range []string{"/regions/410000", "/api/hospitals", "/static/style.css", "/static/app.js", "/api/nothing", "/login"} {
		r := do(t, h, "GET", target, nil)
		if r.status >= 500 {
			t.Errorf("%s: %d", target, r.status)
		}
		for k, v := range want {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", target, k, got, v)
			}
		}
		if r.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", target)
		}
	}
	req := httptest.NewRequest("GET", "/login", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.HasPrefix(rec.Header().Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("HSTS over TLS: %q", rec.Header().Get("Strict-Transport-Security"))
	}
	// The pages carry no inline script or style, which the policy blocks.
	page := do(t, h, "GET", "/regions/410000", nil).body + do(t, h, "GET", "/facilities/hospitals", nil).body +
		do(t, h, "GET", "/login", nil).body
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]`), regexp.MustCompile(`<style`),
		regexp.MustCompile(`\sstyle="`), regexp.MustCompile(`\son[a-z]+="`), regexp.MustCompile(`javascript:`)} {
		if m := re.FindString(page); m != "" {
			t.Errorf("inline script or style in a page: %q", m)
		}
	}
}

// TestLoginRateLimit: a brute force from one address is answered 429 with
// Retry-After once the burst is spent, before any password is checked;
// another address still gets through, and so does the first once the
// bucket refills. The metrics count the attempts.
func TestLoginRateLimit(t *testing.T) {
	st := storetest.OpenSQLite(t)
	var mu sync.Mutex
	clock := now()
	reg := prometheus.NewRegistry()
	h := web.New(web.Config{
		Store: st, Tree: tree, Version: "test", UploadDir: t.TempDir(), Logger: testLogger(t), Registry: reg, MetricsPublic: true,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock },
	}).Handler()
	login := func(addr string, n int) response {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {fmt.Sprintf("guess-%d", n)}, "password": {"wrong-password-1"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	}
	for i := range 10 {
		if r := login("198.51.100.7:4000", i); r.status != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, r.status)
		}
	}
	r := login("198.51.100.7:4001", 10)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("attempt 11: %d Retry-After %q, want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	if r := login("203.0.113.9:4000", 11); r.status != 401 {
		t.Errorf("another address: %d, want 401", r.status)
	}
	mu.Lock()
	clock = clock.Add(6 * time.Second)
	mu.Unlock()
	if r := login("198.51.100.7:4000", 12); r.status != 401 {
		t.Errorf("after the refill: %d, want 401", r.status)
	}
	m := do(t, h, "GET", "/metrics", nil)
	if m.status != 200 {
		t.Fatalf("metrics: %d", m.status)
	}
	for _, want := range []string{`shishi_login_attempts_total{result="throttled"} 1`, `shishi_login_attempts_total{result="failed"} 12`,
		`route="POST /login"`} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The default limit is raised by configuration (a load test).
	h = web.New(web.Config{Store: st, Tree: tree, Now: now, UploadDir: t.TempDir(), Logger: testLogger(t), LoginRate: 6000, LoginBurst: 1000}).Handler()
	for i := range 11 {
		if r := login("198.51.100.7:4000", i); r.status != 401 {
			t.Fatalf("raised limit, attempt %d: %d", i+1, r.status)
		}
	}
}

// TestMetrics checks the metrics of requests per route pattern and of
// imports, and that /metrics is public or needs a national account as
// configured.
func TestMetrics(t *testing.T) {
	st := storetest.OpenSQLite(t)
	reg := prometheus.NewRegistry()
	srv := web.New(web.Config{Store: st, Tree: tree, Now: now, UploadDir: t.TempDir(), Logger: testLogger(t), Registry: reg, MetricsPublic: true})
	h := asUser(t, st, ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, "000000", "", ""), srv.Handler())
	if r := do(t, h, "POST", "/api/import/childcare?filename=a.csv", seedChildcare); r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	do(t, h, "GET", "/api/hospitals/H001", nil)
	do(t, h, "GET", "/api/hospitals/H002", nil)
	m := do(t, srv.Handler(), "GET", "/metrics", nil)
	for _, want := range []string{
		`shishi_imports_total{registry="childcare",result="committed"} 1`,
		`shishi_import_rows_total{outcome="stored",registry="childcare"} 1`,
		`shishi_http_requests_total{code="404",method="get",route="GET /api/hospitals/{code}"} 2`,
		`shishi_http_request_duration_seconds_count{route="GET /api/hospitals/{code}"} 2`,
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Private metrics: anonymous callers get 401, a national supervisor
	// the page, a provincial one a refusal.
	priv := web.New(web.Config{Store: st, Tree: tree, Now: now, UploadDir: t.TempDir(), Logger: testLogger(t)}).Handler()
	if r := do(t, priv, "GET", "/metrics", nil); r.status != 401 {
		t.Errorf("private metrics, anonymous: %d", r.status)
	}
	nat := asUser(t, st, roleUser(t, st, auth.NationalSupervisor), priv)
	if r := do(t, nat, "GET", "/metrics", nil); r.status != 200 || !strings.Contains(r.body, "shishi_http_requests_total") {
		t.Errorf("private metrics, national supervisor: %d", r.status)
	}
	prov := asUser(t, st, roleUser(t, st, auth.ProvincialSupervisor), priv)
	if r := do(t, prov, "GET", "/metrics", nil); r.status != 404 {
		t.Errorf("private metrics, provincial supervisor: %d", r.status)
	}
}

// TestOpenAPI checks that the document of the JSON API names every /api/
// route of the table, with its parameters, right and error responses, and
// no route that does not exist; and that every reference resolves.
func TestOpenAPI(t *testing.T) {
	st := storetest.OpenSQLite(t)
	srv := newServer(t, st)
	r := do(t, srv.Handler(), "GET", "/api/openapi.json", nil)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	type op struct {
		Summary    string                      `json:"summary"`
		Right      string                      `json:"x-shishi-right"`
		Parameters []struct{ Name, In string } `json:"parameters"`
		Responses  map[string]json.RawMessage  `json:"responses"`
	}
	apiRoutes := map[string]web.RouteInfo{}
	for _, rt := range srv.Routes() {
		method, p, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(p, "/api/") {
			continue
		}
		apiRoutes[strings.ToLower(method)+" "+p] = rt
		raw, ok := doc.Paths[p][strings.ToLower(method)]
		if !ok {
			t.Errorf("route %s is missing from the document", rt.Pattern)
			continue
		}
		var o op
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		if o.Summary == "" || o.Right != rt.Right.String() {
			t.Errorf("%s: summary %q, right %q, want %s", rt.Pattern, o.Summary, o.Right, rt.Right)
		}
		params := map[string]bool{}
		for _, pm := range o.Parameters {
			if pm.In == "path" {
				params[pm.Name] = true
			}
		}
		for _, m := range regexp.MustCompile(`\{([a-z]+)\}`).FindAllStringSubmatch(p, -1) {
			if !params[m[1]] {
				t.Errorf("%s: path parameter %s undocumented", rt.Pattern, m[1])
			}
		}
		if len(params) != strings.Count(p, "{") {
			t.Errorf("%s: parameters %v", rt.Pattern, params)
		}
		codes := []string{"200"}
		if rt.Right != auth.Public {
			codes = []string{"401", "404", "422"}
		}
		for _, c := range codes {
			if _, ok := o.Responses[c]; !ok && !(c == "200" && (o.Responses["201"] != nil || o.Responses["204"] != nil)) {
				t.Errorf("%s: no %s response", rt.Pattern, c)
			}
		}
	}
	if len(apiRoutes) < 30 {
		t.Errorf("only %d API routes in the table", len(apiRoutes))
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if _, ok := apiRoutes[m+" "+p]; !ok {
				t.Errorf("the document names %s %s, which is no route", strings.ToUpper(m), p)
			}
		}
	}
	for _, ref := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(r.body, -1) {
		if _, ok := doc.Components.Schemas[ref[1]]; !ok {
			t.Errorf("reference to missing schema %s", ref[1])
		}
	}
	if _, ok := doc.Components.Schemas["Hospitals"]; !ok {
		t.Error("no schema of the hospitals registry")
	}
}

// TestAuditPage checks the audit trail page: an auditor sees the entries
// of their province only, newest first, filtered and paged, and exports
// them as .xlsx, which is an audit entry itself; others are refused.
func TestAuditPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		at := now().UTC()
		add := func(reg, actor string, a audit.Action, object string) {
			t.Helper()
			at = at.Add(time.Second)
			if _, err := st.AppendAudit(ctx, audit.Entry{At: at, Actor: actor, ActorRole: "reporter", Region: reg, Action: a, Object: object}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 60 {
			add("410122", "u-henan", audit.Update, fmt.Sprintf("hospitals/H%03d", i))
		}
		add("410102", "u-zhengzhou", audit.Create, "hospitals/H777")
		add("110101", "u-beijing", audit.Update, "hospitals/H9005")
		add("420102", "u-wuhan", audit.Close, "childcare/C002")

		srv := newServer(t, st)
		auditor := roleUser(t, st, auth.Auditor)
		h := asUser(t, st, auditor, srv.Handler())
		r := do(t, h, "GET", "/audit", nil)
		if r.status != 200 {
			t.Fatalf("audit page: %d\n%s", r.status, excerpt(r.body))
		}
		if !strings.Contains(r.body, "hospitals/H777") || strings.Contains(r.body, "hospitals/H9005") || strings.Contains(r.body, "childcare/C002") {
			t.Errorf("audit page shows entries outside Henan or misses one inside\n%s", excerpt(r.body))
		}
		if i, j := strings.Index(r.body, "hospitals/H777"), strings.Index(r.body, "hospitals/H059"); i < 0 || j < 0 || i > j {
			t.Errorf("audit page not newest first")
		}
		if strings.Contains(r.body, "hospitals/H000") || !strings.Contains(r.body, `rel="next"`) {
			t.Errorf("first page holds more than a page, or no next link")
		}
		if r := do(t, h, "GET", "/audit?page=2", nil); !strings.Contains(r.body, "hospitals/H000") || !strings.Contains(r.body, `rel="prev"`) {
			t.Errorf("second page lacks the oldest entry")
		}
		r = do(t, h, "GET", "/audit?action=create&actor=u-zhengzhou&from=2025-12-31&to=2025-12-31", nil)
		if r.status != 200 || !strings.Contains(r.body, "hospitals/H777") || strings.Contains(r.body, "hospitals/H001") {
			t.Errorf("filtered audit page: %d", r.status)
		}
		if r := do(t, h, "GET", "/audit?object=hospitals/H9005", nil); strings.Contains(r.body, ">hospitals/H9005<") {
			t.Errorf("a filter reaches outside the scope")
		}
		if r := do(t, h, "GET", "/audit?from=2026-01-01", nil); strings.Contains(r.body, "hospitals/H777") {
			t.Errorf("from filter ignored")
		}
		if r := do(t, h, "GET", "/audit?action=nonsense", nil); r.status != 400 {
			t.Errorf("unknown action: %d", r.status)
		}

		x := do(t, h, "GET", "/audit/export.xlsx?actor=u-henan", nil)
		if x.status != 200 || !strings.Contains(x.header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", x.status, x.header.Get("Content-Type"))
		}
		tr, err := table.NewReader("audit.xlsx", strings.NewReader(x.body), table.XLSX)
		if err != nil {
			t.Fatal(err)
		}
		rows := 0
		for {
			row, _, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			rows++
			if row[2] != "u-henan" || row[4] != "410122" {
				t.Errorf("exported row %v", row)
			}
		}
		if rows != 60 {
			t.Errorf("%d exported rows, want 60", rows)
		}
		exp, _, err := st.AuditEntries(ctx, store.AuditQuery{Action: audit.Export, Object: "audit"})
		if err != nil || len(exp) != 1 || exp[0].Actor != auditor.ID {
			t.Errorf("the export is not audited: %v %+v", err, exp)
		}

		for _, role := range []auth.Role{auth.ProvincialSupervisor, auth.Administrator, auth.Reporter} {
			hh := asUser(t, st, roleUser(t, st, role), srv.Handler())
			if r := do(t, hh, "GET", "/audit", nil); r.status != 404 {
				t.Errorf("%s on the audit page: %d, want 404", role, r.status)
			}
		}
	})
}
