package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/season"
	"github.com/shishi-health/shishi/table"
)

// ConferencesImport is the Report.Registry of an import of the seasonal
// health press conferences (时令节气与健康发布会).
const ConferencesImport = "conferences"

// conferenceColumn is a column of a conferences file: its Chinese and
// English header, which is also its key.
type conferenceColumn struct {
	key string
	zh  string
}

// The columns of a conferences file, in the order the export writes them.
// The English header is the key.
var conferenceColumns = []conferenceColumn{
	{"year", "年份"},
	{"term", "节气"},
	{"date", "日期"},
	{"time", "时间"},
	{"theme", "主题"},
	{"theme_en", "英文主题"},
	{"experts", "专家"},
	{"advice", "健康提示"},
	{"advice_en", "英文健康提示"},
	{"status", "状态"},
	{"held_on", "举办日期"},
	{"recording_url", "回放链接"},
	{"reach", "传播量"},
}

// Indexes into conferenceColumns.
const (
	ccYear = iota
	ccTerm
	ccDate
	ccTime
	ccTheme
	ccThemeEN
	ccExperts
	ccAdvice
	ccAdviceEN
	ccStatus
	ccHeldOn
	ccRecording
	ccReach
	ccIgnored = -1
)

// ConferenceHeader returns the header of a conferences file in lang;
// ImportConferences accepts it in either language.
func ConferenceHeader(lang string) []string {
	h := make([]string, len(conferenceColumns))
	for i, c := range conferenceColumns {
		h[i] = c.zh
		if lang == "en" {
			h[i] = c.key
		}
	}
	return h
}

// conferenceNumeric marks the columns written as numbers in an XLSX: the
// year and the reach.
func conferenceNumeric() []bool {
	n := make([]bool, len(conferenceColumns))
	n[ccYear], n[ccReach] = true, true
	return n
}

// ConferenceRow returns a conference as a file row in lang: the term by
// its Chinese name (its pinyin in English), the panel in the one-cell
// form of conference.FormatExperts, the status by its label (its code in
// English), the reach empty when it is zero.
func ConferenceRow(c conference.Conference, lang string) []string {
	term := c.TermOf()
	name, status := term.Name, string(c.Status)
	if lang == "en" {
		name = term.Pinyin
	} else {
		for _, s := range conference.Statuses {
			if s.Code == string(c.Status) {
				status = s.ZH
			}
		}
	}
	reach := ""
	if c.Reach != 0 {
		reach = strconv.FormatInt(c.Reach, 10)
	}
	return []string{strconv.Itoa(c.Year), name, c.Date, c.Time, c.Theme, c.ThemeEN, conference.FormatExperts(c.Experts),
		c.Advice, c.AdviceEN, status, c.HeldOn, c.RecordingURL, reach}
}

func conferenceSheet(lang string) string {
	if lang == "en" {
		return "Press conferences"
	}
	return "时令节气与健康发布会"
}

// ExportConferences writes the conferences to w in format f: the header
// in lang and a row per conference. The file imports back unchanged.
func ExportConferences(w io.Writer, cs []conference.Conference, f table.Format, lang string) error {
	tw, err := table.NewWriter(w, f, conferenceSheet(lang), table.WithNumericColumns(conferenceNumeric()))
	if err != nil {
		return err
	}
	if err := tw.Write(ConferenceHeader(lang)); err != nil {
		return err
	}
	for _, c := range cs {
		if c.Term < 1 || c.Term > 24 {
			return fmt.Errorf("export conferences: conference %d has term %d", c.ID, c.Term)
		}
		if err := tw.Write(ConferenceRow(c, lang)); err != nil {
			return err
		}
	}
	return tw.Close()
}

