package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
)

// searchLimit is how many hits of each kind the search page lists; the
// registry lists behind "all N" have the rest.
const searchLimit = 20

// searchCountCap is where the search page stops counting a registry's
// hits and says "more than 1000": the exact number of facilities whose
// name holds "医院" costs a pass over the whole registry, and the list
// behind "all" counts them exactly anyway.
const searchCountCap = 1000

type regionHit struct {
	Div       region.Division
	URL       string
	Ancestors string
}

type facilityHit struct {
	Code, Name, URL string
	Region          string
}

type registryHits struct {
	Label string
	Total int
	// Capped says that more than Total match (Total is searchCountCap).
	Capped bool
	More   string
	Hits   []facilityHit
}

type searchPage struct {
	Page
	Q          string
	Regions    []regionHit
	Registries []registryHits
	Empty      bool
}

// searchPage finds units by name, pinyin or code, and facilities of every
// registry by name or code.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) error {
	lang := langOf(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	asOf, err := s.parseAsOf(r, "as_of")
	if err != nil {
		return err
	}
	p := searchPage{Page: s.newPage(r, s.tmpl.cat[lang].T("search.title"), "search"), Q: q}
	p.Query = q
	p.AsOf = asOf
	if q == "" {
		return s.render(w, r, http.StatusOK, "search", p)
	}
	asOfQ := s.asOfParam(asOf)
	pr := principalOf(r)
	for _, d := range s.tree().Search(q, searchLimit) {
		if !inScope(s.tree(), pr, d.Code) {
			continue
		}
		var names []string
		for _, a := range s.tree().Ancestors(d.Code) {
			if a.Level > region.Country {
				names = append(names, regionName(a, lang))
			}
		}
		p.Regions = append(p.Regions, regionHit{Div: d, URL: link("/regions/"+d.Code, "as_of", asOfQ), Ancestors: strings.Join(names, " › ")})
	}
	regs := facility.Registries()
	results := make([]registryHits, len(regs))
	err = parallel(len(regs), func(i int) error {
		sc := regs[i]
		recs, total, err := s.facilities(r.Context(), pr, sc, store.Query{AsOf: asOf, Text: q, Limit: searchLimit, CountCap: searchCountCap})
		if err != nil {
			return err
		}
		rh := registryHits{Label: sc.Label(lang), Total: min(total, searchCountCap), Capped: total > searchCountCap,
			More: link("/facilities/"+sc.Name, "q", q, "as_of", asOfQ)}
		for _, rec := range recs {
			h := facilityHit{Code: rec.Code, Name: rec.String(sc, "name"),
				URL: link("/facilities/"+sc.Name+"/"+url.PathEscape(rec.Code), "as_of", asOfQ)}
			if d, ok := s.tree().Get(rec.Region(sc)); ok {
				h.Region = regionName(d, lang)
			}
			rh.Hits = append(rh.Hits, h)
		}
		results[i] = rh
		return nil
	})
	if err != nil {
		return err
	}
	for _, rh := range results {
		if rh.Total > 0 {
			p.Registries = append(p.Registries, rh)
		}
	}
	p.Empty = len(p.Regions) == 0 && len(p.Registries) == 0
	return s.render(w, r, http.StatusOK, "search", p)
}
