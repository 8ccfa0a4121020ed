package importer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

// lectureToday is the day of the lecture imports: the seed's as-of date.
const lectureToday = asOf

var lectureActor = audit.Entry{Actor: "u1", ActorRole: "reporter", RequestID: "r1"}

// lecturesCSV: Henan's and Zhengzhou's teams (the latter's level left to
// the importer), two hospitals (H002's registry entry begins after the
// lecture), the national team; dates and numbers as Excel users type them.
const lecturesCSV = `日期,讲座主体,地区代码,医院代码,级别,场所类型,场所名称,主题,听众人数
2025-03-05,专家巡讲团,410000,,省级,学校,郑州市第一中学,青少年情绪管理,300
2025/4/8,专家巡讲团,410100,,,机关,郑州市人民政府,机关干部心理减压,"1,200"
2025-05-10,医院,,H001,市级,社区,城关镇社区,老年人睡眠健康,60
2025-02-01,医院,410102,H002,省级,企业,宇通客车,职场压力与心理调适,150
2025-06-01,专家巡讲团,000000,,国家级,学校,北京大学,大学生心理健康,500
`

// seedHospitals imports the hospital seed into s.
func seedHospitals(t *testing.T, s *store.Store) {
	t.Helper()
	if rep, err := importString(t, s, "医院.csv", seedCSV, importer.Options{Today: asOf}); err != nil {
		t.Fatalf("seed: %v %v", err, rep.Errors())
	}
}

func importLectures(t *testing.T, s importer.LectureStore, name, content string, opts importer.LectureOptions) (*importer.Report, error) {
	t.Helper()
	if opts.Today == "" {
		opts.Today = lectureToday
	}
	if opts.Actor.Actor == "" {
		opts.Actor = lectureActor
	}
	return importer.ImportLectures(context.Background(), s, tree, name, strings.NewReader(content), opts)
}

func allLectures(t *testing.T, s *store.Store) []lecture.Lecture {
	t.Helper()
	ls, _, err := s.Lectures(context.Background(), store.LectureQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func TestImportLectures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedHospitals(t, s)
		var progress int
		rep, err := importLectures(t, s, "讲座.csv", lecturesCSV, importer.LectureOptions{Progress: func(n int) { progress = n }})
		if err != nil || !rep.Committed || rep.New != 5 || rep.Rows != 5 || rep.Registry != importer.LecturesImport {
			t.Fatalf("import: %v %+v %v", err, rep, rep.Errors())
		}
		if progress != 5 {
			t.Errorf("progress %d, want 5", progress)
		}
		byDay := map[string]lecture.Lecture{}
		for _, l := range allLectures(t, s) {
			byDay[l.HeldOn] = l
			if l.RecordedOn != lectureToday || l.UpdatedBy != "u1" || l.ID == 0 {
				t.Errorf("lecture %+v: recorded %s by %s", l, l.RecordedOn, l.UpdatedBy)
			}
		}
		for day, want := range map[string]lecture.Lecture{
			"2025-03-05": {Kind: lecture.Team, Region: "410000", Lecturer: "河南省专家巡讲团", Level: "province", Venue: "school", Audience: 300},
			"2025-04-08": {Kind: lecture.Team, Region: "410100", Lecturer: "郑州市专家巡讲团", Level: "prefecture", Venue: "agency", Audience: 1200},
			"2025-05-10": {Kind: lecture.Hospital, Region: "410122", Facility: "H001", Lecturer: "中牟县人民医院", Level: "prefecture", Venue: "community", Audience: 60},
			"2025-02-01": {Kind: lecture.Hospital, Region: "410102", Facility: "H002", Lecturer: "郑州市第一人民医院, 东院", Level: "province", Venue: "enterprise", Audience: 150},
			"2025-06-01": {Kind: lecture.Team, Region: "000000", Lecturer: "国家级专家巡讲团", Level: "national", Venue: "school", Audience: 500},
		} {
			got := byDay[day]
			if got.Kind != want.Kind || got.Region != want.Region || got.Facility != want.Facility || got.Lecturer != want.Lecturer ||
				got.Level != want.Level || got.Venue != want.Venue || got.Audience != want.Audience {
				t.Errorf("%s: %+v, want %+v", day, got, want)
			}
		}
		counts, err := s.LectureCounts(context.Background(), "410000", "2025-01-01", "2025-12-31")
		if err != nil || counts["team:410100"] != 1 || counts["hospital:H001"] != 1 || counts["team:000000"] != 0 {
			t.Errorf("Henan's counts: %v %v", err, counts)
		}
		// Each lecture has its audit entry.
		entries, _, err := s.AuditEntries(context.Background(), store.AuditQuery{Action: audit.Create, Limit: 100})
		if err != nil || len(entries) != 5 || !strings.HasPrefix(entries[0].Object, "lectures/") {
			t.Errorf("audit: %v %d entries", err, len(entries))
		}
		// The same file again: every row is already in the log.
		rep, err = importLectures(t, s, "讲座.csv", lecturesCSV, importer.LectureOptions{})
		if !errors.Is(err, importer.ErrRejected) || len(rep.Rejected) != 5 ||
			!strings.Contains(rep.Rejected[0].Errors[0].In("zh"), "讲座.csv: 第2行: 主题 \"青少年情绪管理\": 该讲座已登记（编号") {
			t.Errorf("again: %v %v", err, rep.Errors())
		}
		if n := len(allLectures(t, s)); n != 5 {
			t.Errorf("%d lectures after importing the file twice", n)
		}
	})
}

