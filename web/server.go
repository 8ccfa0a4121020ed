// Package web is shishi's user interface and JSON API: server-rendered
// pages (html/template, embedded, Chinese first with an English switch) for
// browsing the administrative hierarchy and the facility registries,
// importing and exporting registry files, and a JSON API over the same
// data. Every handler returns an error; the kinds of error are mapped to
// HTTP statuses in one place (errors.go).
//
// Access control (access.go): every route is a row of the route table
// (Server.routes) naming the auth.Right it needs and how its target is
// found; one middleware (guard) resolves the caller from the session cookie
// or an API token, checks CSRF on cookie-authenticated writes and asks
// auth.Allow once. A refusal is answered like a missing thing (404), so
// that it does not tell what exists outside the caller's scope. Writes
// leave an entry in the audit trail (login.go: Server.audit).
package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/metrics"
	"github.com/shishi-health/shishi/personal"
	"github.com/shishi-health/shishi/ratelimit"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// Config is what the server needs; main fills it.
type Config struct {
	Store *store.Store
	// Tree is the base hierarchy, with the census figures only: the
	// server applies the population figures imported into Store itself,
	// at start and after every regions import.
	Tree    *region.Tree
	Logger  *slog.Logger
	Now     func() time.Time
	Version string
	// UploadDir keeps uploaded import files between the preview and the
	// confirmation for at most an hour; "" means a shishi-import folder in
	// os.TempDir().
	UploadDir string
	// Throttle slows down and locks out password guessing; nil means
	// auth.DefaultLockout and auth.DefaultBackoff.
	Throttle *auth.Throttle
	// SessionPolicy sets the idle and absolute session timeouts; the zero
	// value means auth.DefaultSessionPolicy.
	SessionPolicy auth.SessionPolicy
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// requests, for a server behind a TLS-terminating proxy.
	SecureCookies bool

	// Registry receives the server's Prometheus metrics (requests and
	// latencies per route pattern, logins, imports, the Go runtime) and
	// is what /metrics serves; nil means a new registry of the server's
	// own. main passes one to add the store's metrics to the same page.
	Registry *prometheus.Registry
	// MetricsPublic serves /metrics to anyone, as Prometheus scrapers
	// expect (main's -metrics-public flag, true by default: the figures
	// are counts and latencies, no data). A deployment may turn it off;
	// /metrics then needs ReadAggregates for the whole country, and is
	// scraped with an API token of a national account carrying that
	// right (Authorization: Bearer …) or through an authenticating proxy.
	MetricsPublic bool
	// LoginRate is how many login attempts a minute one client address
	// may make, LoginBurst how many at once; zero means 10 and 10. They
	// stop brute force across accounts before the password check, on top
	// of the per-account lock-out (Throttle). A load test raises them.
	LoginRate  float64
	LoginBurst int
	// AnonymousRate and AnonymousBurst limit every request of a client
	// address that is not logged in (login page, API calls without a
	// token), health checks, metrics and static files aside; zero means
	// 300 a minute and 100.
	AnonymousRate  float64
	AnonymousBurst int
	// DataKeys seal personal contact data at rest (the responsible
	// contacts' phones); an empty ring means none is taken.
	DataKeys personal.KeyRing
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client a rate limit counts; empty means none: the peer address
	// counts.
	TrustedProxies []netip.Prefix
	// GeoDir holds the deployment's own boundary files for the
	// commitments map (china_provinces.geojson, provinces/<code>.geojson,
	// optionally prefectures/<code>.geojson), an approved (审图号) map in
	// place of the embedded demo base map; "" serves the demo map.
	GeoDir string
}

