// Package importer turns the rows of a user's CSV or Excel file into
// registry records and stores them: one transaction for the whole file
// (all rows or none), or, when the user asks for it, the valid rows with the
// rejected ones handed back as a file to fix and upload again. A dry run
// shows what an import would do — rows new, changed field by field,
// unchanged, rejected — without writing. The exporter beside it writes the
// same columns, so an exported file imports without change.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// Options control one import.
type Options struct {
	// Partial stores the valid rows even when some are rejected.
	Partial bool
	// DryRun plans the import and reports it without writing anything.
	DryRun bool
	// Today is the date used for rows without a valid-from date; the zero
	// value means the current date in China (UTC+8).
	Today string
	// Progress, if set, is called with the number of rows read so far.
	Progress func(rows int)
	// MaxChanges bounds how many changed/new rows the report lists one by
	// one (the counts are always complete); 0 means 1000.
	MaxChanges int
	// Allow, if set, says whether the importing user may write a facility
	// with this code in this region (for the regions import: region only,
	// code empty). Rows outside it are rejected, and so are rows for an
	// existing facility whose latest version lies outside it, so that a
	// county clerk cannot move a neighbour's hospital into their county.
	Allow func(code, region string) bool
}

var outsideArea = facility.Message{ZH: "不在您的管辖范围内", EN: "outside your area"}

// ErrRejected is returned when rows were rejected and the import was not
// partial, so nothing was stored.
var ErrRejected = errors.New("rows rejected: nothing stored")

// RowError is one problem in one row of the user's file.
type RowError struct {
	File   string
	Row    int    // as Excel shows it: the header is row 1
	Column string // the header as written in the file, or the field's label
	Value  string
	Msg    facility.Message
}

// Error prints `医院.xlsx: row 14: 儿科床位 "十二": not a whole number`.
func (e RowError) Error() string { return e.In("en") }

// In prints the error in lang.
func (e RowError) In(lang string) string {
	var b strings.Builder
	b.WriteString(e.File)
	if lang == "en" {
		fmt.Fprintf(&b, ": row %d", e.Row)
	} else {
		fmt.Fprintf(&b, ": 第%d行", e.Row)
	}
	if e.Column != "" {
		b.WriteString(": ")
		b.WriteString(e.Column)
		if e.Value != "" {
			fmt.Fprintf(&b, " %q", e.Value)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg.In(lang))
	return b.String()
}

// Rejected is a row that was not stored, with its cells as read.
type Rejected struct {
	Row    int
	Cells  []string
	Errors []RowError
}

// RowChange is a row that adds or changes a facility.
type RowChange struct {
	Row    int
	Code   string
	Change facility.Change
	Diff   []facility.FieldChange
}

// Report says what an import did or, for a dry run, would do.
type Report struct {
	File, Registry string
	Format         table.Format
	Encoding       string
	Header         []string
	Rows           int
	New, Changed   int
	Unchanged      int
	Rejected       []Rejected
	Changes        []RowChange // the first MaxChanges new or changed rows
	Committed      bool
	DryRun         bool
	Partial        bool
	Duration       time.Duration
}

// Errors returns every row error of the report.
func (r *Report) Errors() []RowError {
	var out []RowError
	for _, rj := range r.Rejected {
		out = append(out, rj.Errors...)
	}
	return out
}

// batchSize is how many rows go to the store at once: large enough that
// per-batch lookups and statements cost little per row, small enough that a
// batch's records stay a few MB.
const batchSize = 5000

// column maps a file column to a record field: field is -1 for the code,
// -2 for the valid-from date, -3 for an ignored column.
type column struct {
	header string
	field  int
}

const (
	colCode = -1 - iota
	colValidFrom
	colIgnored
)

// Headers of the code and date columns and of the error columns that a
// rejects file carries (ignored when the file comes back).
var (
	codeHeader      = facility.Message{ZH: "机构代码", EN: "code"}
	validFromHeader = facility.Message{ZH: "生效日期", EN: "valid from"}
	errorHeaders    = []facility.Message{{ZH: "原行号", EN: "source row"}, {ZH: "错误字段", EN: "error field"}, {ZH: "错误原因", EN: "error reason"}}
)

// mapHeader matches the file's header cells to fields. Chinese and English
// headers are accepted, and the field keys too.
func mapHeader(sc *facility.Schema, file string, header []string) ([]column, error) {
	cols := make([]column, len(header))
	seen := map[int]string{}
	var unknown []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		c := column{header: h, field: colIgnored}
		switch {
		case matches(h, codeHeader, "code"):
			c.field = colCode
		case matches(h, validFromHeader, "valid_from"):
			c.field = colValidFrom
		case isErrorHeader(h) || h == "":
		default:
			c.field = -100
			for j, f := range sc.Fields {
				if matches(h, facility.Message{ZH: f.ZH, EN: f.EN}, f.Key) {
					c.field = j
				}
			}
			if c.field == -100 {
				unknown = append(unknown, h)
				c.field = colIgnored
			}
		}
		if c.field != colIgnored {
			if prev, dup := seen[c.field]; dup {
				return nil, fmt.Errorf("%s: columns %q and %q are the same field", file, prev, h)
			}
			seen[c.field] = h
		}
		cols[i] = c
	}
	var missing []string
	if _, ok := seen[colCode]; !ok {
		missing = append(missing, codeHeader.ZH+"/"+codeHeader.EN)
	}
	for j, f := range sc.Fields {
		if _, ok := seen[j]; !ok && f.Required {
			missing = append(missing, f.ZH+"/"+f.EN)
		}
	}
	if err := headerError(file, sc.Name, unknown, missing); err != nil {
		return nil, err
	}
	return cols, nil
}