// badLectures has one problem per row, the last two rows the same
// lecture; the uploader may log Henan's lectures only.
const badLectures = `held_on,kind,region,hospital,level,venue,place,topic,audience
2025-13-01,team,410000,,province,school,x,t,10
2026-01-05,team,410000,,province,school,x,t,10
2025-03-01,team,410000,,county,school,x,t,10
2025-03-01,team,410122,,prefecture,school,x,t,10
2025-03-01,team,410100,,province,school,x,t,10
2025-03-01,hospital,,,prefecture,school,x,t,10
2025-03-01,hospital,,H999,prefecture,school,x,t,10
2025-03-01,team,410000,,province,hospital,x,t,10
2025-03-01,team,410000,,province,school,x,,10
2025-03-01,team,410000,,province,school,x,t,0
2025-03-01,team,410000,,province,school,y,t,many
2025-03-01,team,410000,,province,school,x,t,100001
2025-03-01,lecturer,410000,,province,school,x,t,10
2025-03-01,team,420000,,province,school,x,t,10
2025-03-01,hospital,,H005,prefecture,school,x,t,10
2025-05-10,hospital,410102,H001,prefecture,school,x,t,10
2025-03-01,team,410000,,province,school,x,t,10
2025-03-01,team,410000,,province,school,x,t,10
2025-03-01,team,410000,,province,school,tel 13800138000,t,10
`

func henanOnly(reg, hospital string) bool { return strings.HasPrefix(reg, "41") }

// TestImportLecturesErrors: every bad field is named by file, row (as
// Excel shows it), column and value; all-or-nothing stores nothing,
// partial stores the good rows, and the rejects file, fixed, imports.
func TestImportLecturesErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedHospitals(t, s)
		rep, err := importLectures(t, s, "bad.csv", badLectures, importer.LectureOptions{Allow: henanOnly})
		if !errors.Is(err, importer.ErrRejected) || rep.Committed {
			t.Fatalf("all or nothing: %v", err)
		}
		var got []string
		for _, e := range rep.Errors() {
			got = append(got, e.In("en"))
		}
		want := []string{
			`bad.csv: row 2: held_on "2025-13-01": date "2025-13-01": want YYYY-MM-DD`,
			`bad.csv: row 3: held_on "2026-01-05": date 2026-01-05 is after today (2025-12-31)`,
			`bad.csv: row 4: level "county": level "county": want national, province or prefecture`,
			`bad.csv: row 5: region "410122": 中牟县 is a county: teams are national, provincial or prefecture`,
			`bad.csv: row 6: level "province": the team of 郑州市 is prefecture`,
			`bad.csv: row 7: hospital: a hospital's lecture needs the hospital's code`,
			`bad.csv: row 8: hospital "H999": hospital "H999" is not in the registry`,
			`bad.csv: row 9: venue "hospital": venue "hospital": want agency, school, enterprise or community`,
			`bad.csv: row 10: topic: a topic is required`,
			`bad.csv: row 11: audience "0": audience 0: want 1 to 100000`,
			`bad.csv: row 12: audience "many": not a whole number`,
			`bad.csv: row 13: audience "100001": audience 100001: want 1 to 100000`,
			`bad.csv: row 14: kind "lecturer": lecturer kind "lecturer": want team or hospital`,
			`bad.csv: row 15: region "420000": outside your area`,
			`bad.csv: row 16: hospital "H005": outside your area`,
			`bad.csv: row 17: region "410102": H001 is registered in Zhongmu (410122); the region may be left empty`,
			`bad.csv: row 19: topic "t": the same lecture as row 18 (day, lecturer, place and topic)`,
			`bad.csv: row 20: place "tel 13800138000": the place may not hold an ID or phone number (11 digits or more)`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// In Chinese too, with the row as Excel numbers it.
		if zh := rep.Rejected[0].Errors[0].In("zh"); zh != `bad.csv: 第2行: held_on "2025-13-01": 日期“2025-13-01”无效，应为YYYY-MM-DD` {
			t.Errorf("zh: %s", zh)
		}
		if n := len(allLectures(t, s)); n != 0 {
			t.Fatalf("a rejected file stored %d lectures", n)
		}

		rep, err = importLectures(t, s, "bad.csv", badLectures, importer.LectureOptions{Allow: henanOnly, Partial: true})
		if err != nil || rep.New != 1 || !rep.Committed || len(rep.Rejected) != 18 {
			t.Fatalf("partial: %v %+v", err, rep)
		}
		if n := len(allLectures(t, s)); n != 1 {
			t.Fatalf("partial stored %d lectures, want 1", n)
		}
		// The rejects come back as a file with the error columns; the
		// fixed row imports, the duplicate is now in the log.
		var rejects bytes.Buffer
		if err := importer.WriteRejects(&rejects, rep, table.CSV, "en"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rejects.String(), `"""many"": not a whole number"`) {
			t.Errorf("rejects file:\n%s", rejects.String())
		}
		fixed := strings.Replace(rejects.String(), ",many,", ",12,", 1)
		rep, err = importLectures(t, s, "fixed.csv", fixed, importer.LectureOptions{Allow: henanOnly, Partial: true})
		if err != nil || rep.New != 1 || len(rep.Rejected) != 17 {
			t.Errorf("fixed rejects: %v %+v %v", err, rep, rep.Errors())
		}
		found := false
		for _, e := range rep.Errors() {
			found = found || strings.Contains(e.In("en"), "already in the log")
		}
		if !found {
			t.Errorf("the duplicate of a stored lecture is not named: %v", rep.Errors())
		}
	})
}

