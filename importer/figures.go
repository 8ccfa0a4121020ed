package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// FiguresImport is the Report.Registry of an import of figures.
const FiguresImport = "figures"

// The columns of a figures file besides one per kind: the reporting unit
// (its code, and its name as a check), and the period.
var (
	figureRegionHeader = facility.Message{ZH: "地区代码", EN: "region code"}
	figureNameHeader   = facility.Message{ZH: "地区名称", EN: "region name"}
	figurePeriodHeader = facility.Message{ZH: "报告期", EN: "period"}
)

// FigureStore is what an import of figures needs of the store.
type FigureStore interface {
	SaveFiguresBatch(ctx context.Context, t *region.Tree, entries []store.FigureEntry, by store.FigureActor, opts store.FigureBatchOptions) ([]store.FigureOutcome, error)
	ReportedFigures(ctx context.Context, p figure.Period, units []string) (figure.Totals, error)
}

// FigureOptions control one import of figures.
type FigureOptions struct {
	// Partial stores the valid rows even when some are rejected.
	Partial bool
	// DryRun checks and plans the import without storing anything.
	DryRun bool
	// Submit sends every row for approval; otherwise the rows are saved
	// as drafts, to be submitted from the form.
	Submit bool
	// Confirm is the uploader's confirmation of the warnings (a value
	// more than the catalog's jump factor away from the previous
	// period's): without it such a row is rejected with the warning, so
	// that a slipped digit is looked at before it goes up for approval.
	Confirm bool
	// Allow, if set, says whether the uploader may report for the unit;
	// rows of other units are rejected.
	Allow func(region string) bool
	// Actor is who uploads, for the versions' history and the audit
	// trail.
	Actor store.FigureActor
}

// FigureHeader returns the header of a figures file in lang: the unit's
// code and name, the period, and the kinds, in catalog order. ImportFigures
// accepts it in either language.
func FigureHeader(kinds []figure.Kind, lang string) []string {
	h := []string{figureRegionHeader.In(lang), figureNameHeader.In(lang), figurePeriodHeader.In(lang)}
	for _, k := range kinds {
		h = append(h, kindHeader(k, lang))
	}
	return h
}

// kindHeader is a kind's column header: its label with the unit, as
// 专家讲座场次（场）, so that nobody types yuan into a column of ten
// thousand yuan.
func kindHeader(k figure.Kind, lang string) string {
	if u := k.UnitLabel(lang); u != "" {
		if lang == "en" {
			return k.Label(lang) + " (" + u + ")"
		}
		return k.Label(lang) + "（" + u + "）"
	}
	return k.Label(lang)
}

// unitSuffixRE matches a unit in brackets at the end of a header, which
// the column mapping ignores: 专家讲座场次（场）, Expert lectures (lectures).
var unitSuffixRE = regexp.MustCompile(`\s*[（(][^（）()]*[）)]$`)

