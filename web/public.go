package web

// The public progress page (公开进展): the notices ask that progress on the
// commitments be published, so every region's standing is open to anyone,
// without an account. It shows values, goals, deadlines and statuses and
// nothing else: no personal data, no gap lists naming facilities, no map
// (a map shown to the public is a published map and needs an approved base
// map, 审图号). Anonymous requests are rate-limited per address like every
// public route; the page is always drawn on the set's default date, so
// that visitors share one cached evaluation per set and cannot make the
// server evaluate date after date.

import (
	"net/http"

	"github.com/shishi-health/shishi/commitment"
	"github.com/shishi-health/shishi/region"
)

type publicSet struct {
	Label, URL string
	Selected   bool
}

type publicTarget struct {
	Title string
	R     resultView
}

type publicCard struct {
	No      int
	Title   string
	Targets []publicTarget
}

type publicChild struct {
	Name, Code, URL string
	// Met counts the targets met in the child, Judged those with a goal
	// that applies there.
	Met, Judged int
}

// statusCount is how many of the region's targets stand at a status.
type statusCount struct {
	Status, Label string
	N             int
}

type publicPage struct {
	Page
	Set        *commitment.Set
	SetLabel   string
	Sets       []publicSet
	Div        region.Division
	RegionName string
	Crumbs     []crumb
	DateText   string
	Counts     []statusCount
	Cards      []publicCard
	Children   []publicChild
}

// publicURL is the public page of a region.
func publicURL(set *commitment.Set, code string) string {
	return "/public/" + set.ID + "/" + code
}

// publicHome is GET /public: the country, in the default set.
func (s *Server) publicHome(w http.ResponseWriter, r *http.Request) error {
	return s.renderPublic(w, r, s.commit.defaultSet(), region.CountryCode)
}

// publicPage is GET /public/{set}/{code}.
func (s *Server) publicPage(w http.ResponseWriter, r *http.Request) error {
	set, err := s.setOf(r)
	if err != nil {
		return err
	}
	return s.renderPublic(w, r, set, r.PathValue("code"))
}

func (s *Server) renderPublic(w http.ResponseWriter, r *http.Request, set *commitment.Set, code string) error {
	tree := s.tree()
	d, ok := tree.Get(code)
	if !ok {
		return notFound("err.unknown_region", code)
	}
	asOf := latestDate(set, s.today())
	ev, err := s.evaluation(r.Context(), set, asOf)
	if err != nil {
		return err
	}
	lang := langOf(r)
	cat := s.tmpl.cat[lang]
	name := regionName(d, lang)
	p := publicPage{Page: s.newPage(r, cat.T("commit.public_title", name), ""), Set: set, SetLabel: set.Label(lang),
		Div: d, RegionName: name, DateText: asOf}
	p.AsOf = asOf
	if lang == "zh" {
		p.DateText = commitment.ChineseDate(asOf)
	}
	for _, o := range s.commit.sets {
		p.Sets = append(p.Sets, publicSet{Label: o.Label(lang), URL: publicURL(o, code), Selected: o == set})
	}
	for _, a := range tree.Ancestors(code) {
		p.Crumbs = append(p.Crumbs, crumb{Name: regionName(a, lang), URL: publicURL(set, a.Code)})
	}
	counts := map[commitment.Status]int{}
	for _, c := range set.Commitments {
		card := publicCard{No: c.No, Title: c.Label(lang)}
		for _, t := range c.Targets {
			v := newResultView(ev.Result(t, code), lang)
			// A gap count may point at a single facility of a small
			// county: the public page leaves gaps out.
			v.Gap = 0
			card.Targets = append(card.Targets, publicTarget{Title: t.Label(lang), R: v})
			if res := ev.Result(t, code); res != nil {
				counts[res.Status]++
			}
		}
		p.Cards = append(p.Cards, card)
	}
	for _, st := range []commitment.Status{commitment.Met, commitment.OnTrack, commitment.AtRisk, commitment.Overdue} {
		p.Counts = append(p.Counts, statusCount{Status: st.String(), Label: st.Label(lang), N: counts[st]})
	}
	for _, c := range tree.Children(code) {
		ch := publicChild{Name: regionName(c, lang), Code: c.Code, URL: publicURL(set, c.Code)}
		for _, t := range set.Targets() {
			switch res := ev.Result(t, c.Code); {
			case res == nil:
			case res.Status == commitment.Met:
				ch.Met++
				ch.Judged++
			case res.Status == commitment.OnTrack || res.Status == commitment.AtRisk || res.Status == commitment.Overdue:
				ch.Judged++
			}
		}
		p.Children = append(p.Children, ch)
	}
	return s.render(w, r, http.StatusOK, "public", p)
}
