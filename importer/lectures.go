package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/table"
)

// LecturesImport is the Report.Registry of an import of the lecture log
// (心理健康知识讲座台账).
const LecturesImport = "lectures"

// The columns of a lecture file, in the order the export and the template
// write them. The English header is the column's key.
const (
	lcolHeldOn = iota
	lcolKind
	lcolRegion
	lcolHospital
	lcolLecturer
	lcolLevel
	lcolVenue
	lcolPlace
	lcolTopic
	lcolAudience
	lcolRecordedOn
	lcolIgnored = -1
)

// lectureHeaders are the headers of the columns, by column.
var lectureHeaders = []facility.Message{
	lcolHeldOn:     {ZH: "日期", EN: "held_on"},
	lcolKind:       {ZH: "讲座主体", EN: "kind"},
	lcolRegion:     {ZH: "地区代码", EN: "region"},
	lcolHospital:   {ZH: "医院代码", EN: "hospital"},
	lcolLecturer:   {ZH: "主讲单位", EN: "lecturer"},
	lcolLevel:      {ZH: "级别", EN: "level"},
	lcolVenue:      {ZH: "场所类型", EN: "venue"},
	lcolPlace:      {ZH: "场所名称", EN: "place"},
	lcolTopic:      {ZH: "主题", EN: "topic"},
	lcolAudience:   {ZH: "听众人数", EN: "audience"},
	lcolRecordedOn: {ZH: "录入日期", EN: "recorded_on"},
}

// lectureFieldColumn maps the fields lecture.Validate names to columns.
var lectureFieldColumn = map[string]int{
	"held_on": lcolHeldOn, "kind": lcolKind, "region": lcolRegion, "facility": lcolHospital, "level": lcolLevel,
	"venue": lcolVenue, "place": lcolPlace, "topic": lcolTopic, "audience": lcolAudience,
}

// LectureHeader returns the header of a lecture file in lang. ImportLectures
// accepts it in either language.
func LectureHeader(lang string) []string {
	h := make([]string, len(lectureHeaders))
	for i, m := range lectureHeaders {
		h[i] = m.In(lang)
	}
	return h
}

// labelIn returns the label of code in lang, or code when it is none.
func labelIn(ls []lecture.Label, code, lang string) string {
	for _, l := range ls {
		if l.Code == code {
			return l.Name(lang)
		}
	}
	return code
}

// LectureRow returns a lecture as a row of a lecture file in lang: the
// labels of kind, level and venue in lang, which the import reads back.
func LectureRow(l lecture.Lecture, lang string) []string {
	return []string{l.HeldOn, labelIn(lecture.Kinds, l.Kind, lang), l.Region, l.Facility, l.Lecturer,
		labelIn(lecture.Levels, l.Level, lang), labelIn(lecture.Venues, l.Venue, lang), l.Place, l.Topic,
		strconv.FormatInt(l.Audience, 10), l.RecordedOn}
}

func lectureSheet(lang string) string {
	if lang == "en" {
		return "Lectures"
	}
	return "心理健康知识讲座"
}

func lectureWriter(w io.Writer, f table.Format, lang string) (table.Writer, error) {
	numeric := make([]bool, len(lectureHeaders))
	numeric[lcolAudience] = true
	tw, err := table.NewWriter(w, f, lectureSheet(lang), table.WithNumericColumns(numeric))
	if err != nil {
		return nil, err
	}
	return tw, tw.Write(LectureHeader(lang))
}

// ExportLectures writes lectures as a lecture file in format f: the columns
// ImportLectures reads, so that an exported file imports again (into
// another instance: in the same one every row is a duplicate).
func ExportLectures(w io.Writer, ls []lecture.Lecture, f table.Format, lang string) error {
	tw, err := lectureWriter(w, f, lang)
	if err != nil {
		return err
	}
	for _, l := range ls {
		if err := tw.Write(LectureRow(l, lang)); err != nil {
			return err
		}
	}
	return tw.Close()
}

// LectureTemplate writes an empty lecture file in format f: the header,
// which is all an import needs to recognise the columns.
func LectureTemplate(w io.Writer, f table.Format, lang string) error {
	tw, err := lectureWriter(w, f, lang)
	if err != nil {
		return err
	}
	return tw.Close()
}

// LectureRegistry is what completing a hospital's lecture needs of the
// store: the hospital's versions in the registry.
type LectureRegistry interface {
	History(ctx context.Context, sc *facility.Schema, code string) (facility.History, error)
}

// LectureStore is what an import of lectures needs of the store.
type LectureStore interface {
	LectureRegistry
	Lectures(ctx context.Context, q store.LectureQuery) ([]lecture.Lecture, int, error)
	AddLectures(ctx context.Context, ls []lecture.Lecture, e audit.Entry) ([]lecture.Lecture, error)
}

