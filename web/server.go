// Package web is shishi's user interface and JSON API: server-rendered
// pages (html/template, embedded, Chinese first with an English switch) for
// browsing the administrative hierarchy and the facility registries,
// importing and exporting registry files, and a JSON API over the same
// data. Every handler returns an error; the kinds of error are mapped to
// HTTP statuses in one place (errors.go).
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shishi-health/shishi/facility"
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
	version   string
	tmpl      *templates
	uploads   *uploads
	static    fs.FS
	// staticVersion is a hash of the embedded static files, appended to
	// their URLs so that browsers may cache them for long.
	staticVersion string
}

// chinaTime is the time zone of every date the program shows or defaults:
// China Standard Time, UTC+8, which has no daylight saving time.
var chinaTime = time.FixedZone("CST", 8*3600)

// New returns a server. It panics if the embedded templates or catalogs are
// broken, which the package's tests rule out.
func New(cfg Config) *Server {
	s := &Server{st: cfg.Store, base: cfg.Tree, log: cfg.Logger, now: cfg.Now, version: cfg.Version}
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

// Handler returns the HTTP handler of every page and API route, with
// request logging, panic recovery, cross-origin protection for forms and
// the language cookie.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/regions/"+region.CountryCode, http.StatusFound)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", s.staticHandler()))

	mux.Handle("GET /regions/{code}", s.page(s.regionPage))
	mux.Handle("GET /facilities/{registry}", s.page(s.facilityList))
	mux.Handle("GET /facilities/{registry}/{code}", s.page(s.facilityPage))
	mux.Handle("GET /search", s.page(s.searchPage))
	mux.Handle("GET /import", s.page(s.importForm))
	mux.Handle("POST /import", s.page(s.importUpload))
	mux.Handle("POST /import/{token}/confirm", s.page(s.importConfirm))
	mux.Handle("GET /import/{token}/rejects", s.page(s.importRejects))
	mux.Handle("GET /import/{token}/progress", s.api(s.importProgress))
	mux.Handle("GET /templates/{file}", s.page(s.templateDownload))
	mux.Handle("GET /export/{file}", s.page(s.exportDownload))

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", s.api(s.readyz))

	mux.Handle("GET /api/regions/{code}", s.api(s.apiRegion))
	mux.Handle("GET /api/regions/{code}/children", s.api(s.apiRegionChildren))
	// Registry routes are spelled out per registry rather than as
	// /api/{registry}/…, which would collide with /api/regions/{code}/children.
	for _, sc := range facility.Registries() {
		base := "/api/" + sc.Name
		mux.Handle("GET "+base, s.api(s.withSchema(sc, s.apiList)))
		mux.Handle("POST "+base, s.api(s.withSchema(sc, s.apiCreate)))
		mux.Handle("GET "+base+"/{code}", s.api(s.withSchema(sc, s.apiGet)))
		mux.Handle("PUT "+base+"/{code}", s.api(s.withSchema(sc, s.apiUpdate)))
		mux.Handle("DELETE "+base+"/{code}", s.api(s.withSchema(sc, s.apiDelete)))
		mux.Handle("GET "+base+"/{code}/history", s.api(s.withSchema(sc, s.apiHistory)))
	}
	mux.Handle("POST /api/import/{registry}", s.api(s.apiImport))
	mux.Handle("GET /api/export/{registry}", s.api(s.apiExport))
	mux.Handle("/api/", s.api(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("err.no_route")
	}))
	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error {
		return notFound("err.no_page")
	}))

	var h http.Handler = mux
	// Forms post to this origin only; API clients without browser headers
	// (curl, scripts) pass, as the protection is meant to let them.
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.recoverPanics(h)
	h = s.withLang(h)
	return s.logRequests(h)
}