// Server serves the pages and the API.
type Server struct {
	st *store.Store
	// base is Config.Tree; cur is base with the imported population
	// figures, swapped whole after a regions import, so that a request
	// reading it never sees half of an import. Requests take it once
	// through tree().
	base *region.Tree
	cur  atomic.Pointer[region.Tree]
	// refreshMu orders refreshes: each reads the figures after its own
	// import committed, so the last one to store holds every import.
	refreshMu sync.Mutex
	log       *slog.Logger
	now       func() time.Time
	counts    countCache // facility counts of region pages (cache.go)
	version   string
	tmpl      *templates
	uploads   *uploads
	static    fs.FS
	// staticVersion is a hash of the embedded static files, appended to
	// their URLs so that browsers may cache them for long.
	staticVersion string
	throttle      *auth.Throttle
	sessions      auth.SessionPolicy
	secureCookies bool
	// hashing bounds the password hashes computed at once: each takes
	// auth.DefaultParams.Memory (64 MiB), so a burst of logins must not
	// exhaust memory.
	hashing chan struct{}
	// decided, when set (by tests), sees every decision of guard.
	decided func(r *http.Request, pattern string, allowed bool)

	metrics        *metrics.Metrics
	registry       *prometheus.Registry
	metricsPublic  bool
	loginLimit     *ratelimit.Limiter
	anonLimit      *ratelimit.Limiter
	trustedProxies []netip.Prefix
	dataKeys       personal.KeyRing
	// commit is what the commitments pages share (commitments.go).
	commit *commitmentPages
}

// chinaTime is the time zone of every date the program shows or defaults:
// China Standard Time, UTC+8, which has no daylight saving time.
var chinaTime = time.FixedZone("CST", 8*3600)

// New returns a server. It panics if the embedded templates or catalogs are
// broken, which the package's tests rule out.
func New(cfg Config) *Server {
	s := &Server{st: cfg.Store, base: cfg.Tree, log: cfg.Logger, now: cfg.Now, version: cfg.Version,
		throttle: cfg.Throttle, sessions: cfg.SessionPolicy, secureCookies: cfg.SecureCookies,
		hashing: make(chan struct{}, 2)}
	if s.throttle == nil {
		s.throttle = auth.NewThrottle(auth.DefaultLockout, auth.DefaultBackoff)
	}
	if s.sessions == (auth.SessionPolicy{}) {
		s.sessions = auth.DefaultSessionPolicy
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.cur.Store(cfg.Tree)
	if s.st != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := s.refreshTree(ctx); err != nil {
			// The census figures still serve; the imported ones come
			// back with the next regions import or restart.
			s.log.Error("population figures not applied", slog.Any("err", err))
		}
		cancel()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.registry = cfg.Registry
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	s.metrics = metrics.New(s.registry)
	s.metricsPublic = cfg.MetricsPublic
	s.trustedProxies = cfg.TrustedProxies
	s.dataKeys = cfg.DataKeys
	s.loginLimit = newLimiter(cfg.LoginRate, cfg.LoginBurst, defaultLoginRate, defaultLoginBurst, s.now)
	s.anonLimit = newLimiter(cfg.AnonymousRate, cfg.AnonymousBurst, defaultAnonymousRate, defaultAnonymousBurst, s.now)
	dir := cfg.UploadDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "shishi-import")
	}
	s.uploads = newUploads(dir, s.now)
	var err error
	if s.static, err = fs.Sub(staticFiles, "static"); err != nil {
		panic(err)
	}
	s.staticVersion = hashFS(s.static)
	if s.tmpl, err = loadTemplates(s.funcs); err != nil {
		panic(err)
	}
	s.commit = s.newCommitmentPages(cfg.GeoDir)
	return s
}

// tree returns the current hierarchy: the base with the imported
// population figures. The units are the same in every tree; a handler that
// reads populations takes the tree once and keeps it, so that one response
// is drawn from one tree.
func (s *Server) tree() *region.Tree {
	return s.cur.Load()
}

// refreshTree applies the stored population figures to the base tree and
// makes the result current.
func (s *Server) refreshTree(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	t, err := s.st.TreeWithFigures(ctx, s.base)
	if err != nil {
		return err
	}
	s.cur.Store(t)
	// The regions table follows, so SQL that sums populations sees the
	// same figures as the pages.
	return s.st.SyncRegions(ctx, t)
}

// today returns the current date in China.
func (s *Server) today() string {
	return s.now().In(chinaTime).Format(facility.DateLayout)
}

