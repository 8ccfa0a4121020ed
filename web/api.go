package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/store"
)

// maxJSONBody bounds a record sent to the API.
const maxJSONBody = 1 << 20

// readyz answers 200 when the store answers and its schema is current, 503
// otherwise, for a load balancer or an orchestrator.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.st.Ping(ctx); err != nil {
		return &webError{kind: kindUnavailable, key: "err.not_ready", err: err}
	}
	current, err := s.st.MigrationsCurrent(ctx)
	if err != nil {
		return &webError{kind: kindUnavailable, key: "err.not_ready", err: err}
	}
	if !current {
		return &webError{kind: kindUnavailable, key: "err.not_ready", err: errors.New("migrations pending")}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
	return nil
}

// withSchema binds a registry to an API handler.
func (s *Server) withSchema(sc *facility.Schema, h func(http.ResponseWriter, *http.Request, *facility.Schema) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error { return h(w, r, sc) }
}

// object is a JSON object that keeps its members in order, so that a
// facility reads in its schema's order.
type object []member

type member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// recordJSON is a facility version as the API shows it: code, valid_from,
// closed, then every field by key (enums by code, numbers as numbers,
// yes/no as booleans).
func recordJSON(sc *facility.Schema, r facility.Record) object {
	o := object{{"code", r.Code}, {"valid_from", r.ValidFrom}, {"closed", r.Closed}}
	for i, f := range sc.Fields {
		o = append(o, member{f.Key, r.Values[i]})
	}
	return o
}

type diffJSON struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

func diffsJSON(d []facility.FieldChange) []diffJSON {
	out := []diffJSON{}
	for _, c := range d {
		out = append(out, diffJSON{Field: c.Field, From: c.From, To: c.To})
	}
	return out
}

type listJSON struct {
	Registry string   `json:"registry"`
	AsOf     string   `json:"as_of"`
	Total    int      `json:"total"`
	Limit    int      `json:"limit"`
	Offset   int      `json:"offset"`
	Items    []object `json:"items"`
}

// apiList is GET /api/{registry}?region=&as_of=&q=&limit=&offset=&<field>=.
func (s *Server) apiList(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	f, err := s.parseFilter(r, sc)
	if err != nil {
		return err
	}
	q := f.query()
	if q.Limit, err = intParam(r.URL.Query(), "limit", 50, 1, 1000); err != nil {
		return err
	}
	if q.Offset, err = intParam(r.URL.Query(), "offset", 0, 0, 1<<31-1); err != nil {
		return err
	}
	recs, total, err := s.facilities(r.Context(), principalOf(r), sc, q)
	if err != nil {
		return err
	}
	out := listJSON{Registry: sc.Name, AsOf: f.AsOf, Total: total, Limit: q.Limit, Offset: q.Offset, Items: []object{}}
	for _, rec := range recs {
		out.Items = append(out.Items, recordJSON(sc, rec))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("err.bad_number", name, v, lo, hi)
	}
	return n, nil
}

