package importer

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// Header returns a registry file's header in lang: the code, every field,
// the valid-from date. Import accepts it in either language.
func Header(sc *facility.Schema, lang string) []string {
	h := []string{codeHeader.In(lang)}
	for _, f := range sc.Fields {
		h = append(h, f.Label(lang))
	}
	return append(h, validFromHeader.In(lang))
}

func numericColumns(sc *facility.Schema) []bool {
	n := make([]bool, len(sc.Fields)+2)
	for i, f := range sc.Fields {
		n[i+1] = f.Kind == facility.Int
	}
	return n
}

// Row returns a record as a file row in lang.
func Row(sc *facility.Schema, r facility.Record, lang string) []string {
	row := make([]string, 0, len(sc.Fields)+2)
	row = append(row, r.Code)
	for i, f := range sc.Fields {
		row = append(row, facility.FormatValue(f, r.Values[i], lang))
	}
	return append(row, r.ValidFrom)
}

// Source is what an export reads from the store.
type Source interface {
	StreamFacilities(ctx context.Context, sc *facility.Schema, q store.Query, fn func(facility.Record) error) error
}

// Export writes the facilities of sc matching q (each in the version in
// effect on q.AsOf) to w, streaming: rows go out as the store returns them.
// Reading the store runs in its own goroutine, overlapping the writer (for
// XLSX the slower half: excelize's SetRow). It returns the rows written.
func Export(ctx context.Context, src Source, sc *facility.Schema, q store.Query, w io.Writer, f table.Format, lang string) (int, error) {
	tw, err := table.NewWriter(w, f, sc.Label(lang), table.WithNumericColumns(numericColumns(sc)))
	if err != nil {
		return 0, err
	}
	if err := tw.Write(Header(sc, lang)); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const chunk = 512
	batches := make(chan [][]string, 4)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([][]string, 0, chunk)
		send := func() error {
			select {
			case batches <- batch:
				batch = make([][]string, 0, chunk)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := src.StreamFacilities(ctx, sc, q, func(r facility.Record) error {
			if batch = append(batch, Row(sc, r, lang)); len(batch) == chunk {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		readErr <- err
	}()
	n := 0
	for batch := range batches {
		for _, row := range batch {
			if err := tw.Write(row); err != nil {
				cancel()
				for range batches {
				}
				return n, err
			}
			n++
		}
	}
	if err := <-readErr; err != nil {
		return n, fmt.Errorf("export %s: %w", sc.Name, err)
	}
	return n, tw.Close()
}

// Template writes an empty file of the registry: the header row, which
// is all an import needs to recognise the columns.
func Template(w io.Writer, sc *facility.Schema, f table.Format, lang string) error {
	tw, err := table.NewWriter(w, f, sc.Label(lang))
	if err != nil {
		return err
	}
	if err := tw.Write(Header(sc, lang)); err != nil {
		return err
	}
	return tw.Close()
}

// WriteRejects writes the rejected rows of rep as a file in format f: the
// original header and cells followed by three columns saying where and why
// (source row, field, reason). Fixed, the file can be imported again: the
// error columns are ignored then.
func WriteRejects(w io.Writer, rep *Report, f table.Format, lang string) error {
	tw, err := table.NewWriter(w, f, "rejected")
	if err != nil {
		return err
	}
	width := len(rep.Header)
	head := append([]string{}, rep.Header...)
	for _, m := range errorHeaders {
		head = append(head, m.In(lang))
	}
	if err := tw.Write(head); err != nil {
		return err
	}
	for _, rj := range rep.Rejected {
		row := make([]string, width, width+3)
		copy(row, rj.Cells)
		var fields, reasons []string
		for _, e := range rj.Errors {
			fields = append(fields, e.Column)
			reason := e.Msg.In(lang)
			if e.Value != "" {
				reason = strconv.Quote(e.Value) + ": " + reason
			}
			reasons = append(reasons, reason)
		}
		row = append(row, strconv.Itoa(rj.Row), strings.Join(fields, "; "), strings.Join(reasons, "; "))
		if err := tw.Write(row); err != nil {
			return err
		}
	}
	return tw.Close()
}

// RegionHeader is the header of the regions file.
func RegionHeader(lang string) []string {
	if lang == "en" {
		return []string{"code", "name", "name_en", "level", "kind", "parent", "population", "population_source", "population_year", "population_note"}
	}
	return []string{"代码", "名称", "英文名称", "级别", "类型", "上级代码", "常住人口", "人口来源", "人口年份", "人口说明"}
}

// ExportRegions writes the administrative units within root (the whole
// country for region.CountryCode), each with its resident population and
// where the figure comes from: census, a sum of the units below, or missing.
func ExportRegions(t *region.Tree, root string, w io.Writer, f table.Format, lang string) (int, error) {
	if _, ok := t.Get(root); !ok {
		return 0, fmt.Errorf("export regions: unknown region %q", root)
	}
	tw, err := table.NewWriter(w, f, map[bool]string{true: "Regions", false: "行政区划"}[lang == "en"],
		table.WithNumericColumns([]bool{false, false, false, false, false, false, true, false, true, false}))
	if err != nil {
		return 0, err
	}
	if err := tw.Write(RegionHeader(lang)); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range t.All() {
		if root != region.CountryCode && !t.Contains(root, d.Code) {
			continue
		}
		p := t.Population(d.Code)
		pop, year := "", ""
		if p.Source != region.Missing {
			pop = strconv.FormatInt(p.Value, 10)
			year = strconv.Itoa(p.Year)
		}
		row := []string{d.Code, d.Name, d.NameEn, d.Level.Label(lang), d.Kind.Label(lang), d.Parent, pop, p.Source.Label(lang), year, p.Note}
		if err := tw.Write(row); err != nil {
			return n, err
		}
		n++
	}
	return n, tw.Close()
}