// TestImportLecturesScope: a hospital's staff log their own hospital's
// lectures only.
func TestImportLecturesScope(t *testing.T) {
	s := storetest.OpenSQLite(t)
	seedHospitals(t, s)
	own := func(reg, hospital string) bool { return hospital == "H001" && reg == "410122" }
	file := `日期,讲座主体,医院代码,地区代码,场所类型,主题,听众人数,级别
2025-05-10,医院,H001,,社区,睡眠健康,60,市级
2025-05-11,医院,H002,,社区,睡眠健康,60,市级
2025-05-12,专家巡讲团,,410100,社区,睡眠健康,60,市级
`
	rep, err := importLectures(t, s, "own.csv", file, importer.LectureOptions{Allow: own})
	if !errors.Is(err, importer.ErrRejected) || len(rep.Rejected) != 2 {
		t.Fatalf("scope: %v %v", err, rep.Errors())
	}
	if e := rep.Rejected[0].Errors[0].In("zh"); e != `own.csv: 第3行: 医院代码 "H002": 不在您的管辖范围内` {
		t.Errorf("other hospital: %s", e)
	}
	if e := rep.Rejected[1].Errors[0].In("zh"); e != `own.csv: 第4行: 地区代码 "410100": 不在您的管辖范围内` {
		t.Errorf("a team: %s", e)
	}
	rep, err = importLectures(t, s, "own.csv", file, importer.LectureOptions{Allow: own, Partial: true})
	if err != nil || rep.New != 1 {
		t.Fatalf("partial: %v %+v", err, rep)
	}
	if ls := allLectures(t, s); len(ls) != 1 || ls[0].Facility != "H001" {
		t.Errorf("stored %+v", ls)
	}
}

// exportLectures writes the store's log.
func exportLectures(t *testing.T, s *store.Store, f table.Format, lang string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := importer.ExportLectures(&b, allLectures(t, s), f, lang); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readRows reads a file back as rows.
func readRows(t *testing.T, name string, b []byte) [][]string {
	t.Helper()
	f, err := table.FormatFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := table.NewReader(name, bytes.NewReader(b), f)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	rows := [][]string{rd.Header()}
	for {
		row, _, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
}

// TestLectureRoundTrip: the export, in either language and format,
// imports into another instance and exports the same again; into the same
// instance every row is a duplicate.
func TestLectureRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, a *store.Store) {
		seedHospitals(t, a)
		if _, err := importLectures(t, a, "讲座.csv", lecturesCSV, importer.LectureOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			f    table.Format
			lang string
		}{{"导出.xlsx", table.XLSX, "zh"}, {"export.csv", table.CSV, "en"}, {"export.xlsx", table.XLSX, "en"}, {"导出.csv", table.CSV, "zh"}} {
			t.Run(c.name, func(t *testing.T) {
				out := exportLectures(t, a, c.f, c.lang)
				rows := readRows(t, c.name, out)
				if len(rows) != 6 || strings.Join(rows[0], ",") != strings.Join(importer.LectureHeader(c.lang), ",") {
					t.Fatalf("export: %q", rows)
				}
				b := storetest.OpenSQLite(t)
				seedHospitals(t, b)
				rep, err := importer.ImportLectures(context.Background(), b, tree, c.name, bytes.NewReader(out),
					importer.LectureOptions{Today: lectureToday, Actor: lectureActor})
				if err != nil || rep.New != 5 {
					t.Fatalf("import of the export: %v %v", err, rep.Errors())
				}
				if again := readRows(t, c.name, exportLectures(t, b, c.f, c.lang)); !equalRows(again, rows) {
					t.Errorf("the round trip changed the log:\n%q\nwant\n%q", again, rows)
				}
				rep, err = importer.ImportLectures(context.Background(), a, tree, c.name, bytes.NewReader(out),
					importer.LectureOptions{Today: lectureToday, Actor: lectureActor})
				if !errors.Is(err, importer.ErrRejected) || len(rep.Rejected) != 5 {
					t.Errorf("the export into its own instance: %v %+v", err, rep)
				}
			})
		}
	})
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}