func boolParam(q url.Values, name string) bool {
	switch strings.ToLower(q.Get(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

type facilityJSON struct {
	Registry string `json:"registry"`
	AsOf     string `json:"as_of"`
	Facility object `json:"facility"`
	// Since holds, per field, the date since which its value holds.
	Since object `json:"since"`
}

// apiGet is GET /api/{registry}/{code}?as_of=: the version in effect.
func (s *Server) apiGet(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	code := r.PathValue("code")
	asOf, err := s.parseAsOf(r, "as_of")
	if err != nil {
		return err
	}
	h, err := s.st.History(r.Context(), sc, code)
	if err != nil {
		return err
	}
	cur, ok := h.AsOf(asOf)
	if !ok {
		return notFound("err.not_in_effect", code, asOf)
	}
	since := object{}
	for i, d := range h.Since(asOf) {
		since = append(since, member{sc.Fields[i].Key, d})
	}
	writeJSON(w, http.StatusOK, facilityJSON{Registry: sc.Name, AsOf: asOf, Facility: recordJSON(sc, cur), Since: since})
	return nil
}

type versionJSON struct {
	ValidFrom string     `json:"valid_from"`
	Closed    bool       `json:"closed"`
	Facility  object     `json:"facility"`
	Changes   []diffJSON `json:"changes"` // against the previous version; empty for the first
}

type historyJSON struct {
	Registry string        `json:"registry"`
	Code     string        `json:"code"`
	Versions []versionJSON `json:"versions"`
}

// apiHistory is GET /api/{registry}/{code}/history: every version, oldest
// first.
func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	code := r.PathValue("code")
	h, err := s.st.History(r.Context(), sc, code)
	if err != nil {
		return err
	}
	out := historyJSON{Registry: sc.Name, Code: code}
	for i, v := range h {
		vj := versionJSON{ValidFrom: v.ValidFrom, Closed: v.Closed, Facility: recordJSON(sc, v), Changes: []diffJSON{}}
		if i > 0 {
			vj.Changes = diffsJSON(sc.Diff(h[i-1], v))
		}
		out.Versions = append(out.Versions, vj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// msg returns a catalog text in both languages, for field errors that are
// shown in either.
func (s *Server) msg(key string, args ...any) facility.Message {
	return facility.Message{ZH: s.tmpl.cat["zh"].T(key, args...), EN: s.tmpl.cat["en"].T(key, args...)}
}

// decodeObject reads a JSON object; numbers stay json.Number so that big
// integers keep their digits.
func decodeObject(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, &webError{kind: kindBadRequest, key: "err.bad_json", args: []any{err.Error()}, err: err}
	}
	if m == nil {
		return nil, badRequest("err.bad_json", "null")
	}
	return m, nil
}

// jsonText turns a JSON value into the text a spreadsheet cell would hold,
// so that the API and the importer parse values the same way.
func jsonText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// recordFrom builds a record from a JSON object. Fields missing from body
// keep their values in base (an update) or are empty (a create, where a
// required field then fails). Every problem is collected, so that one 422
// lists them all.
func (s *Server) recordFrom(sc *facility.Schema, code string, body map[string]any, base *facility.Record) (facility.Record, []fieldError) {
	rec := sc.Zero(code, s.today())
	if base != nil {
		copy(rec.Values, base.Values)
	}
	var errs []fieldError
	bad := func(field, value string, m facility.Message) {
		errs = append(errs, fieldError{Field: field, Value: value, Msg: m})
	}
	if raw, ok := body["valid_from"]; ok && raw != nil {
		text, ok := jsonText(raw)
		d, err := facility.ParseDate(text)
		switch {
		case !ok:
			bad("valid_from", "", s.msg("api.not_scalar"))
		case err != nil:
			bad("valid_from", text, s.msg("api.bad_date"))
		default:
			rec.ValidFrom = d
		}
	}
	checker := importer.RegionChecker(s.tree())
	known := map[string]bool{"code": true, "valid_from": true}
	for i, f := range sc.Fields {
		known[f.Key] = true
		raw, given := body[f.Key]
		if !given && base != nil {
			continue
		}
		text, ok := jsonText(raw)
		if !ok {
			bad(f.Key, "", s.msg("api.not_scalar"))
			continue
		}
		v, m := facility.ParseValue(f, text, checker)
		if m != nil {
			bad(f.Key, text, *m)
			continue
		}
		rec.Values[i] = v
	}
	var unknown []string
	for k := range body {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		bad(k, "", s.msg("api.unknown_field"))
	}
	// The record's own rules (code, date, cross-field checks), for the
	// fields not already reported.
	for _, fe := range sc.Validate(rec) {
		if !slices.ContainsFunc(errs, func(e fieldError) bool { return e.Field == fe.Field }) {
			bad(fe.Field, fe.Value, fe.Msg)
		}
	}
	return rec, errs
}

type putJSON struct {
	Change   string     `json:"change"`
	Diff     []diffJSON `json:"diff"`
	Facility object     `json:"facility"`
}

// apiCreate is POST /api/{registry}: a new facility from a JSON object with
// code, valid_from (default today) and the fields by key; enum values by
// code or label.
func (s *Server) apiCreate(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	body, err := decodeObject(w, r)
	if err != nil {
		return err
	}
	code, _ := jsonText(body["code"])
	code = strings.TrimSpace(code)
	rec, errs := s.recordFrom(sc, code, body, nil)
	if len(errs) > 0 {
		return invalid(errs)
	}
	if err := s.allow(r, auth.WriteFacilities, facilityTarget(principalOf(r), sc, code, rec.Region(sc)), notFound("err.not_found")); err != nil {
		return err
	}
	switch _, err := s.st.History(r.Context(), sc, code); {
	case err == nil:
		return &webError{kind: kindConflict, key: "err.exists", args: []any{code}}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	out, err := s.st.Put(r.Context(), sc, rec)
	if err != nil {
		return err
	}
	s.audit(r, audit.Entry{Action: audit.Create, Region: rec.Region(sc), Object: sc.Name + "/" + code,
		After: mustJSON(recordJSON(sc, rec))})
	w.Header().Set("Location", "/api/"+sc.Name+"/"+url.PathEscape(code))
	writeJSON(w, http.StatusCreated, putJSON{Change: out.Change.String(), Diff: diffsJSON(out.Diff), Facility: recordJSON(sc, rec)})
	return nil
}

// apiUpdate is PUT /api/{registry}/{code}: a new version from valid_from
// (default today). Fields left out keep the values of the version in
// effect on that date, so a client sends what changed; a facility closed
// on that date is reopened.
func (s *Server) apiUpdate(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	code := r.PathValue("code")
	body, err := decodeObject(w, r)
	if err != nil {
		return err
	}
	h, err := s.st.History(r.Context(), sc, code)
	if err != nil {
		return err
	}
	var pre []fieldError
	if raw, ok := body["code"]; ok {
		if c, _ := jsonText(raw); c != code {
			pre = append(pre, fieldError{Field: "code", Value: c, Msg: s.msg("api.code_mismatch", code)})
		}
	}
	// The base is the version in effect on the new version's date (a
	// closed one keeps the attributes it had), or the first version for
	// a date before it.
	vf := s.today()
	if raw, ok := body["valid_from"]; ok {
		if t, _ := jsonText(raw); t != "" {
			if d, err := facility.ParseDate(t); err == nil {
				vf = d
			}
		}
	}
	base, _ := h.AsOf(vf)
	if base.Values == nil {
		base = h[0]
	}
	rec, errs := s.recordFrom(sc, code, body, &base)
	if errs = append(pre, errs...); len(errs) > 0 {
		return invalid(errs)
	}
	// A facility moved to another region must land in the caller's
	// scope too.
	if err := s.allow(r, auth.WriteFacilities, facilityTarget(principalOf(r), sc, code, rec.Region(sc)), notFound("err.not_found")); err != nil {
		return err
	}
	out, err := s.st.Put(r.Context(), sc, rec)
	if err != nil {
		return err
	}
	s.audit(r, audit.Entry{Action: audit.Update, Region: rec.Region(sc), Object: sc.Name + "/" + code,
		Before: mustJSON(recordJSON(sc, base)), After: mustJSON(recordJSON(sc, rec))})
	writeJSON(w, http.StatusOK, putJSON{Change: out.Change.String(), Diff: diffsJSON(out.Diff), Facility: recordJSON(sc, rec)})
	return nil
}

// apiDelete is DELETE /api/{registry}/{code}?date=: the facility closes
// from date (default today) and its history is kept. With purge=true every
// version is deleted, for a record entered by mistake.
func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, sc *facility.Schema) error {
	code := r.PathValue("code")
	q := r.URL.Query()
	h, err := s.st.History(r.Context(), sc, code)
	if err != nil {
		return err
	}
	last := h[len(h)-1]
	if boolParam(q, "purge") {
		if err := s.st.Purge(r.Context(), sc, code); err != nil {
			return err
		}
		s.audit(r, audit.Entry{Action: audit.Purge, Region: last.Region(sc), Object: sc.Name + "/" + code,
			Before: mustJSON(recordJSON(sc, last))})
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	d, err := s.parseAsOf(r, "date")
	if err != nil {
		return err
	}
	if err := s.st.CloseFacility(r.Context(), sc, code, d); err != nil {
		return err
	}
	s.audit(r, audit.Entry{Action: audit.Close, Region: last.Region(sc), Object: sc.Name + "/" + code,
		Before: mustJSON(recordJSON(sc, last)), After: mustJSON(map[string]any{"code": code, "closed": true, "valid_from": d})})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// JSON shape of an import report.

type rowErrorJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

type rejectedJSON struct {
	Row    int            `json:"row"`
	Cells  []string       `json:"cells"`
	Errors []rowErrorJSON `json:"errors"`
}

type rowChangeJSON struct {
	Row    int        `json:"row"`
	Code   string     `json:"code"`
	Change string     `json:"change"`
	Diff   []diffJSON `json:"diff"`
}

type reportJSON struct {
	File       string          `json:"file"`
	Registry   string          `json:"registry"`
	Format     string          `json:"format"`
	Encoding   string          `json:"encoding,omitempty"`
	Header     []string        `json:"header"`
	Rows       int             `json:"rows"`
	New        int             `json:"new"`
	Changed    int             `json:"changed"`
	Unchanged  int             `json:"unchanged"`
	Rejected   []rejectedJSON  `json:"rejected"`
	Changes    []rowChangeJSON `json:"changes"`
	Committed  bool            `json:"committed"`
	DryRun     bool            `json:"dry_run"`
	Partial    bool            `json:"partial"`
	DurationMS int64           `json:"duration_ms"`
}

func newReportJSON(rep *importer.Report, lang string) reportJSON {
	out := reportJSON{
		File: rep.File, Registry: rep.Registry, Format: rep.Format.String(), Encoding: rep.Encoding,
		Header: rep.Header, Rows: rep.Rows, New: rep.New, Changed: rep.Changed, Unchanged: rep.Unchanged,
		Rejected: []rejectedJSON{}, Changes: []rowChangeJSON{},
		Committed: rep.Committed, DryRun: rep.DryRun, Partial: rep.Partial, DurationMS: rep.Duration.Milliseconds(),
	}
	if out.Header == nil {
		out.Header = []string{}
	}
	for _, rj := range rep.Rejected {
		x := rejectedJSON{Row: rj.Row, Cells: rj.Cells, Errors: []rowErrorJSON{}}
		if x.Cells == nil {
			x.Cells = []string{}
		}
		for _, e := range rj.Errors {
			x.Errors = append(x.Errors, rowErrorJSON{Row: e.Row, Column: e.Column, Value: e.Value, Message: e.Msg.In(lang)})
		}
		out.Rejected = append(out.Rejected, x)
	}
	for _, c := range rep.Changes {
		out.Changes = append(out.Changes, rowChangeJSON{Row: c.Row, Code: c.Code, Change: c.Change.String(), Diff: diffsJSON(c.Diff)})
	}
	return out
}

// apiImport is POST /api/import/{registry}?partial=&dry_run=, where
// {registry} is a registry or "regions" (population figures), with the file
// as the multipart field "file" or as the raw body named by ?filename=.
// It answers with the report: 200 when stored (or planned, in
// a dry run), 422 with the report when rows were rejected and nothing was
// stored, 400 when the file as a whole is unusable.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) error {
	k, ok := lookupImportKind(r.PathValue("registry"))
	if !ok {
		return notFound("err.unknown_registry", r.PathValue("registry"))
	}
	q := r.URL.Query()
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	name, body, err := uploadedFile(r)
	if err != nil {
		return err
	}
	lang := langOf(r)
	rep, err := s.importFile(r.Context(), k, name, body, importer.Options{
		Partial: boolParam(q, "partial"), DryRun: boolParam(q, "dry_run"), Today: s.today(),
	})
	switch {
	case err == nil:
		s.auditImport(r, k, rep)
		writeJSON(w, http.StatusOK, newReportJSON(rep, lang))
		return nil
	case errors.Is(err, importer.ErrRejected):
		e := &webError{kind: kindInvalid, key: "err.rows_rejected", args: []any{len(rep.Rejected)}}
		writeJSON(w, e.kind.status(), errorBody(s, e, lang, newReportJSON(rep, lang)))
		return nil
	case fileError(err, name):
		return &webError{kind: kindBadRequest, text: err.Error(), err: err}
	}
	return err
}

// uploadedFile returns the file an API upload carries: the "file" part of
// a multipart body, or the whole body named by ?filename=. The body is
// read as it streams; nothing is buffered.
func uploadedFile(r *http.Request) (name string, body io.Reader, err error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		name = cleanFileName(r.URL.Query().Get("filename"))
		if name == "" {
			return "", nil, badRequest("err.no_filename")
		}
		return name, r.Body, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, badRequest("err.not_multipart")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, uploadError(err)
		}
		if part.FormName() == "file" {
			name, body = cleanFileName(part.FileName()), part
			break
		}
		part.Close()
	}
	if body == nil || name == "" {
		return "", nil, badRequest("import.no_file")
	}
	return name, body, nil
}
