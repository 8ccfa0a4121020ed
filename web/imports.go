package web

import (
	"context"
	"errors"
	"github.com/shishi-health/shishi/auth"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/metrics"
	"github.com/shishi-health/shishi/table"
)

const (
	// maxUpload bounds an uploaded file: more than the largest national
	// registry as CSV, and the .xlsx reader has its own limit below it.
	maxUpload = 256 << 20
	// bigFile is the size from which the import page shows progress.
	bigFile = 5 << 20
	// Pages list at most this many row errors and changed rows; the
	// rejected rows file and the counts are always complete.
	maxErrorsShown  = 500
	maxChangesShown = 200
)

// regionsImport is the name under which the population figures of the
// administrative units are imported, beside the registry names (URLs,
// forms, uploadMeta.Registry); it is importer.Report.Registry of such an
// import.
const regionsImport = "regions"

// importKind is what a file can be imported as: a facility registry, or
// the population figures of the units (Schema nil).
type importKind struct {
	Name   string
	Schema *facility.Schema
}

// importKinds lists what can be imported, in the order the forms offer it.
func importKinds() []importKind {
	var out []importKind
	for _, sc := range facility.Registries() {
		out = append(out, importKind{Name: sc.Name, Schema: sc})
	}
	return append(out, importKind{Name: regionsImport})
}

// lookupImportKind returns the import kind called name.
func lookupImportKind(name string) (importKind, bool) {
	if name == regionsImport {
		return importKind{Name: regionsImport}, true
	}
	sc, ok := facility.Lookup(name)
	return importKind{Name: name, Schema: sc}, ok
}

// label is the name of an import kind in lang.
func (k importKind) label(cat catalog, lang string) string {
	if k.Schema != nil {
		return k.Schema.Label(lang)
	}
	return cat.T("import.regions")
}

// importFile imports a file as k. After a regions import that stored
// figures, the server's tree takes them, so that the next request shows
// them.
func (s *Server) importFile(ctx context.Context, k importKind, name string, r io.Reader, opts importer.Options) (*importer.Report, error) {
	// Every row must lie in the caller's area (an institution role: its
	// own institution), checked by the one authorisation point.
	c, _ := ctx.Value(principalKey{}).(caller)
	tree := s.tree()
	opts.Allow = func(code, regionCode string) bool {
		return auth.Allow(tree, c.p, auth.Import, auth.Target{Region: regionCode, Institution: code}).Allowed
	}
	if k.Schema != nil {
		rep, err := importer.Import(ctx, s.st, s.tree(), k.Schema, name, r, opts)
		s.countImport(k, rep, err)
		return rep, err
	}
	rep, err := importer.ImportRegions(ctx, s.st, s.tree(), name, r, opts)
	s.countImport(k, rep, err)
	if err == nil && !opts.DryRun && rep.Committed {
		// The figures are stored and the report says so; failing the
		// request now would invite importing them again. The pages
		// catch up at the next regions import or restart.
		if rerr := s.refreshTree(ctx); rerr != nil {
			s.log.Error("imported population figures not applied", slog.String("file", name), slog.Any("err", rerr))
		}
	}
	return rep, err
}

// countImport counts a finished import run in the metrics.
func (s *Server) countImport(k importKind, rep *importer.Report, err error) {
	rows, rejected := 0, 0
	result := metrics.ImportFailed
	if rep != nil {
		rows, rejected = rep.Rows, len(rep.Rejected)
		switch {
		case rep.Committed && !rep.DryRun:
			result = metrics.ImportCommitted
		case rep.DryRun && err == nil:
			result = metrics.ImportDryRun
		case rejected > 0:
			result = metrics.ImportRejected
		}
	}
	s.metrics.ImportFinished(k.Name, rows, rejected, result)
}

// auditImport records a committed import: the file's name and the counts.
func (s *Server) auditImport(r *http.Request, k importKind, rep *importer.Report) {
	if rep == nil || !rep.Committed || rep.DryRun {
		return
	}
	s.audit(r, audit.Entry{Action: audit.Import, Object: k.Name + "/" + rep.File,
		After: mustJSON(map[string]any{"file": rep.File, "rows": rep.Rows, "new": rep.New, "changed": rep.Changed,
			"unchanged": rep.Unchanged, "rejected": len(rep.Rejected), "partial": rep.Partial})})
}

type importPage struct {
	Page
	Token    string
	Registry string
	Partial  bool
	Error    string
	BigFile  int
	Options  []navItem
	Files    []templateLink
}

type templateLink struct {
	Label, CSV, XLSX string
}