// TeamName is the name of the expert team (专家巡讲团) a region forms:
// 国家级专家巡讲团 for the country, 河南省专家巡讲团 for Henan.
func TeamName(d region.Division) string {
	if d.Code == region.CountryCode {
		return "国家级专家巡讲团"
	}
	return d.Name + "专家巡讲团"
}

// CompleteLecture fills in, after Normalize, what an entry's lecturer
// implies: for a team, its level (when none is given) and its name from
// the hierarchy; for a hospital, the county it stands in and its name from
// the registry, in the version in effect on the day held. A hospital whose
// registry entry begins after that day is read from its first version: a
// registry is often loaded after the lectures it has to carry. A hospital
// not in the registry, or closed on that day, is left without a region,
// which Validate reports. Errors are the store's only.
func CompleteLecture(ctx context.Context, reg LectureRegistry, t *region.Tree, l *lecture.Lecture) error {
	switch l.Kind {
	case lecture.Team:
		d, ok := t.Get(l.Region)
		if !ok {
			return nil
		}
		if lv, ok := lecture.LevelOf(d); ok {
			if l.Level == "" {
				l.Level = lv
			}
			l.Lecturer = TeamName(d)
		}
	case lecture.Hospital:
		l.Region = ""
		if l.Facility == "" || facility.CheckCode(l.Facility) != nil {
			return nil
		}
		h, err := reg.History(ctx, facility.Hospitals, l.Facility)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		rec, ok := h.AsOf(l.HeldOn)
		if !ok && len(h) > 0 && h[0].ValidFrom > l.HeldOn && !h[0].Closed {
			rec, ok = h[0], true
		}
		if ok {
			l.Region = rec.Region(facility.Hospitals)
			l.Lecturer = rec.String(facility.Hospitals, "name")
		}
	}
	return nil
}

// historyCache keeps the hospitals an import has looked up: a file holds
// a few hospitals many times.
type historyCache struct {
	reg  LectureRegistry
	seen map[string]facility.History
}

func (c *historyCache) History(ctx context.Context, sc *facility.Schema, code string) (facility.History, error) {
	if h, ok := c.seen[code]; ok {
		if h == nil {
			return nil, store.ErrNotFound
		}
		return h, nil
	}
	h, err := c.reg.History(ctx, sc, code)
	if errors.Is(err, store.ErrNotFound) {
		c.seen[code] = nil
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	c.seen[code] = h
	return h, nil
}

// LectureOptions control one import of lectures.
type LectureOptions struct {
	// Partial stores the valid rows even when some are rejected.
	Partial bool
	// DryRun checks the file without storing anything.
	DryRun bool
	// Today is the day lecture dates may not pass and the day every
	// stored lecture is recorded on (from which it counts for the
	// commitments); "" means the current date in China.
	Today string
	// Allow, if set, says whether the uploader may log a lecture of the
	// region (a team's, or the hospital's county) and hospital ("" for a
	// team); rows it refuses are rejected.
	Allow func(region, hospital string) bool
	// Actor is who uploads, for the audit entry of each lecture; its
	// Action, Object and Region are filled per lecture.
	Actor audit.Entry
	// Progress, if set, is called with the number of rows read so far.
	Progress func(rows int)
}

// mapLectureHeader matches a lecture file's header: the columns by their
// Chinese or English header, a unit in brackets ignored (听众人数（人）),
// the error columns of a rejects file ignored.
func mapLectureHeader(file string, header []string) ([]int, error) {
	cols := make([]int, len(header))
	seen := map[int]string{}
	var unknown []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(h), "*"))
		bare := unitSuffixRE.ReplaceAllString(h, "")
		c := lcolIgnored
		switch {
		case isErrorHeader(h) || h == "":
		default:
			c = slices.IndexFunc(lectureHeaders, func(m facility.Message) bool { return matches(h, m, m.EN) || matches(bare, m, m.EN) })
			if c < 0 {
				unknown = append(unknown, h)
				c = lcolIgnored
			}
		}
		if c != lcolIgnored {
			if prev, dup := seen[c]; dup {
				return nil, fmt.Errorf("%s: columns %q and %q are the same field", file, prev, h)
			}
			seen[c] = h
		}
		cols[i] = c
	}
	var missing []string
	for _, c := range []int{lcolHeldOn, lcolKind, lcolVenue, lcolTopic, lcolAudience} {
		if _, ok := seen[c]; !ok {
			missing = append(missing, lectureHeaders[c].ZH+"/"+lectureHeaders[c].EN)
		}
	}
	_, hasRegion := seen[lcolRegion]
	_, hasHospital := seen[lcolHospital]
	if !hasRegion && !hasHospital {
		missing = append(missing, lectureHeaders[lcolRegion].ZH+"/"+lectureHeaders[lcolRegion].EN+" or "+
			lectureHeaders[lcolHospital].ZH+"/"+lectureHeaders[lcolHospital].EN)
	}
	if err := headerError(file, "lectures", unknown, missing); err != nil {
		return nil, err
	}
	return cols, nil
}