// FigureTemplate writes a figures file to fill in, in format f: the
// header for the kinds of the period's span that any of units reports
// (every kind for a zero period), and a row per unit with its code, its
// name and the period, the values left empty.
func FigureTemplate(w io.Writer, cat *figure.Catalog, f table.Format, lang string, p figure.Period, units []region.Division) error {
	var kinds []figure.Kind
	for _, k := range cat.Kinds {
		if !p.IsZero() && k.Period != p.Span {
			continue
		}
		if len(units) > 0 && !slices.ContainsFunc(units, k.ReportedBy) {
			continue
		}
		kinds = append(kinds, k)
	}
	sheet := map[bool]string{true: "Figures", false: "上报数据"}[lang == "en"]
	numeric := make([]bool, 3+len(kinds))
	for i := range kinds {
		numeric[3+i] = true
	}
	tw, err := table.NewWriter(w, f, sheet, table.WithNumericColumns(numeric))
	if err != nil {
		return err
	}
	if err := tw.Write(FigureHeader(kinds, lang)); err != nil {
		return err
	}
	if !p.IsZero() {
		for _, d := range units {
			name := d.Name
			if lang == "en" {
				name = d.NameEn
			}
			row := make([]string, 3+len(kinds))
			row[0], row[1], row[2] = d.Code, name, p.String()
			if err := tw.Write(row); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// figureColumn maps a column of a figures file: kind >= 0 is the index of
// a catalog kind; the others are the fixed columns.
type figureColumn struct {
	header string
	kind   int
}

const (
	fcolRegion = -1 - iota
	fcolName
	fcolPeriod
	fcolIgnored
)

// mapFigureHeader matches a figures file's header: the fixed columns and
// the kinds by Chinese or English label (with or without the unit in
// brackets) or code. The error columns of a rejects file are ignored.
func mapFigureHeader(cat *figure.Catalog, file string, header []string) ([]figureColumn, error) {
	cols := make([]figureColumn, len(header))
	seen := map[int]string{}
	var unknown []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		c := figureColumn{header: h, kind: fcolIgnored}
		bare := unitSuffixRE.ReplaceAllString(h, "")
		switch {
		case matches(h, figureRegionHeader, "region"):
			c.kind = fcolRegion
		case matches(h, figureNameHeader, "name"):
			c.kind = fcolName
		case matches(h, figurePeriodHeader, "period"):
			c.kind = fcolPeriod
		case isErrorHeader(h) || h == "":
		default:
			c.kind = slices.IndexFunc(cat.Kinds, func(k figure.Kind) bool {
				m := facility.Message{ZH: k.ZH, EN: k.EN}
				return matches(h, m, k.Code) || matches(bare, m, k.Code)
			})
			if c.kind < 0 {
				unknown = append(unknown, h)
				c.kind = fcolIgnored
			}
		}
		if c.kind != fcolIgnored {
			if prev, dup := seen[c.kind]; dup {
				return nil, fmt.Errorf("%s: columns %q and %q are the same field", file, prev, h)
			}
			seen[c.kind] = h
		}
		cols[i] = c
	}
	var missing []string
	for _, m := range []struct {
		col int
		msg facility.Message
	}{{fcolRegion, figureRegionHeader}, {fcolPeriod, figurePeriodHeader}} {
		if _, ok := seen[m.col]; !ok {
			missing = append(missing, m.msg.ZH+"/"+m.msg.EN)
		}
	}
	kinds := 0
	for k := range seen {
		if k >= 0 {
			kinds++
		}
	}
	if kinds == 0 {
		missing = append(missing, "指标项/a column per kind of figure")
	}
	if err := headerError(file, "figures", unknown, missing); err != nil {
		return nil, err
	}
	return cols, nil
}

// figureRow is a row read and parsed, on its way to validation.
type figureRow struct {
	line  int
	cells []string
	unit  region.Division
	entry store.FigureEntry
}

// ImportFigures reads the figures file name (contents r): one row per
// unit and period, one column per kind, an empty cell meaning "not
// reported in this row". Every row is parsed, checked against the
// hierarchy and the uploader's area, and validated with rules against the
// unit's previous period (the jump check), then all rows go to the store
// in one transaction: all or nothing, or with opts.Partial the valid rows,
// the rejected ones handed back in the report (WriteRejects) with the row
// as Excel shows it, the column and the reason. Rows the store refuses (a
// version awaiting approval, which changes only once returned) are
// rejected the same way.
//
// It returns ErrRejected (with the report) when rows were rejected and
// opts.Partial is false; other errors concern the file as a whole or the
// store, and nothing is stored then either. Importing the same file twice
// changes nothing the second time.
func ImportFigures(ctx context.Context, st FigureStore, t *region.Tree, rules *figure.Rules, name string, r io.Reader, opts FigureOptions) (*Report, error) {
	start := time.Now()
	rd, rep, err := open(FiguresImport, name, r, Options{Partial: opts.Partial, DryRun: opts.DryRun})
	if rd == nil || err != nil {
		return rep, err
	}
	defer rd.Close()
	cat := rules.Catalog()
	cols, err := mapFigureHeader(cat, name, rep.Header)
	if err != nil {
		return rep, err
	}
	header := func(kind int) string {
		for _, c := range cols {
			if c.kind == kind {
				return c.header
			}
		}
		return ""
	}
	var rows []figureRow
	seen := map[string]int{}
	for {
		cells, line, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if bad, ok := unreadable(name, cells, err); ok {
			rep.Rows++
			rep.Rejected = append(rep.Rejected, bad)
			continue
		}
		if err != nil {
			return rep, err
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Rows++
		row, errs := parseFigureRow(t, cat, name, cols, cells, line, opts.Allow)
		if len(errs) == 0 {
			k := row.entry.Region + "|" + row.entry.Period.String()
			if prev, dup := seen[k]; dup {
				errs = append(errs, RowError{File: name, Row: line, Column: header(fcolPeriod), Value: row.entry.Period.String(),
					Msg: facility.Message{ZH: fmt.Sprintf("与第%d行的地区和报告期重复", prev), EN: fmt.Sprintf("same unit and period as row %d", prev)}})
			} else {
				seen[k] = line
			}
		}
		if len(errs) > 0 {
			rep.Rejected = append(rep.Rejected, Rejected{Row: line, Cells: cells, Errors: errs})
			continue
		}
		rows = append(rows, row)
	}
	if rep.Rows == 0 {
		return rep, fmt.Errorf("%s: no rows below the header (表头下没有数据)", name)
	}

	// The jump check compares with each unit's previous period: one
	// query per previous period, not per row.
	prevOf := map[figure.Period][]string{}
	for _, row := range rows {
		p := row.entry.Period.Prev()
		prevOf[p] = append(prevOf[p], row.entry.Region)
	}
	previous := map[figure.Period]figure.Totals{}
	for p, units := range prevOf {
		if previous[p], err = st.ReportedFigures(ctx, p, units); err != nil {
			return rep, err
		}
	}
	var entries []store.FigureEntry
	var kept []figureRow
	for _, row := range rows {
		problems := rules.Validate(figure.Input{Unit: row.unit, Period: row.entry.Period, Values: row.entry.Values,
			Previous: previous[row.entry.Period.Prev()][row.entry.Region]})
		var errs []RowError
		for _, p := range problems {
			if p.Warning && opts.Confirm {
				continue
			}
			col := ""
			if i := slices.IndexFunc(cat.Kinds, func(k figure.Kind) bool { return k.Code == p.Field }); i >= 0 {
				col = header(i)
			}
			msg := facility.Message{ZH: p.ZH, EN: p.EN}
			if p.Warning {
				msg.ZH += "（如数据无误，请勾选“确认变化”后重新上传）"
				msg.EN += " (if the figure is right, upload again with the change confirmed)"
			}
			errs = append(errs, RowError{File: name, Row: row.line, Column: col, Value: p.Value, Msg: msg})
		}
		if len(errs) > 0 {
			rep.Rejected = append(rep.Rejected, Rejected{Row: row.line, Cells: row.cells, Errors: errs})
			continue
		}
		row.entry.Submit = opts.Submit
		row.entry.Confirmed = opts.Confirm
		entries = append(entries, row.entry)
		kept = append(kept, row)
	}
	byRow := func(a, b Rejected) int { return a.Row - b.Row }
	slices.SortStableFunc(rep.Rejected, byRow)
	if len(rep.Rejected) > 0 && !opts.Partial {
		rep.Duration = time.Since(start)
		return rep, ErrRejected
	}
	if len(entries) == 0 {
		rep.Duration = time.Since(start)
		rep.Committed = !opts.DryRun // nothing to store, nothing lost
		return rep, nil
	}
	out, err := st.SaveFiguresBatch(ctx, t, entries, opts.Actor, store.FigureBatchOptions{Partial: opts.Partial, DryRun: opts.DryRun})
	if err != nil && !errors.Is(err, store.ErrFiguresRefused) {
		return rep, err
	}
	for i, o := range out {
		row := kept[i]
		if o.Err != nil {
			rep.Rejected = append(rep.Rejected, Rejected{Row: row.line, Cells: row.cells, Errors: []RowError{{
				File: name, Row: row.line, Column: header(fcolPeriod), Value: row.entry.Period.String(), Msg: refusalMessage(o.Err)}}})
			continue
		}
		change := facility.Unchanged
		switch o.Change {
		case store.FigureNew:
			change = facility.New
			rep.New++
		case store.FigureChanged:
			change = facility.Changed
			rep.Changed++
		default:
			rep.Unchanged++
			continue
		}
		if len(rep.Changes) < 1000 {
			rep.Changes = append(rep.Changes, RowChange{Row: row.line, Code: row.entry.Region + " " + row.entry.Period.String(), Change: change})
		}
	}
	slices.SortStableFunc(rep.Rejected, byRow)
	rep.Duration = time.Since(start)
	if errors.Is(err, store.ErrFiguresRefused) {
		return rep, ErrRejected
	}
	rep.Committed = !opts.DryRun
	return rep, nil
}

// refusalMessage says why the store refused a row.
func refusalMessage(err error) facility.Message {
	switch {
	case errors.Is(err, figure.ErrUnderReview):
		return facility.Message{ZH: "该期数据正在审核中，须审核人退回后才能修改", EN: "these figures await approval: they can be changed once returned"}
	case errors.Is(err, figure.ErrLocked):
		return facility.Message{ZH: "该期数据已审核通过并锁定", EN: "these figures are approved and locked"}
	}
	return facility.Message{ZH: "无法保存：" + err.Error(), EN: "cannot be saved: " + err.Error()}
}

// parseFigureRow reads one row: the unit, the period and the values.
func parseFigureRow(t *region.Tree, cat *figure.Catalog, file string, cols []figureColumn, cells []string, line int, allow func(string) bool) (figureRow, []RowError) {
	row := figureRow{line: line, cells: cells, entry: store.FigureEntry{Values: map[string]float64{}}}
	var errs []RowError
	bad := func(col, value string, m facility.Message) {
		errs = append(errs, RowError{File: file, Row: line, Column: col, Value: value, Msg: m})
	}
	if len(cells) > len(cols) {
		for _, c := range cells[len(cols):] {
			if c != "" {
				bad("", "", facility.Message{ZH: fmt.Sprintf("比表头多出单元格（表头%d列）", len(cols)), EN: fmt.Sprintf("more cells than the header's %d columns", len(cols))})
				break
			}
		}
	}
	name, nameCol := "", ""
	for i, c := range cols {
		text := ""
		if i < len(cells) {
			text = cells[i]
		}
		switch {
		case c.kind == fcolRegion:
			d, ok := t.Get(text)
			switch {
			case !ok:
				bad(c.header, text, facility.Message{ZH: "未知地区代码", EN: "unknown region code"})
			case allow != nil && !allow(text):
				bad(c.header, text, outsideArea)
			default:
				row.unit, row.entry.Region = d, d.Code
			}
		case c.kind == fcolName:
			name, nameCol = text, c.header
		case c.kind == fcolPeriod:
			p, err := figure.ParsePeriod(text)
			if err != nil {
				bad(c.header, text, facility.Message{ZH: "不是报告期：应写作 2025-03（月）、2025-Q1（季度）或 2025（年）",
					EN: "not a period: write 2025-03 (month), 2025-Q1 (quarter) or 2025 (year)"})
				continue
			}
			row.entry.Period = p
		case c.kind >= 0:
			if text == "" {
				continue
			}
			v, p := figure.ParseValue(text)
			if p != nil {
				bad(c.header, text, facility.Message{ZH: p.ZH, EN: p.EN})
				continue
			}
			row.entry.Values[cat.Kinds[c.kind].Code] = v
		}
	}
	if name != "" && row.entry.Region != "" && name != row.unit.Name && !strings.EqualFold(name, row.unit.NameEn) {
		bad(nameCol, name, facility.Message{ZH: "名称与代码不符，代码 " + row.unit.Code + " 是" + row.unit.Name,
			EN: "name does not match the code: " + row.unit.Code + " is " + row.unit.NameEn})
	}
	if len(errs) == 0 && len(row.entry.Values) == 0 {
		bad("", "", facility.Message{ZH: "该行没有填写任何数据", EN: "no figures in the row"})
	}
	return row, errs
}