// headerError is the error of a header with unknown or missing columns,
// naming the template (what) to download; nil when there are none.
func headerError(file, what string, unknown, missing []string) error {
	if len(unknown) == 0 && len(missing) == 0 {
		return nil
	}
	var parts []string
	if len(unknown) > 0 {
		parts = append(parts, fmt.Sprintf("unknown columns %q (未知列)", unknown))
	}
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("missing columns %q (缺少必填列)", missing))
	}
	return fmt.Errorf("%s: row 1: %s; download the %s template for the expected columns", file, strings.Join(parts, "; "), what)
}

// unreadable turns err, when it is a row the reader could not decode
// (the reader goes on after it), into that row's rejection.
func unreadable(file string, cells []string, err error) (Rejected, bool) {
	var te *table.Error
	if !errors.As(err, &te) || te.Line <= 0 {
		return Rejected{}, false
	}
	return Rejected{Row: te.Line, Cells: cells, Errors: []RowError{{File: file, Row: te.Line,
		Msg: facility.Message{ZH: "无法读取该行：" + te.Msg, EN: "cannot read the row: " + te.Msg}}}}, true
}

func matches(h string, m facility.Message, key string) bool {
	return h == m.ZH || strings.EqualFold(h, m.EN) || strings.EqualFold(h, key)
}

func isErrorHeader(h string) bool {
	for _, m := range errorHeaders {
		if matches(h, m, "") {
			return true
		}
	}
	return false
}

// RegionChecker returns the check of region codes against the hierarchy.
func RegionChecker(t *region.Tree) facility.RegionChecker {
	return func(code string, rule facility.RegionRule) (facility.Message, bool) {
		d, ok := t.Get(code)
		if !ok || code == region.CountryCode {
			return facility.Message{ZH: "未知地区代码", EN: "unknown region code"}, false
		}
		switch rule {
		case facility.CountyLevel:
			if !t.CountyLevelOrStandalone(code) {
				return facility.Message{ZH: d.Name + "不是县级单位，请填写县级代码", EN: d.NameEn + " is not a county-level unit"}, false
			}
		case facility.PrefectureLevel:
			switch d.Kind {
			case region.KindPrefecture, region.KindPrefectureWithoutCounties, region.KindMunicipality, region.KindMunicipalDistrict:
			default:
				return facility.Message{ZH: d.Name + "不是地市级单位（或直辖市的区县）", EN: d.NameEn + " is not a prefecture-level unit or municipal district"}, false
			}
		}
		return facility.Message{}, true
	}
}

// Store is what an import needs of the store.
type Store interface {
	BeginImport(ctx context.Context, sc *facility.Schema) (*store.ImportTx, error)
}