// ConferenceTemplate writes a year's plan to fill in: the header and a
// row per solar term with the year and the term, the rest empty. A row
// left so is skipped on import: nothing is planned for that term.
func ConferenceTemplate(w io.Writer, year int, f table.Format, lang string) error {
	tw, err := table.NewWriter(w, f, conferenceSheet(lang), table.WithNumericColumns(conferenceNumeric()))
	if err != nil {
		return err
	}
	if err := tw.Write(ConferenceHeader(lang)); err != nil {
		return err
	}
	for _, t := range season.AllTerms() {
		row := make([]string, len(conferenceColumns))
		row[ccYear], row[ccTerm] = strconv.Itoa(year), t.Name
		if lang == "en" {
			row[ccTerm] = t.Pinyin
		}
		if err := tw.Write(row); err != nil {
			return err
		}
	}
	return tw.Close()
}

// ParseTerm reads a solar term as a file or a form gives it: its Chinese
// name (小雪), its pinyin with or without tone marks, in any case and
// spacing (xiǎoxuě, Xiao Xue, xiaoxue), or its number 1–24 (小寒 = 1).
func ParseTerm(s string) (season.Term, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 1 && n <= 24 {
			return season.AllTerms()[n-1], true
		}
		return season.Term{}, false
	}
	if t, ok := season.TermByName(s); ok {
		return t, true
	}
	plain := plainPinyin(s)
	if plain == "" {
		return season.Term{}, false
	}
	for _, t := range season.AllTerms() {
		if plainPinyin(t.Pinyin) == plain {
			return t, true
		}
	}
	return season.Term{}, false
}

// plainPinyin folds pinyin for comparison: lower case, no tone marks, no
// spaces, apostrophes or hyphens.
func plainPinyin(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r), unicode.IsSpace(r), r == '\'', r == '’', r == '-':
		case r == 'ü':
			b.WriteByte('v')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ConferenceStore is what an import of conferences needs of the store.
type ConferenceStore interface {
	Conferences(ctx context.Context, year int) ([]conference.Conference, error)
	PutConferences(ctx context.Context, cs []conference.Conference, today string, e audit.Entry) ([]conference.Conference, error)
}

// ConferenceOptions control one import of conferences.
type ConferenceOptions struct {
	// Partial stores the valid rows even when some are rejected.
	Partial bool
	// DryRun checks and plans the import without storing anything.
	DryRun bool
	// Today is the date against which held dates are checked (no
	// conference is held in the future); the zero value means the
	// current date in China.
	Today string
	// Year is the year of the rows when the file has no year column; 0
	// makes the column required. A year column, when there is one, says
	// each row's year.
	Year int
	// Actor is who imports, for the audit trail (the store fills in the
	// action and object of each change).
	Actor audit.Entry
}

// mapConferenceHeader matches a conferences file's header cells to the
// columns by Chinese or English header; the error columns of a rejects
// file are ignored, any other unknown column is an error, and so is a
// missing required one (year, term, date, theme).
func mapConferenceHeader(file string, header []string, needYear bool) ([]int, error) {
	cols := make([]int, len(header))
	seen := map[int]string{}
	var unknown, missing []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		cols[i] = ccIgnored
		if h == "" || isErrorHeader(h) {
			continue
		}
		found := false
		for j, c := range conferenceColumns {
			if matches(h, facility.Message{ZH: c.zh, EN: c.key}, c.key) {
				found = true
				if prev, dup := seen[j]; dup {
					return nil, fmt.Errorf("%s: columns %q and %q are the same field (两列对应同一字段)", file, prev, h)
				}
				seen[j] = h
				cols[i] = j
			}
		}
		if !found {
			unknown = append(unknown, h)
		}
	}
	required := []int{ccTerm, ccDate, ccTheme}
	if needYear {
		required = append([]int{ccYear}, required...)
	}
	for _, j := range required {
		if _, ok := seen[j]; !ok {
			missing = append(missing, conferenceColumns[j].zh+"/"+conferenceColumns[j].key)
		}
	}
	if err := headerError(file, "conferences", unknown, missing); err != nil {
		return nil, err
	}
	return cols, nil
}

// conferenceRow is a row read and parsed, on its way to the store.
type conferenceRow struct {
	line   int
	cells  []string
	c      conference.Conference
	change facility.Change
	diff   []facility.FieldChange
}

