package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
)

// RegionStore is what a regions import needs of the store.
type RegionStore interface {
	PutPopulationFigures(ctx context.Context, figs []region.Figure, now string) error
}

// ImportRegions reads population figures for administrative units: the
// regions file that ExportRegions writes, edited (a newer yearbook figure,
// an estimate where the census has none), or any file with the code and
// population columns. The units themselves are the national standard and
// are not changed by an import. A row whose figure equals the one in effect
// is unchanged, so an exported file imports without change.
func ImportRegions(ctx context.Context, st RegionStore, t *region.Tree, name string, r io.Reader, opts Options) (*Report, error) {
	start := time.Now()
	rd, rep, err := open("regions", name, r, opts)
	if rd == nil || err != nil {
		return rep, err
	}
	defer rd.Close()
	zh, en := RegionHeader("zh"), RegionHeader("en")
	col := map[string]int{}
	for i, h := range rep.Header {
		for j := range zh {
			if h == zh[j] || strings.EqualFold(h, en[j]) {
				col[en[j]] = i
			}
		}
	}
	for _, need := range []string{"code", "population"} {
		if _, ok := col[need]; !ok {
			return rep, fmt.Errorf("%s: row 1: missing column %q (缺少列 %s)", name, need, zh[indexOf(en, need)])
		}
	}
	if opts.MaxChanges == 0 {
		opts.MaxChanges = 1000
	}
	cell := func(cells []string, key string) string {
		if i, ok := col[key]; ok && i < len(cells) {
			return cells[i]
		}
		return ""
	}
	var figs []region.Figure
	seen := map[string]int{}
	for {
		cells, line, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if bad, ok := unreadable(name, cells, err); ok {
				rep.Rows++
				rep.Rejected = append(rep.Rejected, bad)
				continue
			}
			return rep, err
		}
		rep.Rows++
		var errs []RowError
		bad := func(key, value string, m facility.Message) {
			errs = append(errs, RowError{File: name, Row: line, Column: rep.Header[col[key]], Value: value, Msg: m})
		}
		code := cell(cells, "code")
		d, ok := t.Get(code)
		if !ok || code == region.CountryCode {
			bad("code", code, facility.Message{ZH: "未知地区代码", EN: "unknown region code"})
		} else if opts.Allow != nil && !opts.Allow("", code) {
			bad("code", code, outsideArea)
		} else if n := cell(cells, "name"); n != "" && n != d.Name {
			bad("name", n, facility.Message{ZH: "名称与代码不符，代码 " + code + " 是" + d.Name, EN: "name does not match the code: " + code + " is " + d.NameEn})
		}
		popText := cell(cells, "population")
		if popText == "" {
			// No figure given: nothing to say about this unit.
			if len(errs) > 0 {
				rep.Rejected = append(rep.Rejected, Rejected{Row: line, Cells: cells, Errors: errs})
			} else {
				rep.Unchanged++
			}
			continue
		}
		pop, perr := strconv.ParseInt(strings.TrimSuffix(popText, ".0"), 10, 64)
		if perr != nil || pop < 0 || pop > 2_000_000_000 {
			bad("population", popText, facility.Message{ZH: "常住人口应为0至20亿之间的整数", EN: "population must be a whole number from 0 to 2,000,000,000"})
		}
		year := 0
		if y := cell(cells, "population_year"); y != "" {
			var yerr error
			year, yerr = strconv.Atoi(y)
			if yerr != nil || year < 1950 || year > 2100 {
				bad("population_year", y, facility.Message{ZH: "年份应在1950至2100之间", EN: "year must be from 1950 to 2100"})
			}
		} else {
			bad("population", popText, facility.Message{ZH: "填写人口时须注明人口年份", EN: "a population figure needs its year"})
		}
		if prev, dup := seen[code]; dup && code != "" {
			bad("code", code, facility.Message{ZH: fmt.Sprintf("与第%d行重复", prev), EN: fmt.Sprintf("same unit as row %d", prev)})
		}
		if len(errs) > 0 {
			rep.Rejected = append(rep.Rejected, Rejected{Row: line, Cells: cells, Errors: errs})
			continue
		}
		seen[code] = line
		cur := t.Population(code)
		if cur.Source != region.Missing && cur.Value == pop && cur.Year == year {
			rep.Unchanged++
			continue
		}
		change := facility.New
		if cur.Source == region.Reported {
			change = facility.Changed
			rep.Changed++
		} else {
			rep.New++
		}
		if len(rep.Changes) < opts.MaxChanges {
			var from any
			if cur.Source != region.Missing {
				from = cur.Value
			}
			rep.Changes = append(rep.Changes, RowChange{Row: line, Code: code, Change: change,
				Diff: []facility.FieldChange{{Field: "population", From: from, To: pop}}})
		}
		figs = append(figs, region.Figure{Code: code, Value: pop, Year: year, Note: cell(cells, "population_note")})
		if opts.Progress != nil && rep.Rows%1000 == 0 {
			opts.Progress(rep.Rows)
		}
	}
	rep.Duration = time.Since(start)
	if rep.Rows == 0 {
		return rep, fmt.Errorf("%s: no rows below the header (表头下没有数据)", name)
	}
	if len(rep.Rejected) > 0 && !opts.Partial {
		return rep, ErrRejected
	}
	if opts.DryRun {
		return rep, nil
	}
	if len(figs) == 0 {
		rep.Committed = true // nothing to store, nothing lost
		return rep, nil
	}
	today := opts.Today
	if today == "" {
		today = time.Now().UTC().Format(time.RFC3339)
	}
	if err := st.PutPopulationFigures(ctx, figs, today); err != nil {
		return rep, err
	}
	rep.Committed = true
	return rep, nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}
