package web

import (
	"io"
	"net/http"
	"strconv"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/hotline"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// hotlineDeadline is the notice's deadline for 12356: 5月1日0时前.
const hotlineDeadline = "2025-04-30"

// hotlineYearStart is where the register's calls are counted from: the
// year of the commitments the calls are reported for.
const hotlineYearStart = "2025-01-01"

type hotlinePage struct {
	Page
	Div      region.Division
	Lines    []hotlineRow
	Flagged  int
	XLSXURL  string
	Received float64
	Answered float64
	Crisis   float64
}

type hotlineRow struct {
	hotline.Line
	RegionName string
	Rate       string
}

// hotlineRegister is GET /hotlines/register?region=&as_of=&format=: the
// 12356 register (心理援助热线台账) of the lines in the region on a date,
// with the calls their cities reported and approved up to it, and the
// lines the notice's rules flag; format=xlsx downloads it (Export).
func (s *Server) hotlineRegister(w http.ResponseWriter, r *http.Request) error {
	code := queryRegion(r)
	tree := s.tree()
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	asOf := s.today()
	if v := r.URL.Query().Get("as_of"); v != "" {
		var err error
		if asOf, err = facility.ParseDate(v); err != nil {
			return badRequest("err.bad_date", "as_of", v)
		}
	}
	pr := principalOf(r)
	format := r.URL.Query().Get("format")
	if format == "xlsx" {
		if err := s.allow(r, auth.Export, regionTarget(pr, code), notFound("err.unknown_region", code)); err != nil {
			return err
		}
	} else if format != "" && format != "html" {
		return badRequest("commit.err_format", format)
	}
	recs, _, err := s.facilities(r.Context(), pr, facility.Hotlines, store.Query{Region: code, AsOf: asOf})
	if err != nil {
		return err
	}
	tot, err := s.st.ApprovedFigureTotals(r.Context(), []string{"hotline_received", "hotline_answered", "crisis_interventions"},
		hotlineYearStart, asOf, asOf)
	if err != nil {
		return err
	}
	lines := hotline.Register(facility.Hotlines, recs, tot, hotlineDeadline)
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	p := hotlinePage{Page: s.newPage(r, cat.T("hl.title"), "hotlines"), Div: d}
	p.AsOf = asOf
	for _, l := range lines {
		row := hotlineRow{Line: l, RegionName: l.Region}
		if rd, ok := tree.Get(l.Region); ok {
			row.RegionName = regionName(rd, lang)
		}
		if rate, ok := l.AnswerRate(); ok {
			row.Rate = commitment.Percent(rate)
		}
		if l.Flagged() {
			p.Flagged++
		}
		p.Received += l.Received
		p.Answered += l.Answered
		p.Crisis += l.Crisis
		p.Lines = append(p.Lines, row)
	}
	if format == "xlsx" {
		rows := [][]string{{cat.T("hl.code"), cat.T("hl.name"), cat.T("hl.city"), cat.T("hl.number"), cat.T("hl.seats"),
			cat.T("hl.counsellors"), cat.T("hl.opened"), cat.T("hl.received"), cat.T("hl.answered"), cat.T("hl.rate"),
			cat.T("hl.crisis"), cat.T("hl.flags")}}
		for _, l := range p.Lines {
			rows = append(rows, []string{l.Code, l.Name, l.RegionName, l.Number, strconv.FormatInt(l.Seats, 10),
				strconv.FormatInt(l.Counsellors, 10), l.OpenedOn, num(l.Received, l.Reported), num(l.Answered, l.Reported), l.Rate,
				num(l.Crisis, l.Reported), flagText(cat, l.Line)})
		}
		name := cat.T("hl.title") + "-" + d.Name + "-" + asOf + ".xlsx"
		return s.download(w, r, name, "hotlines-"+code+"-"+asOf+".xlsx", table.XLSX, func(dw io.Writer) error {
			return table.WriteRows(dw, table.XLSX, "12356", rows)
		})
	}
	if auth.Allow(tree, pr, auth.Export, regionTarget(pr, code)).Allowed {
		p.XLSXURL = link("/hotlines/register", "region", code, "as_of", asOf, "format", "xlsx")
	}
	return s.render(w, r, http.StatusOK, "hotlines", p)
}

// num writes a reported count; "" when the city reported none.
func num(v float64, reported bool) string {
	if !reported {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// flagText lists a line's flags in the catalog's language.
func flagText(cat catalog, l hotline.Line) string {
	var out string
	add := func(ok bool, key string) {
		if ok {
			if out != "" {
				out += "；"
			}
			out += cat.T(key)
		}
	}
	add(l.FewSeats, "hl.flag_seats")
	add(l.Not12356, "hl.flag_number")
	add(l.Late, "hl.flag_late")
	return out
}
