package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

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
