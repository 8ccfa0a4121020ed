package importer_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

func TestImportRegions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var exported bytes.Buffer
		if _, err := importer.ExportRegions(tree, region.CountryCode, &exported, table.CSV, "zh"); err != nil {
			t.Fatal(err)
		}
		// Export → import: nothing changes.
		rep, err := importer.ImportRegions(ctx, s, tree, "regions.csv", bytes.NewReader(exported.Bytes()), importer.Options{})
		if err != nil || rep.Rows != 3210 || rep.Unchanged != 3210 {
			t.Fatalf("re-import of the export: %v rows %d unchanged %d new %d %v", err, rep.Rows, rep.Unchanged, rep.New, rep.Errors())
		}
		// A yearbook figure for a district the census does not cover.
		file := "代码,名称,常住人口,人口年份,人口说明\n330102,上城区,1400000,2023,杭州统计年鉴2024\n"
		rep, err = importer.ImportRegions(ctx, s, tree, "杭州.csv", strings.NewReader(file), importer.Options{Today: "2025-01-01"})
		if err != nil || rep.New != 1 || !rep.Committed {
			t.Fatalf("import: %v %+v", err, rep)
		}
		with, err := s.TreeWithFigures(ctx, tree)
		if err != nil {
			t.Fatal(err)
		}
		if p := with.Population("330102"); p.Source != region.Reported || p.Value != 1400000 || p.Note != "杭州统计年鉴2024" {
			t.Errorf("330102 after import: %+v", p)
		}
		// Bad rows: rejected whole, named by row and column.
		bad := "代码,名称,常住人口,人口年份\n330102,上城区,很多,2023\n330105,西湖区,900000,2023\n999999,,1,2023\n"
		rep, err = importer.ImportRegions(ctx, s, with, "bad.csv", strings.NewReader(bad), importer.Options{})
		if !errors.Is(err, importer.ErrRejected) {
			t.Fatalf("bad file: %v", err)
		}
		errs := rep.Errors()
		if len(errs) != 3 || errs[0].Row != 2 || errs[0].Column != "常住人口" || errs[1].Row != 3 || errs[1].Column != "名称" || errs[2].Row != 4 {
			t.Errorf("errors: %v", errs)
		}
		if figs, _ := s.PopulationFigures(ctx); len(figs) != 1 {
			t.Errorf("a rejected import stored figures: %v", figs)
		}
	})
}
