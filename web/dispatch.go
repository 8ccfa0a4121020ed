package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/table"
)

// defaultDispatchDays is how far back a dispatch report looks when no
// from date is given: a month, the rhythm of 调度 meetings.
const defaultDispatchDays = 30

type dispatchPage struct {
	Page
	Set          *commitment.Set
	Div          region.Division
	Crumbs       []crumb
	D            *commitment.Dispatch
	From, To     string
	Changed      []commitment.DispatchTarget
	Unchanged    int
	MarkdownURL  string
	XLSXURL      string
	DashboardURL string
}

// dispatchReport is GET /commitments/{set}/dispatch?region=&from=&as_of=
// &format=: the dispatch report (调度) of a region between two dates — per
// target how value and status moved, the units or facilities fixed and
// those newly behind — as a page or as a Markdown or Excel download
// (format=md|xlsx, which need the Export right).
func (s *Server) dispatchReport(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	code := queryRegion(r)
	tree := s.tree()
	d, ok := tree.Get(code)
	if !ok {
		return badRequest("err.unknown_region", code)
	}
	format, err := s.reportFormat(r, code)
	if err != nil {
		return err
	}
	pr := principalOf(r)
	to, err := s.commitDate(r, set)
	if err != nil {
		return err
	}
	from := set.From
	if t, err := time.Parse(facility.DateLayout, to); err == nil {
		from = max(set.From, t.AddDate(0, 0, -defaultDispatchDays).Format(facility.DateLayout))
	}
	if v := strings.TrimSpace(r.URL.Query().Get("from")); v != "" {
		if from, err = facility.ParseDate(v); err != nil {
			return badRequest("err.bad_date", "from", v)
		}
		from = max(from, set.From)
	}
	if from >= to {
		return badRequest("err.bad_date", "from", from)
	}
	before, err := s.evaluation(r.Context(), set, from)
	if err != nil {
		return err
	}
	after, err := s.evaluation(r.Context(), set, to)
	if err != nil {
		return err
	}
	gaps := map[*commitment.Target][2][]commitment.Gap{}
	for _, t := range set.Targets() {
		var pair [2][]commitment.Gap
		for i, ev := range []*commitment.Evaluation{before, after} {
			if pair[i], err = s.gapList(r.Context(), ev, t, code); err != nil {
				return err
			}
		}
		gaps[t] = pair
	}
	dr, err := commitment.NewDispatch(before, after, code, gaps)
	if err != nil {
		return err
	}
	lang := langOf(r)
	fallback := "dispatch-" + set.ID + "-" + code + "-" + from + "-" + to
	name := set.Title + "调度-" + d.Name + "-" + from + "-" + to
	switch format {
	case "md":
		return writeMarkdown(w, name+".md", fallback+".md", dr.Markdown)
	case "xlsx":
		header, rows := dr.Rows(lang)
		return s.download(w, r, name+".xlsx", fallback+".xlsx", table.XLSX, func(dw io.Writer) error {
			return table.WriteRows(dw, table.XLSX, "调度", append([][]string{header}, rows...))
		})
	}
	p := dispatchPage{Page: s.newPage(r, s.tmpl.cat[lang].T("commit.dispatch"), "commitments"), Set: set, Div: d, D: dr, From: from, To: to}
	p.AsOf = to
	for _, t := range dr.Targets {
		if t.Changed() {
			p.Changed = append(p.Changed, t)
		} else {
			p.Unchanged++
		}
	}
	p.Crumbs = crumbsTo(tree, pr, code, lang, func(c string) string {
		return link("/commitments/"+set.ID+"/dispatch", "region", c, "from", from, "as_of", to)
	})
	if auth.Allow(tree, pr, auth.Export, regionTarget(pr, code)).Allowed {
		p.MarkdownURL = link("/commitments/"+set.ID+"/dispatch", "region", code, "from", from, "as_of", to, "format", "md")
		p.XLSXURL = link("/commitments/"+set.ID+"/dispatch", "region", code, "from", from, "as_of", to, "format", "xlsx")
	}
	p.DashboardURL = link("/", "set", set.ID, "region", code, "as_of", to)
	return s.render(w, r, http.StatusOK, "commitments_dispatch", p)
}