// ImportConferences reads the conferences file name (contents r): a row
// per conference, keyed by year and term, whose columns replace what the
// stored conference of that term says (a column the file lacks keeps the
// stored value). Every value is parsed and the conference validated as a
// whole (conference.Conference.Validate on opts.Today); every problem
// becomes a row error naming the file, the row as Excel shows it and the
// column, in Chinese and English. Then the new and changed conferences go
// to the store in one transaction: all rows or none, or with
// opts.Partial the valid ones, the rejected handed back in the report
// (WriteRejects). A row equal to the stored conference is unchanged and
// not written, so importing an exported file changes nothing.
//
// It returns ErrRejected (with the report) when rows were rejected and
// opts.Partial is false; other errors concern the file as a whole or the
// store, and nothing is stored then either.
func ImportConferences(ctx context.Context, st ConferenceStore, name string, r io.Reader, opts ConferenceOptions) (*Report, error) {
	start := time.Now()
	rd, rep, err := open(ConferencesImport, name, r, Options{Partial: opts.Partial, DryRun: opts.DryRun})
	if rd == nil || err != nil {
		return rep, err
	}
	defer rd.Close()
	cols, err := mapConferenceHeader(name, rep.Header, opts.Year == 0)
	if err != nil {
		return rep, err
	}
	if opts.Today == "" {
		opts.Today = time.Now().In(time.FixedZone("CST", 8*3600)).Format(facility.DateLayout)
	}
	stored := map[int]map[int]conference.Conference{} // year → term → stored
	load := func(year int) (map[int]conference.Conference, error) {
		if m, ok := stored[year]; ok {
			return m, nil
		}
		cs, err := st.Conferences(ctx, year)
		if err != nil {
			return nil, err
		}
		m := map[int]conference.Conference{}
		for _, c := range cs {
			m[c.Term] = c
		}
		stored[year] = m
		return m, nil
	}
	seen := map[[2]int]int{}
	var rows []conferenceRow
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
		if onlyKey(cols, cells) {
			continue // a template row left empty: nothing planned
		}
		rep.Rows++
		row, errs, err := parseConferenceRow(name, rep.Header, cols, cells, line, opts, load)
		if err != nil {
			return rep, err
		}
		if len(errs) == 0 {
			k := [2]int{row.c.Year, row.c.Term}
			if prev, dup := seen[k]; dup {
				errs = append(errs, RowError{File: name, Row: line, Column: columnHeader(cols, rep.Header, ccTerm), Value: cellOf(cols, cells, ccTerm),
					Msg: facility.Message{ZH: fmt.Sprintf("与第%d行的年份和节气重复", prev), EN: fmt.Sprintf("same year and term as row %d", prev)}})
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
	rep.Duration = time.Since(start)
	if rep.Rows == 0 {
		return rep, fmt.Errorf("%s: no rows below the header (表头下没有数据)", name)
	}
	var put []conference.Conference
	for _, row := range rows {
		switch row.change {
		case facility.New:
			rep.New++
		case facility.Changed:
			rep.Changed++
		default:
			rep.Unchanged++
			continue
		}
		put = append(put, row.c)
		rep.Changes = append(rep.Changes, RowChange{Row: row.line, Code: fmt.Sprintf("%d %s", row.c.Year, row.c.TermOf().Name),
			Change: row.change, Diff: row.diff})
	}
	if len(rep.Rejected) > 0 && !opts.Partial {
		return rep, ErrRejected
	}
	if opts.DryRun {
		return rep, nil
	}
	if len(put) > 0 {
		if _, err := st.PutConferences(ctx, put, opts.Today, opts.Actor); err != nil {
			return rep, err
		}
	}
	rep.Committed = true
	rep.Duration = time.Since(start)
	return rep, nil
}

// onlyKey reports whether a row holds nothing but its year and term.
func onlyKey(cols []int, cells []string) bool {
	for i, c := range cells {
		if c == "" {
			continue
		}
		if i >= len(cols) || (cols[i] != ccYear && cols[i] != ccTerm) {
			return false
		}
	}
	return true
}

// cellOf returns the row's cell of column j, "" when the file lacks it.
func cellOf(cols []int, cells []string, j int) string {
	for i, c := range cols {
		if c == j && i < len(cells) {
			return cells[i]
		}
	}
	return ""
}

// columnHeader returns the file's header of column j; when the file lacks
// the column, its header in the language of the file's term column.
func columnHeader(cols []int, header []string, j int) string {
	clean := func(i int) string { return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(header[i]), "*")) }
	for i, c := range cols {
		if c == j {
			return clean(i)
		}
	}
	for i, c := range cols {
		if c == ccTerm && clean(i) != conferenceColumns[ccTerm].zh {
			return conferenceColumns[j].key
		}
	}
	return conferenceColumns[j].zh
}

