package web

import (
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/table"
)

// contentType returns the media type of a table format.
func contentType(f table.Format) string {
	if f == table.XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// contentDisposition names a download: a plain ASCII fallback for old
// clients and the real UTF-8 name (RFC 6266, RFC 5987), so that a Chinese
// file name survives in every current browser.
func contentDisposition(name, fallback string) string {
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + encodeRFC5987(name)
}

// encodeRFC5987 percent-encodes every byte that is not an attr-char.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// lazyDownload sets the download headers only when the first byte goes out,
// so that an error before that is still answered with a proper status.
type lazyDownload struct {
	w       http.ResponseWriter
	header  func()
	started bool
	csvBOM  bool
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.header()
		d.w.WriteHeader(http.StatusOK)
		if d.csvBOM {
			// Excel opens a UTF-8 CSV as UTF-8 only with a BOM; the
			// importer skips it when the file comes back.
			if _, err := d.w.Write([]byte("\uFEFF")); err != nil {
				return 0, err
			}
		}
	}
	return d.w.Write(p)
}

// download streams a file made by write. A failure after the first byte
// cannot change the status any more: the connection is cut, so that the
// user gets a failed download rather than a silently truncated file.
func (s *Server) download(w http.ResponseWriter, r *http.Request, name, fallback string, f table.Format, write func(io.Writer) error) error {
	d := &lazyDownload{w: w, csvBOM: f == table.CSV, header: func() {
		h := w.Header()
		h.Set("Content-Type", contentType(f))
		h.Set("Content-Disposition", contentDisposition(name, fallback))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}}
	err := write(d)
	if err == nil && !d.started {
		// An empty CSV: still a file.
		d.Write(nil)
	}
	if err != nil && d.started {
		s.log.Error("download failed", logPath(r), slog.Any("err", err))
		panic(http.ErrAbortHandler)
	}
	return err
}

// splitFile splits "hospitals.csv" into the name and the format.
func splitFile(file string) (string, table.Format, error) {
	ext := path.Ext(file)
	f, err := table.ParseFormat(ext)
	if ext == "" || err != nil {
		return "", 0, notFound("err.bad_format", file)
	}
	return strings.TrimSuffix(file, ext), f, nil
}

// templateDownload serves an empty import file with the header row, in
// the user's language: /templates/hospitals.xlsx, /templates/regions.csv.
func (s *Server) templateDownload(w http.ResponseWriter, r *http.Request) error {
	name, f, err := splitFile(r.PathValue("file"))
	if err != nil {
		return err
	}
	k, ok := lookupImportKind(name)
	if !ok {
		return notFound("err.unknown_registry", name)
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	file := cat.T("download.template", k.label(cat, lang)) + "." + f.String()
	return s.download(w, r, file, k.Name+"-template."+f.String(), f, func(dw io.Writer) error {
		if k.Schema != nil {
			return importer.Template(dw, k.Schema, f, lang)
		}
		return regionsTemplate(dw, f, lang)
	})
}

// regionsTemplate writes the header of a regions file, the columns
// importer.ExportRegions writes; an import reads the code, population,
// year and note and checks the name.
func regionsTemplate(w io.Writer, f table.Format, lang string) error {
	sheet := "行政区划"
	if lang == "en" {
		sheet = "Regions"
	}
	tw, err := table.NewWriter(w, f, sheet)
	if err != nil {
		return err
	}
	if err := tw.Write(importer.RegionHeader(lang)); err != nil {
		return err
	}
	return tw.Close()
}

// exportDownload serves /export/regions.csv?region= and
// /export/{registry}.xlsx?region=&as_of=&q=&<field>=.
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) error {
	name, f, err := splitFile(r.PathValue("file"))
	if err != nil {
		return err
	}
	if name == "regions" {
		return s.exportRegions(w, r, f)
	}
	sc, ok := facility.Lookup(name)
	if !ok {
		return notFound("err.unknown_registry", name)
	}
	return s.exportRegistry(w, r, sc, f)
}

func (s *Server) exportRegions(w http.ResponseWriter, r *http.Request, f table.Format) error {
	if principalOf(r).Role.Binding() != auth.BoundToRegion {
		// Institution roles see their institution alone.
		return notFound("err.unknown_registry", "regions")
	}
	code := r.URL.Query().Get("region")
	if code == "" {
		code = scopeRegion(principalOf(r))
	}
	t := s.tree()
	d, ok := t.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	lang := langOf(r)
	file := s.tmpl.cat[lang].T("download.regions", regionName(d, lang)) + "." + f.String()
	return s.download(w, r, file, "regions-"+code+"."+f.String(), f, func(dw io.Writer) error {
		_, err := importer.ExportRegions(t, code, dw, f, lang)
		return err
	})
}

func (s *Server) exportRegistry(w http.ResponseWriter, r *http.Request, sc *facility.Schema, f table.Format) error {
	flt, err := s.parseFilter(r, sc)
	if err != nil {
		return err
	}
	if principalOf(r).Role.Binding() != auth.BoundToRegion {
		// importer.Export streams a region; an institution's own record
		// is on its page. Refused like an unknown registry.
		return notFound("err.unknown_registry", sc.Name)
	}
	lang := langOf(r)
	where := s.tree().Country()
	if flt.Region != "" {
		where, _ = s.tree().Get(flt.Region)
	}
	file := s.tmpl.cat[lang].T("download.registry", sc.Label(lang), regionName(where, lang), flt.AsOf) + "." + f.String()
	fallback := sc.Name + "-" + where.Code + "-" + flt.AsOf + "." + f.String()
	return s.download(w, r, file, fallback, f, func(dw io.Writer) error {
		_, err := importer.Export(r.Context(), s.st, sc, flt.query(), dw, f, lang)
		return err
	})
}

// apiExport is GET /api/export/{registry}?format=csv|xlsx with the list's
// filters.
func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) error {
	sc, err := schemaOf(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	f, err := table.ParseFormat(format)
	if err != nil {
		return badRequest("err.bad_format", format)
	}
	return s.exportRegistry(w, r, sc, f)
}