// lectureRow is a row read and checked, on its way to the store.
type lectureRow struct {
	line  int
	cells []string
	l     lecture.Lecture
}

// LectureKey identifies a lecture for the duplicate check: the same
// lecturer on the same day at the same place on the same topic is the same
// lecture entered twice.
func LectureKey(l lecture.Lecture) string {
	return strings.Join([]string{l.HeldOn, l.Kind, l.Region, l.Facility, l.Venue, l.Place, l.Topic}, "\x00")
}

// ImportLectures reads the lecture file name (contents r): one row per
// lecture. Each row is completed (CompleteLecture: a team's name and
// level, a hospital's county and name from the registry as of the day
// held), validated (lecture.Validate on opts.Today), checked against the
// uploader's area (opts.Allow) and against the log for duplicates, within
// the file and with the lectures already entered. The valid rows go to the
// store in one transaction, each recorded on opts.Today: all or nothing,
// or with opts.Partial the valid rows, the rejected ones handed back in
// the report (WriteRejects) with the row as Excel shows it, the column and
// the reason.
//
// It returns ErrRejected (with the report) when rows were rejected and
// opts.Partial is false; other errors concern the file as a whole or the
// store, and nothing is stored then either.
func ImportLectures(ctx context.Context, st LectureStore, t *region.Tree, name string, r io.Reader, opts LectureOptions) (*Report, error) {
	start := time.Now()
	rd, rep, err := open(LecturesImport, name, r, Options{Partial: opts.Partial, DryRun: opts.DryRun})
	if rd == nil || err != nil {
		return rep, err
	}
	defer rd.Close()
	cols, err := mapLectureHeader(name, rep.Header)
	if err != nil {
		return rep, err
	}
	if opts.Today == "" {
		opts.Today = time.Now().In(time.FixedZone("CST", 8*3600)).Format(facility.DateLayout)
	}
	header := func(c int) string {
		if i := slices.Index(cols, c); i >= 0 {
			return rep.Header[i]
		}
		return lectureHeaders[c].ZH
	}
	reg := &historyCache{reg: st, seen: map[string]facility.History{}}
	var rows []lectureRow
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
		if opts.Progress != nil && rep.Rows%500 == 0 {
			opts.Progress(rep.Rows)
		}
		l, errs, err := parseLectureRow(ctx, reg, t, name, cols, header, cells, line, opts)
		if err != nil {
			return rep, err
		}
		if len(errs) == 0 {
			k := LectureKey(l)
			if prev, dup := seen[k]; dup {
				errs = append(errs, RowError{File: name, Row: line, Column: header(lcolTopic), Value: l.Topic,
					Msg: facility.Message{ZH: fmt.Sprintf("与第%d行是同一场讲座（日期、主体、场所和主题相同）", prev),
						EN: fmt.Sprintf("the same lecture as row %d (day, lecturer, place and topic)", prev)}})
			} else {
				seen[k] = line
			}
		}
		if len(errs) > 0 {
			rep.Rejected = append(rep.Rejected, Rejected{Row: line, Cells: cells, Errors: errs})
			continue
		}
		rows = append(rows, lectureRow{line: line, cells: cells, l: l})
	}
	if opts.Progress != nil {
		opts.Progress(rep.Rows)
	}
	if rep.Rows == 0 {
		return rep, fmt.Errorf("%s: no rows below the header (表头下没有数据)", name)
	}

	// Lectures already in the log: one query over the file's days.
	if len(rows) > 0 {
		from, to := rows[0].l.HeldOn, rows[0].l.HeldOn
		for _, row := range rows {
			from, to = min(from, row.l.HeldOn), max(to, row.l.HeldOn)
		}
		old, _, err := st.Lectures(ctx, store.LectureQuery{From: from, To: to})
		if err != nil {
			return rep, err
		}
		logged := map[string]int64{}
		for _, l := range old {
			logged[LectureKey(l)] = l.ID
		}
		kept := rows[:0]
		for _, row := range rows {
			if id, ok := logged[LectureKey(row.l)]; ok {
				rep.Rejected = append(rep.Rejected, Rejected{Row: row.line, Cells: row.cells, Errors: []RowError{{File: name, Row: row.line,
					Column: header(lcolTopic), Value: row.l.Topic,
					Msg: facility.Message{ZH: fmt.Sprintf("该讲座已登记（编号%d）", id), EN: fmt.Sprintf("this lecture is already in the log (no. %d)", id)}}}})
				continue
			}
			kept = append(kept, row)
		}
		rows = kept
	}
	slices.SortStableFunc(rep.Rejected, func(a, b Rejected) int { return a.Row - b.Row })
	rep.Duration = time.Since(start)
	if len(rep.Rejected) > 0 && !opts.Partial {
		return rep, ErrRejected
	}
	ls := make([]lecture.Lecture, len(rows))
	for i, row := range rows {
		ls[i] = row.l
	}
	rep.New = len(ls)
	for _, row := range rows {
		if len(rep.Changes) == 1000 {
			break
		}
		rep.Changes = append(rep.Changes, RowChange{Row: row.line, Code: row.l.HeldOn + " " + row.l.Lecturer, Change: facility.New})
	}
	if opts.DryRun {
		return rep, nil
	}
	if len(ls) > 0 {
		e := opts.Actor
		if e.Actor == "" {
			e.Actor = "system"
		}
		if _, err := st.AddLectures(ctx, ls, e); err != nil {
			rep.New = 0
			return rep, err
		}
	}
	rep.Committed = true
	rep.Duration = time.Since(start)
	return rep, nil
}