func TestLectureTemplateAndHeader(t *testing.T) {
	s := storetest.OpenSQLite(t)
	for _, lang := range []string{"zh", "en"} {
		var b bytes.Buffer
		if err := importer.LectureTemplate(&b, table.XLSX, lang); err != nil {
			t.Fatal(err)
		}
		rows := readRows(t, "t.xlsx", b.Bytes())
		if len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(importer.LectureHeader(lang), ",") {
			t.Errorf("template %s: %q", lang, rows)
		}
		_, err := importer.ImportLectures(context.Background(), s, tree, "t.xlsx", bytes.NewReader(b.Bytes()), importer.LectureOptions{Today: lectureToday})
		if err == nil || !strings.Contains(err.Error(), "t.xlsx: no rows below the header") {
			t.Errorf("an empty template imports: %v", err)
		}
	}
	for _, c := range []struct{ file, want string }{
		{"日期,讲座主体,地区代码,场所类型,主题,听众人数,讲者电话\n", `x.csv: row 1: unknown columns ["讲者电话"]`},
		{"日期,讲座主体,场所类型,主题,听众人数\n", `missing columns ["地区代码/region or 医院代码/hospital"]`},
		{"held_on,kind,region\n", `missing columns ["场所类型/venue" "主题/topic" "听众人数/audience"]`},
		{"日期,日期,讲座主体,地区代码,场所类型,主题,听众人数\n", `columns "日期" and "日期" are the same field`},
	} {
		_, err := importer.ImportLectures(context.Background(), s, tree, "x.csv", strings.NewReader(c.file), importer.LectureOptions{Today: lectureToday})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("header %q: %v, want %q", c.file, err, c.want)
		}
	}
	// A unit in brackets and a star on a header are ignored; a dry run
	// stores nothing.
	file := "日期*,讲座主体,地区代码,场所类型,主题,听众人数（人）\n2025-03-05,专家巡讲团,410000,学校,情绪,300\n"
	rep, err := importer.ImportLectures(context.Background(), s, tree, "x.csv", strings.NewReader(file), importer.LectureOptions{Today: lectureToday, DryRun: true})
	if err != nil || rep.New != 1 || rep.Committed || len(allLectures(t, s)) != 0 {
		t.Errorf("dry run: %v %+v", err, rep)
	}
}

// FuzzImportLectures feeds arbitrary bytes to the lecture import as a CSV
// and an XLSX file (a dry run into a real store): whatever comes in, it
// must return a report or an error, never panic, and every row error must
// name the file and a row below the header.
func FuzzImportLectures(f *testing.F) {
	f.Add([]byte(lecturesCSV), false)
	f.Add([]byte(badLectures), false)
	f.Add([]byte("日期,讲座主体,医院代码,场所类型,主题,听众人数\n2025-05-10,医院,H001,社区,睡眠,1e3\n"), false)
	var x bytes.Buffer
	w, _ := table.NewWriter(&x, table.XLSX, "")
	for _, line := range strings.Split(lecturesCSV, "\n") {
		w.Write(strings.Split(line, ","))
	}
	w.Close()
	f.Add(x.Bytes(), true)
	s := storetest.OpenSQLite(f)
	if rep, err := importer.Import(context.Background(), s, tree, facility.Hospitals, "医院.csv", strings.NewReader(seedCSV), importer.Options{Today: asOf}); err != nil {
		f.Fatalf("seed: %v %v", err, rep.Errors())
	}
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		rep, err := importer.ImportLectures(context.Background(), s, tree, name, bytes.NewReader(data),
			importer.LectureOptions{DryRun: true, Partial: true, Today: lectureToday, Allow: henanOnly})
		if err == nil && rep == nil {
			t.Fatal("nil report without error")
		}
		if rep == nil {
			return
		}
		for _, e := range rep.Errors() {
			if e.File != name || e.Row < 2 {
				t.Fatalf("row error %+v does not name the file and a row", e)
			}
		}
		if rep.Committed {
			t.Fatal("a dry run committed")
		}
	})
}
