package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// auditPageSize is how many entries the audit page shows at once.
const auditPageSize = 50

// maxAuditExport bounds the entries of one export: an auditor narrows the
// filters rather than pulling the whole national log through a browser.
const maxAuditExport = 100_000

// auditFilter is the audit page's filters, as given in the query string.
type auditFilter struct {
	Actor, Action, Object, From, To string
	q                               store.AuditQuery
}

// parseAuditFilter reads the filters: actor (user ID), action (its code,
// "update"), object (exact, "hospitals/H001"), from and to (dates in China
// time, to inclusive). The query is limited to the caller's scope.
func (s *Server) parseAuditFilter(r *http.Request) (auditFilter, error) {
	v := r.URL.Query()
	f := auditFilter{
		Actor: strings.TrimSpace(v.Get("actor")), Action: strings.TrimSpace(v.Get("action")),
		Object: strings.TrimSpace(v.Get("object")), From: strings.TrimSpace(v.Get("from")), To: strings.TrimSpace(v.Get("to")),
	}
	f.q = store.AuditQuery{Actor: f.Actor, Object: f.Object, Region: scopeRegion(principalOf(r))}
	if f.q.Region == region.CountryCode {
		f.q.Region = ""
	}
	if f.Action != "" {
		a, err := audit.ParseAction(f.Action)
		if err != nil {
			return f, badRequest("err.bad_filter", f.Action)
		}
		f.q.Action = a
	}
	day := func(s string) (time.Time, error) {
		d, err := time.ParseInLocation("2006-01-02", s, chinaTime)
		if err != nil {
			return time.Time{}, badRequest("err.bad_date", s)
		}
		return d, nil
	}
	var err error
	if f.From != "" {
		if f.q.From, err = day(f.From); err != nil {
			return f, err
		}
	}
	if f.To != "" {
		var d time.Time
		if d, err = day(f.To); err != nil {
			return f, err
		}
		f.q.To = d.AddDate(0, 0, 1)
	}
	return f, nil
}

// values returns the filters as a query string, for links.
func (f auditFilter) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"actor": f.Actor, "action": f.Action, "object": f.Object, "from": f.From, "to": f.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

type auditRow struct {
	Seq                                     int64
	At, Actor, Role, Region, Action, Object string
	Change                                  string
}

type auditListPage struct {
	Page
	Filter     auditFilter
	Actions    []navItem
	Rows       []auditRow
	Total      int
	From, To   int
	Prev, Next string
	Export     string
}

// auditPage shows the audit trail (审计日志) of the caller's region and the
// units below it, newest first, a page at a time.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	f, err := s.parseAuditFilter(r)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	f.q.Limit, f.q.Offset = auditPageSize, (page-1)*auditPageSize
	entries, total, err := s.st.AuditEntries(r.Context(), f.q)
	if err != nil {
		return err
	}
	p := auditListPage{Page: s.newPage(r, s.tmpl.cat[lang].T("audit.title"), "audit"), Filter: f, Total: total}
	for _, a := range audit.Actions() {
		p.Actions = append(p.Actions, navItem{Key: a.String(), Label: a.Label(lang)})
	}
	for _, e := range entries {
		row := audit.Row(e, lang)
		change := ""
		if len(e.Before) > 0 || len(e.After) > 0 {
			change = strings.TrimSpace(string(e.Before) + " → " + string(e.After))
		}
		p.Rows = append(p.Rows, auditRow{Seq: e.Seq, At: row[1], Actor: e.Actor, Role: e.ActorRole, Region: e.Region,
			Action: row[5], Object: e.Object, Change: change})
	}
	if len(entries) > 0 {
		p.From, p.To = f.q.Offset+1, f.q.Offset+len(entries)
	}
	link := func(n int) string {
		v := f.values()
		v.Set("page", strconv.Itoa(n))
		return "/audit?" + v.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if f.q.Offset+len(entries) < total {
		p.Next = link(page + 1)
	}
	p.Export = "/audit/export.xlsx"
	if q := f.values().Encode(); q != "" {
		p.Export += "?" + q
	}
	return s.render(w, r, http.StatusOK, "audit", p)
}

// auditExport downloads the entries the filters select, in the caller's
// scope, newest first, as an .xlsx with audit.Header and audit.Row. The
// export is itself an entry of the trail.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	f, err := s.parseAuditFilter(r)
	if err != nil {
		return err
	}
	s.audit(r, audit.Entry{Action: audit.Export, Object: "audit",
		After: mustJSON(map[string]string{"actor": f.Actor, "action": f.Action, "object": f.Object, "from": f.From, "to": f.To})})
	name := fmt.Sprintf("audit-%s.xlsx", s.today())
	return s.download(w, r, name, name, table.XLSX, func(out io.Writer) error {
		tw, err := table.NewWriter(out, table.XLSX, "audit")
		if err != nil {
			return err
		}
		if err := tw.Write(audit.Header(lang)); err != nil {
			return err
		}
		q := f.q
		q.Limit = 1000
		for q.Offset < maxAuditExport {
			entries, _, err := s.st.AuditEntries(r.Context(), q)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if err := tw.Write(audit.Row(e, lang)); err != nil {
					return err
				}
			}
			if len(entries) < q.Limit {
				break
			}
			q.Offset += len(entries)
		}
		return tw.Close()
	})
}