// Import reads the file name (contents r) into the registry sc.
// It returns ErrRejected (with the report) when rows were rejected and
// opts.Partial is false; other errors concern the file as a whole or the
// store, and nothing is stored then either.
func Import(ctx context.Context, st Store, t *region.Tree, sc *facility.Schema, name string, r io.Reader, opts Options) (*Report, error) {
	start := time.Now()
	rd, rep, err := open(sc.Name, name, r, opts)
	if rd == nil || err != nil {
		return rep, err
	}
	defer rd.Close()
	cols, err := mapHeader(sc, name, rep.Header)
	if err != nil {
		return rep, err
	}
	if opts.Today == "" {
		opts.Today = time.Now().In(time.FixedZone("CST", 8*3600)).Format(facility.DateLayout)
	}
	if opts.MaxChanges == 0 {
		opts.MaxChanges = 1000
	}
	tx, err := st.BeginImport(ctx, sc)
	if err != nil {
		return rep, err
	}
	defer tx.Rollback()
	if opts.Allow != nil {
		tx.SetGuard(func(h facility.History) bool {
			last := h[len(h)-1]
			return opts.Allow(last.Code, last.Region(sc))
		})
	}

	// Reading and parsing run in their own goroutine while the store
	// writes the previous batch: on two cores the file and the database
	// work side by side.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &parser{sc: sc, file: name, cols: cols, regions: RegionChecker(t), today: opts.Today, seen: map[string]int{}, allow: opts.Allow}
	batches := make(chan batch, 2)
	go p.run(ctx, rd, batches)
	defer func() {
		cancel()
		for range batches {
		}
	}()
	for b := range batches {
		if b.err != nil {
			return rep, b.err
		}
		rep.Rows += b.rows
		rep.Rejected = append(rep.Rejected, b.rejected...)
		if len(b.recs) == 0 {
			continue
		}
		out, err := tx.Apply(ctx, b.recs)
		if err != nil {
			return rep, err
		}
		for i, o := range out {
			if o.Refused {
				rep.Rejected = append(rep.Rejected, Rejected{Row: b.lines[i], Cells: b.cells[i], Errors: []RowError{{
					File: name, Row: b.lines[i], Column: p.codeHeader(), Value: b.recs[i].Code, Msg: outsideArea}}})
				continue
			}
			switch o.Change {
			case facility.New:
				rep.New++
			case facility.Changed:
				rep.Changed++
			default:
				rep.Unchanged++
				continue
			}
			if len(rep.Changes) < opts.MaxChanges {
				rep.Changes = append(rep.Changes, RowChange{Row: b.lines[i], Code: b.recs[i].Code, Change: o.Change, Diff: o.Diff})
			}
		}
		if opts.Progress != nil {
			opts.Progress(rep.Rows)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
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
	if err := tx.Commit(ctx); err != nil {
		return rep, err
	}
	rep.Committed = true
	rep.Duration = time.Since(start)
	return rep, nil
}

// batch is a run of parsed rows on its way to the store.
type batch struct {
	recs     []facility.Record
	lines    []int      // file row of each record
	cells    [][]string // its cells, for the rejects file should the store refuse it
	rejected []Rejected
	rows     int // rows read, including rejected ones
	err      error
}

// run reads the rows of rd into batches of batchSize records and sends
// them on out, closing out at the end; an error that ends the file (a
// broken workbook) goes as the last batch's err.
func (p *parser) run(ctx context.Context, rd *table.Reader, out chan<- batch) {
	defer close(out)
	var b batch
	send := func() bool {
		select {
		case out <- b:
			b = batch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		cells, line, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if bad, ok := unreadable(p.file, cells, err); ok {
			// A row the reader could not decode; the reader goes on.
			b.rows++
			b.rejected = append(b.rejected, bad)
			continue
		}
		if err != nil {
			b.err = err
			send()
			return
		}
		b.rows++
		rec, errs := p.parse(cells, line)
		if len(errs) > 0 {
			b.rejected = append(b.rejected, Rejected{Row: line, Cells: cells, Errors: errs})
			continue
		}
		b.recs = append(b.recs, rec)
		b.lines = append(b.lines, line)
		b.cells = append(b.cells, cells)
		if len(b.recs) == batchSize && !send() {
			return
		}
	}
	if b.rows > 0 {
		send()
	}
}

// open reads the header of the file name (contents r) and starts its
// report; rd is nil when the file cannot be read at all.
func open(registry, name string, r io.Reader, opts Options) (rd *table.Reader, rep *Report, err error) {
	format, err := table.FormatFromName(name)
	if err != nil {
		return nil, nil, err
	}
	if rd, err = table.NewReader(name, r, format); err != nil {
		return nil, nil, err
	}
	rep = &Report{File: name, Registry: registry, Format: format, Encoding: rd.Encoding(), Header: rd.Header(), DryRun: opts.DryRun, Partial: opts.Partial}
	if len(rep.Header) == 0 {
		rd.Close()
		return nil, rep, fmt.Errorf("%s: the file is empty (文件为空)", name)
	}
	return rd, rep, nil
}

// parser turns rows into records.
type parser struct {
	sc      *facility.Schema
	file    string
	cols    []column
	regions facility.RegionChecker
	today   string
	seen    map[string]int // code|date → row, to reject the same version twice in one file
	allow   func(code, region string) bool
}

// codeHeader returns the file's header of the code column.
func (p *parser) codeHeader() string {
	for _, c := range p.cols {
		if c.field == colCode {
			return c.header
		}
	}
	return codeHeader.ZH
}

func (p *parser) parse(cells []string, line int) (facility.Record, []RowError) {
	rec := p.sc.Zero("", p.today)
	var errs []RowError
	bad := func(col, value string, m facility.Message) {
		errs = append(errs, RowError{File: p.file, Row: line, Column: col, Value: value, Msg: m})
	}
	if len(cells) > len(p.cols) {
		for _, c := range cells[len(p.cols):] {
			if c != "" {
				bad("", "", facility.Message{ZH: fmt.Sprintf("比表头多出单元格（表头%d列）", len(p.cols)), EN: fmt.Sprintf("more cells than the header's %d columns", len(p.cols))})
				break
			}
		}
	}
	given := make([]bool, len(p.sc.Fields))
	codeCol := ""
	for i, c := range p.cols {
		text := ""
		if i < len(cells) {
			text = cells[i] // table.Reader trims
		}
		switch {
		case c.field == colCode:
			codeCol = c.header
			rec.Code = text
			if err := facility.CheckCode(text); err != nil {
				bad(c.header, text, facility.Message{ZH: "机构代码须为1-40位字母、数字、-或_", EN: err.Error()})
			}
		case c.field == colValidFrom:
			if text != "" {
				d, err := facility.ParseDate(text)
				if err != nil {
					bad(c.header, text, facility.Message{ZH: "不是日期（YYYY-MM-DD）", EN: "not a date (YYYY-MM-DD)"})
				}
				rec.ValidFrom = d
			}
		case c.field >= 0:
			f := p.sc.Fields[c.field]
			given[c.field] = true
			v, m := facility.ParseTrimmed(f, text, p.regions)
			if m != nil {
				bad(c.header, text, *m)
				continue
			}
			rec.Values[c.field] = v
		}
	}
	if len(errs) > 0 {
		return rec, errs
	}
	for _, fe := range p.sc.CheckRules(rec) {
		col := fe.Field
		if i := p.sc.Index(fe.Field); i >= 0 {
			col = p.header(i)
		}
		bad(col, fe.Value, fe.Msg)
	}
	if p.allow != nil && len(errs) == 0 && !p.allow(rec.Code, rec.Region(p.sc)) {
		bad(p.header(p.sc.RegionField()), rec.Region(p.sc), outsideArea)
	}
	k := rec.Code + "|" + rec.ValidFrom
	if prev, ok := p.seen[k]; ok {
		bad(codeCol, rec.Code, facility.Message{
			ZH: fmt.Sprintf("与第%d行的机构代码和生效日期重复", prev),
			EN: fmt.Sprintf("same code and valid-from date as row %d", prev)})
	} else if len(errs) == 0 {
		p.seen[k] = line
	}
	return rec, errs
}

// header returns the file's header for field i.
func (p *parser) header(i int) string {
	for _, c := range p.cols {
		if c.field == i {
			return c.header
		}
	}
	return p.sc.Fields[i].ZH
}