// conferenceFieldColumn maps a conference.FieldError's field to a column.
var conferenceFieldColumn = map[string]int{
	"year": ccYear, "term": ccTerm, "date": ccDate, "time": ccTime, "theme": ccTheme, "theme_en": ccThemeEN,
	"experts": ccExperts, "advice": ccAdvice, "advice_en": ccAdviceEN, "status": ccStatus, "held_on": ccHeldOn,
	"recording_url": ccRecording, "reach": ccReach,
}

// parseConferenceRow reads one row onto the stored conference of its year
// and term (if any) and validates the result. The error is the store's.
func parseConferenceRow(file string, header []string, cols []int, cells []string, line int, opts ConferenceOptions,
	load func(int) (map[int]conference.Conference, error)) (conferenceRow, []RowError, error) {
	row := conferenceRow{line: line, cells: cells}
	var errs []RowError
	bad := func(j int, value string, m facility.Message) {
		errs = append(errs, RowError{File: file, Row: line, Column: columnHeader(cols, header, j), Value: value, Msg: m})
	}
	if len(cells) > len(cols) {
		for _, c := range cells[len(cols):] {
			if c != "" {
				errs = append(errs, RowError{File: file, Row: line, Msg: facility.Message{
					ZH: fmt.Sprintf("比表头多出单元格（表头%d列）", len(cols)), EN: fmt.Sprintf("more cells than the header's %d columns", len(cols))}})
				break
			}
		}
	}
	given := map[int]string{}
	for i, j := range cols {
		if j == ccIgnored {
			continue
		}
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		given[j] = v
	}

	// The key: year and term.
	year := opts.Year
	if v, ok := given[ccYear]; ok {
		n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
		switch {
		case err != nil:
			bad(ccYear, v, facility.Message{ZH: "不是年份（如2025）", EN: "not a year (such as 2025)"})
		case n < season.MinYear || n > season.MaxYear:
			bad(ccYear, v, facility.Message{ZH: fmt.Sprintf("年份应在%d–%d之间", season.MinYear, season.MaxYear),
				EN: fmt.Sprintf("the year must be within %d–%d", season.MinYear, season.MaxYear)})
		default:
			year = n
		}
	}
	term, ok := ParseTerm(given[ccTerm])
	if !ok {
		bad(ccTerm, given[ccTerm], facility.Message{ZH: "不是节气：应填节气名（如小雪）、拼音（xiaoxue）或序号1–24（小寒为1）",
			EN: "not a solar term: give its Chinese name (小雪), its pinyin (xiaoxue) or its number 1–24 (小寒 is 1)"})
	}
	if len(errs) > 0 {
		return row, errs, nil
	}
	have, err := load(year)
	if err != nil {
		return row, nil, err
	}
	before, exists := have[term.Index]
	c := before
	c.Year, c.Term = year, term.Index
	// A copy of the panel, so that the stored one stays as it was.
	c.Experts = append([]conference.Expert(nil), before.Experts...)

	set := func(j int, p *string) {
		if v, ok := given[j]; ok {
			*p = v
		}
	}
	set(ccTime, &c.Time)
	set(ccTheme, &c.Theme)
	set(ccThemeEN, &c.ThemeEN)
	set(ccAdvice, &c.Advice)
	set(ccAdviceEN, &c.AdviceEN)
	set(ccRecording, &c.RecordingURL)
	for _, j := range []int{ccDate, ccHeldOn} {
		v, ok := given[j]
		if !ok {
			continue
		}
		p := &c.Date
		if j == ccHeldOn {
			p = &c.HeldOn
		}
		*p = v
		if v == "" {
			continue
		}
		d, err := facility.ParseDate(v)
		if err != nil {
			bad(j, v, facility.Message{ZH: "不是日期（YYYY-MM-DD）", EN: "not a date (YYYY-MM-DD)"})
			continue
		}
		*p = d
	}
	if v, ok := given[ccExperts]; ok {
		es, err := conference.ParseExperts(v)
		if err != nil {
			bad(ccExperts, v, facility.Message{ZH: "专家应写作“领域：姓名（单位）”，多位以；分隔（" + err.Error() + "）",
				EN: "write the experts as field: name (affiliation), separated by ; (" + err.Error() + ")"})
		}
		c.Experts = es
	}
	if v, ok := given[ccStatus]; ok {
		c.Status = ""
		if v != "" {
			st, ok := parseStatus(v)
			if !ok {
				bad(ccStatus, v, facility.Message{ZH: "状态应为 计划、已举办 或 取消", EN: "the status is planned, held or cancelled"})
			}
			c.Status = st
		}
	}
	if v, ok := given[ccReach]; ok {
		c.Reach = 0
		if v != "" {
			n, err := strconv.ParseInt(strings.NewReplacer(",", "", "，", "", " ", "").Replace(strings.TrimSuffix(v, ".0")), 10, 64)
			if err != nil {
				bad(ccReach, v, facility.Message{ZH: "不是整数", EN: "not a whole number"})
			}
			c.Reach = n
		}
	}
	if len(errs) > 0 {
		return row, errs, nil
	}
	c.Normalize()
	if err := c.Validate(opts.Today); err != nil {
		var ves facility.FieldErrors
		if !errors.As(err, &ves) {
			bad(ccTerm, given[ccTerm], facility.Message{ZH: err.Error(), EN: err.Error()})
		}
		for _, fe := range ves {
			j, ok := conferenceFieldColumn[fe.Field]
			if !ok {
				j = ccTerm
			}
			bad(j, given[j], fe.Msg)
		}
		return row, errs, nil
	}
	row.c = c
	switch {
	case !exists:
		row.change = facility.New
	default:
		if row.diff = ConferenceDiff(before, c); len(row.diff) > 0 {
			row.change = facility.Changed
		}
	}
	return row, nil, nil
}