func (s *Server) newImportPage(r *http.Request) importPage {
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := importPage{Page: s.newPage(r, cat.T("import.title"), "import"), Token: newToken(), BigFile: bigFile}
	for _, k := range importKinds() {
		label := k.label(cat, lang)
		p.Options = append(p.Options, navItem{Key: k.Name, Label: label})
		p.Files = append(p.Files, templateLink{Label: label, CSV: "/templates/" + k.Name + ".csv", XLSX: "/templates/" + k.Name + ".xlsx"})
	}
	return p
}

// importForm is step 0: choose a registry and a file.
func (s *Server) importForm(w http.ResponseWriter, r *http.Request) error {
	p := s.newImportPage(r)
	p.Registry = r.URL.Query().Get("registry")
	return s.render(w, r, http.StatusOK, "import", p)
}

type rowErrorView struct {
	Row                           int
	Column, Letter, Value, Reason string
}

type rowChangeView struct {
	Row    int
	Code   string
	Change string
	New    bool
	Diffs  []changeView
}

type reportPage struct {
	Page
	Token       string
	Meta        uploadMeta
	Label       string
	Stage       string // preview, done or failed
	FileError   string
	Rep         *importer.Report
	Rejected    int
	Errors      []rowErrorView
	MoreErrors  int
	Changes     []rowChangeView
	MoreChanges int
	RejectsURL  string
	Big         bool
	Partial     bool
	Again       string
	// Regions is set for an import of population figures, whose counts
	// are figures, not facilities.
	Regions bool
}

// importUpload is step 1: it keeps the uploaded file and shows what
// importing it would do (a dry run).
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("err.not_multipart")
	}
	var token, registry, name string
	var partial, saved bool
	var size int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "token":
			if !saved {
				token = smallValue(part)
			}
		case "registry":
			registry = smallValue(part)
		case "partial":
			partial = smallValue(part) != ""
		case "file":
			name = cleanFileName(part.FileName())
			if name == "" || saved {
				break
			}
			if token, err = s.uploads.create(token); err != nil {
				return err
			}
			if size, err = s.uploads.save(token, part); err != nil {
				return uploadError(err)
			}
			saved = true
		}
		part.Close()
	}
	k, ok := lookupImportKind(registry)
	if !ok || !saved {
		p := s.newImportPage(r)
		p.Registry, p.Partial = registry, partial
		key := "import.no_file"
		if !ok {
			key = "import.no_registry"
		}
		p.Error = s.tmpl.cat[langOf(r)].T(key)
		return s.render(w, r, http.StatusBadRequest, "import", p)
	}
	m := uploadMeta{Registry: k.Name, Name: name, Size: size, Partial: partial, Created: s.now(), User: principalOf(r).UserID}
	if err := s.uploads.saveMeta(token, m); err != nil {
		return err
	}
	f, err := s.uploads.open(token)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, ierr := s.runImport(r.Context(), token, m, f, true)
	return s.showReport(w, r, token, m, rep, ierr, "preview")
}

// uploadError maps a failure while receiving the upload.
func uploadError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return &webError{kind: kindBadRequest, key: "err.upload", err: err}
}

// smallValue reads a short form value.
func smallValue(p *multipart.Part) string {
	b, _ := io.ReadAll(io.LimitReader(p, 256))
	return strings.TrimSpace(string(b))
}

// cleanFileName keeps the base name of an uploaded file: browsers send
// only that, but old ones sent a Windows path.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// runImport imports the file of an upload, counting progress for the
// polling endpoint.
func (s *Server) runImport(ctx context.Context, token string, m uploadMeta, f io.Reader, dryRun bool) (*importer.Report, error) {
	k, ok := lookupImportKind(m.Registry)
	if !ok {
		return nil, notFound("err.unknown_registry", m.Registry)
	}
	p := s.uploads.start(token)
	defer p.done.Store(true)
	return s.importFile(ctx, k, m.Name, f, importer.Options{
		Partial: m.Partial, DryRun: dryRun, Today: s.today(),
		Progress: func(rows int) { p.rows.Store(int64(rows)) },
	})
}

// fileError tells whether an import error is about the file as a whole (a
// bad header, an unsupported format, no rows), which the user fixes, rather
// than about the store. The importer names the file at the start of every
// message about it, and the table reader returns *table.Error.
func fileError(err error, name string) bool {
	var te *table.Error
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return false
	}
	return errors.As(err, &te) || strings.HasPrefix(err.Error(), name+": ")
}