// parseLectureRow reads, completes and checks one row. errs are the row's
// problems; err is the store's failure.
func parseLectureRow(ctx context.Context, reg LectureRegistry, t *region.Tree, file string, cols []int, header func(int) string,
	cells []string, line int, opts LectureOptions) (lecture.Lecture, []RowError, error) {
	var l lecture.Lecture
	var errs []RowError
	bad := func(col int, value string, m facility.Message) {
		h := ""
		if col >= 0 {
			h = header(col)
		}
		errs = append(errs, RowError{File: file, Row: line, Column: h, Value: value, Msg: m})
	}
	if len(cells) > len(cols) {
		for _, c := range cells[len(cols):] {
			if c != "" {
				bad(-1, "", facility.Message{ZH: fmt.Sprintf("比表头多出单元格（表头%d列）", len(cols)), EN: fmt.Sprintf("more cells than the header's %d columns", len(cols))})
				break
			}
		}
	}
	text := make([]string, len(lectureHeaders))
	for i, c := range cols {
		if c != lcolIgnored && i < len(cells) {
			text[c] = cells[i]
		}
	}
	l.HeldOn = text[lcolHeldOn]
	if d, err := facility.ParseDate(text[lcolHeldOn]); err == nil {
		l.HeldOn = d
	}
	l.Kind, l.Region, l.Facility, l.Level = text[lcolKind], text[lcolRegion], text[lcolHospital], text[lcolLevel]
	l.Venue, l.Place, l.Topic = text[lcolVenue], text[lcolPlace], text[lcolTopic]
	audienceBad := false
	if a := text[lcolAudience]; a != "" {
		n, ok := parseCount(a)
		if !ok {
			bad(lcolAudience, a, facility.Message{ZH: "不是整数", EN: "not a whole number"})
			audienceBad = true
		}
		l.Audience = n
	}
	l.Normalize()
	// The region column is the registry's to fill for a hospital: a
	// value given must agree with it.
	given := l.Region
	if err := CompleteLecture(ctx, reg, t, &l); err != nil {
		return l, nil, err
	}
	l.RecordedOn = opts.Today
	var verr facility.FieldErrors
	if err := l.Validate(t, opts.Today); errors.As(err, &verr) {
		for _, fe := range verr {
			if fe.Field == "audience" && audienceBad {
				continue
			}
			col, ok := lectureFieldColumn[fe.Field]
			if !ok {
				col = -1
			}
			v := ""
			if col >= 0 {
				v = text[col]
			}
			bad(col, v, fe.Msg)
		}
	}
	if len(errs) > 0 {
		return l, errs, nil
	}
	if l.Kind == lecture.Hospital && given != "" && given != l.Region {
		d, _ := t.Get(l.Region)
		bad(lcolRegion, given, facility.Message{ZH: fmt.Sprintf("%s登记在%s（%s），地区代码可不填", l.Lecturer, d.Name, l.Region),
			EN: fmt.Sprintf("%s is registered in %s (%s); the region may be left empty", l.Facility, d.NameEn, l.Region)})
		return l, errs, nil
	}
	if opts.Allow != nil && !opts.Allow(l.Region, l.Facility) {
		col, v := lcolRegion, text[lcolRegion]
		if l.Kind == lecture.Hospital {
			col, v = lcolHospital, l.Facility
		}
		bad(col, v, outsideArea)
	}
	return l, errs, nil
}

// parseCount reads a whole number as people write it in a spreadsheet:
// 1200, 1,200 or 1200.0.
func parseCount(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), "，", "")
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) || f > 1e15 || f < -1e15 {
		return 0, false
	}
	return int64(f), true
}