// parseStatus reads a status by its code or its Chinese or English label.
func parseStatus(s string) (conference.Status, bool) {
	s = strings.TrimSpace(s)
	for _, l := range conference.Statuses {
		if s == l.Code || s == l.ZH || strings.EqualFold(s, l.EN) || strings.EqualFold(s, l.Code) {
			return conference.Status(l.Code), true
		}
	}
	return conference.Status(s), false
}

// ConferenceDiff lists the fields a file or a form sets in which two
// conferences differ.
func ConferenceDiff(a, b conference.Conference) []facility.FieldChange {
	var out []facility.FieldChange
	add := func(key string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out = append(out, facility.FieldChange{Field: key, From: x, To: y})
		}
	}
	add("date", a.Date, b.Date)
	add("time", a.Time, b.Time)
	add("theme", a.Theme, b.Theme)
	add("theme_en", a.ThemeEN, b.ThemeEN)
	add("experts", conference.FormatExperts(a.Experts), conference.FormatExperts(b.Experts))
	add("advice", a.Advice, b.Advice)
	add("advice_en", a.AdviceEN, b.AdviceEN)
	add("status", string(a.Status), string(b.Status))
	add("held_on", a.HeldOn, b.HeldOn)
	add("recording_url", a.RecordingURL, b.RecordingURL)
	add("reach", a.Reach, b.Reach)
	return out
}