// showReport renders the preview or the result of an import.
func (s *Server) showReport(w http.ResponseWriter, r *http.Request, token string, m uploadMeta, rep *importer.Report, ierr error, stage string) error {
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	k, _ := lookupImportKind(m.Registry)
	status := http.StatusOK
	switch {
	case ierr == nil, errors.Is(ierr, importer.ErrRejected):
	case fileError(ierr, m.Name):
		status = http.StatusBadRequest
	default:
		return ierr
	}
	if rep != nil {
		if err := s.uploads.saveReport(token, rep); err != nil {
			return err
		}
	}
	title := cat.T("import.preview_title")
	if stage != "preview" {
		title = cat.T("import.result_title")
	}
	p := reportPage{
		Page: s.newPage(r, title, "import"), Token: token, Meta: m, Label: k.label(cat, lang), Stage: stage,
		Rep: rep, Big: m.Size > bigFile, Partial: m.Partial, Regions: k.Schema == nil,
		RejectsURL: "/import/" + token + "/rejects", Again: link("/import", "registry", k.Name),
	}
	if status != http.StatusOK {
		p.FileError = ierr.Error()
		if stage == "preview" {
			s.uploads.discard(token) // nothing to confirm
		}
		return s.render(w, r, status, "import_report", p)
	}
	if stage != "preview" && !rep.Committed {
		p.Stage = "failed"
	}
	p.Rejected = len(rep.Rejected)
	for _, e := range rep.Errors() {
		if len(p.Errors) == maxErrorsShown {
			p.MoreErrors++
			continue
		}
		v := rowErrorView{Row: e.Row, Column: e.Column, Value: e.Value, Reason: e.Msg.In(lang)}
		if i := slices.Index(rep.Header, e.Column); i >= 0 && e.Column != "" {
			v.Letter = table.ColumnName(i + 1)
		}
		p.Errors = append(p.Errors, v)
	}
	for _, c := range rep.Changes {
		if len(p.Changes) == maxChangesShown {
			break
		}
		v := rowChangeView{Row: c.Row, Code: c.Code, Change: c.Change.Label(lang), New: c.Change == facility.New}
		for _, d := range c.Diff {
			if k.Schema == nil {
				v.Diffs = append(v.Diffs, changeView{Field: cat.T("col.population"), From: formatNumber(d.From), To: formatNumber(d.To)})
				continue
			}
			v.Diffs = append(v.Diffs, s.changeView(k.Schema, d, lang))
		}
		p.Changes = append(p.Changes, v)
	}
	p.MoreChanges = rep.New + rep.Changed - len(p.Changes)
	return s.render(w, r, status, "import_report", p)
}

// importConfirm is step 2: it imports the kept file for real.
func (s *Server) importConfirm(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	m, err := s.uploads.meta(token)
	if errors.Is(err, errNoUpload) || err == nil && m.User != principalOf(r).UserID {
		return notFound("err.upload_gone")
	}
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("err.upload")
	}
	m.Partial = r.PostForm.Get("partial") != ""
	f, err := s.uploads.claim(token)
	if errors.Is(err, errNoUpload) {
		if m.Imported {
			rep, rerr := s.uploads.report(token)
			if rerr != nil {
				return notFound("err.upload_gone")
			}
			return s.showReport(w, r, token, m, rep, nil, "done")
		}
		return &webError{kind: kindConflict, key: "err.import_running"}
	}
	if err != nil {
		return err
	}
	rep, ierr := s.runImport(r.Context(), token, m, f, false)
	f.Close()
	committed := ierr == nil && rep != nil && rep.Committed
	if err := s.uploads.release(token, !committed); err != nil {
		return err
	}
	m.Imported = committed
	if err := s.uploads.saveMeta(token, m); err != nil {
		return err
	}
	if k, ok := lookupImportKind(m.Registry); ok && committed {
		s.auditImport(r, k, rep)
	}
	return s.showReport(w, r, token, m, rep, ierr, "done")
}

// importRejects downloads the rejected rows of the last run over an
// upload, in the uploaded format, with the reasons in three extra columns.
func (s *Server) importRejects(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if m, err := s.uploads.meta(token); err != nil || m.User != principalOf(r).UserID {
		return notFound("err.upload_gone")
	}
	rep, err := s.uploads.report(token)
	if errors.Is(err, errNoUpload) {
		return notFound("err.upload_gone")
	}
	if err != nil {
		return err
	}
	lang := langOf(r)
	ext := path.Ext(rep.File)
	base := strings.TrimSuffix(rep.File, ext)
	name := s.tmpl.cat[lang].T("import.rejects_file", base) + "." + rep.Format.String()
	return s.download(w, r, name, "rejected."+rep.Format.String(), rep.Format, func(dw io.Writer) error {
		return importer.WriteRejects(dw, rep, rep.Format, lang)
	})
}

type progressJSON struct {
	Rows int64 `json:"rows"`
	Done bool  `json:"done"`
}

// importProgress answers the page's polling during a big import.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if !validToken(token) {
		return notFound("err.upload_gone")
	}
	rows, done := s.uploads.rowsRead(token)
	writeJSON(w, http.StatusOK, progressJSON{Rows: rows, Done: done})
	return nil
}
