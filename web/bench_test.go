package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/demo"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store/storetest"
)

// benchHospitals is about the national number of hospitals, spread over
// every unit where facilities are registered.
const benchHospitals = 38000

// BenchmarkPages times the pages that summarise or list a national
// registry, on a store of national size: they must stay one grouped query
// per registry, and paginated.
func BenchmarkPages(b *testing.B) {
	st := storetest.OpenSQLite(b)
	var units []string
	for _, d := range tree.All() {
		if tree.CountyLevelOrStandalone(d.Code) {
			units = append(units, d.Code)
		}
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(importer.Header(facility.Hospitals, "en"), ",") + "\n")
	grades := []string{"3", "2", "1", "0"}
	for i := range benchHospitals {
		fmt.Fprintf(&csv, "B%06d,Hospital %d,%s,%s,general,public,own,yes,10,2,5,no,no,no,0,0,0,0,no,no,2024-01-01\n",
			i, i, units[i%len(units)], grades[i%len(grades)])
	}
	rep, err := importer.Import(context.Background(), st, tree, facility.Hospitals, "bench.csv", strings.NewReader(csv.String()), importer.Options{Today: today})
	if err != nil {
		b.Fatalf("seed: %v %v", err, rep.Errors())
	}
	h := newHandler(b, st)
	for _, path := range []string{
		"/regions/" + region.CountryCode,
		"/regions/410000",
		"/facilities/hospitals",
		"/facilities/hospitals?region=410000&grade=3&page=3",
		"/facilities/hospitals?page=700",
		"/search?q=Hospital%201234",
		"/api/regions/000000/children",
	} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			for b.Loop() {
				if r := do(b, h, "GET", path, nil); r.status != http.StatusOK {
					b.Fatalf("%s: %d", path, r.status)
				}
			}
		})
	}
}

// demoHandler loads the national demo data set into a fresh store of the
// given kind ("sqlite" or "postgres") and returns the handler of a server
// over it acting for a national user; it skips without PostgreSQL.
func demoHandler(b *testing.B, kind string) http.Handler {
	b.Helper()
	st := storetest.OpenSQLite(b)
	if kind == "postgres" {
		st = storetest.OpenPostgres(b)
	}
	if _, err := demo.Load(context.Background(), st, tree, demo.Options{}, nil); err != nil {
		b.Fatalf("load demo: %v", err)
	}
	return newHandler(b, st)
}

// BenchmarkSearch times the search page on the national demo data (about
// 210,000 facilities in effect) for a national user, the widest scope:
// terms as the load test sends them (a county's name, a hospital's name),
// a code prefix, a term most facilities contain, and one- and
// two-character terms no trigram index can serve.
func BenchmarkSearch(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			h := demoHandler(b, kind)
			for _, q := range []string{"中牟县", "中牟县人民医院", "H410122", "人民医院", "卫生院", "医院", "和县", "zzzzzz"} {
				path := "/search?q=" + url.QueryEscape(q)
				b.Run(q, func(b *testing.B) {
					for b.Loop() {
						if r := do(b, h, "GET", path, nil); r.status != http.StatusOK {
							b.Fatalf("%s: %d", path, r.status)
						}
					}
				})
			}
		})
	}
}

// BenchmarkRegionPage times the region page and the children API at
// country and province level on the national demo data: "same date" asks
// the same date every time (what the load test does), "new date" a date
// not asked before at every iteration.
func BenchmarkRegionPage(b *testing.B) {
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			h := demoHandler(b, kind)
			day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			for _, path := range []string{"/regions/000000", "/regions/410000", "/api/regions/000000/children"} {
				for _, fresh := range []bool{false, true} {
					name := strings.TrimPrefix(path, "/") + "/same date"
					if fresh {
						name = strings.TrimPrefix(path, "/") + "/new date"
					}
					b.Run(name, func(b *testing.B) {
						for b.Loop() {
							p := path
							if fresh {
								day = day.AddDate(0, 0, 1)
								p += "?as_of=" + day.Format(time.DateOnly)
							}
							if r := do(b, h, "GET", p, nil); r.status != http.StatusOK {
								b.Fatalf("%s: %d", p, r.status)
							}
						}
					})
				}
			}
		})
	}
}