// checkRoutes rejects a route table with a route that declares no rule
// (no right or no target kind) or no handler, an API route without a
// summary, or a pattern twice: a route added without a rule stops the
// server from starting and every test.
func checkRoutes(routes []route) error {
	seen := map[string]bool{}
	for _, rt := range routes {
		switch {
		case !rt.rule.right.Valid() || rt.rule.target == targetNone:
			return fmt.Errorf("route %q declares no access rule", rt.pattern)
		case (rt.rule.right == auth.Public) != (rt.rule.target == targetPublic || rt.rule.target == targetUser):
			return fmt.Errorf("route %q: right %s does not fit target %s", rt.pattern, rt.rule.right, rt.rule.target)
		case rt.h == nil && rt.raw == nil:
			return fmt.Errorf("route %q has no handler", rt.pattern)
		case rt.summary == "" && strings.Contains(rt.pattern, " /api/"):
			// The OpenAPI document describes every API route.
			return fmt.Errorf("route %q has no summary for the API document", rt.pattern)
		case seen[rt.pattern]:
			return fmt.Errorf("route %q registered twice", rt.pattern)
		}
		seen[rt.pattern] = true
	}
	return nil
}

// routes is the route table: every page and API route with the right it
// needs and how its target is found. Handler registers exactly these, each
// behind guard; TestRouteTable checks every one against every role.
func (s *Server) routes() []route {
	pub := rule{auth.Public, targetPublic}
	user := rule{auth.Public, targetUser}
	rt := []route{
		{pattern: "GET /{$}", rule: user, h: s.dashboardHome},
		{pattern: "GET /static/", rule: pub, raw: http.StripPrefix("/static/", s.staticHandler())},
		{pattern: "GET /healthz", rule: pub, raw: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("ok\n"))
		})},
		{pattern: "GET /readyz", rule: pub, api: true, h: s.readyz},
		{pattern: "GET /metrics", rule: s.metricsRule(), api: true, raw: s.metrics.Handler(s.registry)},
		{pattern: "GET /api/openapi.json", rule: pub, api: true, summary: "This OpenAPI document", h: s.openAPI},
		{pattern: "GET /login", rule: pub, h: s.loginForm},
		{pattern: "POST /login", rule: pub, h: s.login},
		{pattern: "POST /logout", rule: user, h: s.logout},
		{pattern: "GET /account", rule: user, h: s.accountForm},
		{pattern: "POST /account", rule: user, h: s.changePassword},

		{pattern: "GET /regions/{code}", rule: rule{auth.ReadAggregates, targetRegionPath}, h: s.regionPage},
		{pattern: "GET /facilities/{registry}", rule: rule{auth.ReadFacilities, targetRegionQuery}, h: s.facilityList},
		{pattern: "GET /facilities/{registry}/{code}", rule: rule{auth.ReadFacilities, targetFacility}, h: s.facilityPage},
		{pattern: "GET /search", rule: rule{auth.ReadFacilities, targetScope}, h: s.searchPage},
		// Imports are open in the caller's own scope; the importer rejects
		// each row (and each existing facility) outside it (importFile).
		{pattern: "GET /import", rule: rule{auth.Import, targetScope}, h: s.importForm},
		{pattern: "POST /import", rule: rule{auth.Import, targetScope}, h: s.importUpload},
		{pattern: "POST /import/{token}/confirm", rule: rule{auth.Import, targetScope}, h: s.importConfirm},
		{pattern: "GET /import/{token}/rejects", rule: rule{auth.Import, targetScope}, h: s.importRejects},
		{pattern: "GET /import/{token}/progress", rule: rule{auth.Import, targetScope}, api: true, h: s.importProgress},
		{pattern: "GET /templates/{file}", rule: rule{auth.Import, targetScope}, h: s.templateDownload},
		{pattern: "GET /export/{file}", rule: rule{auth.Export, targetRegionQuery}, h: s.exportDownload},
		// The audit trail of the auditor's region and below; the handler
		// limits the query to that scope.
		{pattern: "GET /audit", rule: rule{auth.ReadAudit, targetScope}, h: s.auditPage},
		{pattern: "GET /audit/export.xlsx", rule: rule{auth.ReadAudit, targetScope}, h: s.auditExport},

		{pattern: "GET /api/regions/{code}", rule: rule{auth.ReadAggregates, targetRegionPath}, api: true, summary: "A region with its population and facility counts", h: s.apiRegion},
		{pattern: "GET /api/regions/{code}/children", rule: rule{auth.ReadAggregates, targetRegionPath}, api: true, summary: "The units directly under a region", h: s.apiRegionChildren},
	}
	// Registry routes are spelled out per registry rather than as
	// /api/{registry}/…, which would collide with /api/regions/{code}/children.
	for _, sc := range facility.Registries() {
		base := "/api/" + sc.Name
		rt = append(rt,
			route{pattern: "GET " + base, rule: rule{auth.ReadFacilities, targetRegionQuery}, api: true, schema: sc, summary: "List " + sc.EN, h: s.withSchema(sc, s.apiList)},
			route{pattern: "POST " + base, rule: rule{auth.WriteFacilities, targetRegionQuery}, api: true, schema: sc, summary: "Create one of " + sc.EN, h: s.withSchema(sc, s.apiCreate)},
			route{pattern: "GET " + base + "/{code}", rule: rule{auth.ReadFacilities, targetFacility}, api: true, schema: sc, summary: "One of " + sc.EN + " as of a date", h: s.withSchema(sc, s.apiGet)},
			route{pattern: "PUT " + base + "/{code}", rule: rule{auth.WriteFacilities, targetFacility}, api: true, schema: sc, summary: "Change one of " + sc.EN + " (a new version)", h: s.withSchema(sc, s.apiUpdate)},
			route{pattern: "DELETE " + base + "/{code}", rule: rule{auth.WriteFacilities, targetFacility}, api: true, schema: sc, summary: "Close (?date=) or purge (?purge=true) one of " + sc.EN, h: s.withSchema(sc, s.apiDelete)},
			route{pattern: "GET " + base + "/{code}/history", rule: rule{auth.ReadFacilities, targetFacility}, api: true, schema: sc, summary: "Every version of one of " + sc.EN, h: s.withSchema(sc, s.apiHistory)},
		)
	}
	rt = append(rt, s.responsibleRoutes()...)
	rt = append(rt, s.commitmentRoutes()...)
	rt = append(rt, s.figureRoutes()...)
	rt = append(rt, s.conferenceRoutes()...)
	rt = append(rt, s.lectureRoutes()...)
	rt = append(rt,
		route{pattern: "POST /api/import/{registry}", rule: rule{auth.Import, targetScope}, api: true, summary: "Import a CSV or XLSX file into a registry", h: s.apiImport},
		route{pattern: "GET /api/export/{registry}", rule: rule{auth.Export, targetRegionQuery}, api: true, summary: "Export a registry as CSV or XLSX", h: s.apiExport},
		route{pattern: "/api/", rule: user, api: true, h: func(w http.ResponseWriter, r *http.Request) error {
			return notFound("err.no_route")
		}},
		route{pattern: "/", rule: user, h: func(w http.ResponseWriter, r *http.Request) error {
			return notFound("err.no_page")
		}},
	)
	return rt
}

// metricsRule is the rule of /metrics: public, or (Config.MetricsPublic
// off) ReadAggregates of the whole country.
func (s *Server) metricsRule() rule {
	if s.metricsPublic {
		return rule{auth.Public, targetPublic}
	}
	return rule{auth.ReadAggregates, targetCountry}
}

// Handler returns the HTTP handler of every page and API route, with
// request logging, panic recovery, security headers, cross-origin
// protection for forms and the language cookie.
func (s *Server) Handler() http.Handler {
	return s.handler(s.routes())
}

// handler registers the routes, each behind guard, and wraps the mux.
func (s *Server) handler(routes []route) http.Handler {
	if err := checkRoutes(routes); err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		// Metrics per route pattern, not per path: the label set stays
		// bounded whatever paths clients ask for.
		mux.Handle(rt.pattern, s.metrics.Middleware(rt.pattern, s.guard(rt)))
	}
	var h http.Handler = mux
	// Forms post to this origin only; API clients without browser headers
	// (curl, scripts) pass, as the protection is meant to let them.
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.recoverPanics(h)
	h = s.withLang(h)
	h = securityHeaders(h)
	return s.logRequests(h)
}
