package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

// confToday is the date the conference imports are checked on: 小雪 2025
// has begun, 大雪 not.
const confToday = "2025-11-23"

var confActor = audit.Entry{Actor: "u-test", ActorRole: "reporter"}

// confCSV is a plan in Chinese headers: a held conference with quotes,
// commas and a line break, a planned one with its term as a number and
// the time as Excel shows a time cell, a cancelled one by its pinyin.
const confCSV = `年份,节气,日期,时间,主题,英文主题,专家,健康提示,英文健康提示,状态,举办日期,回放链接,传播量
2025,雨水,2025-02-17,15:00,"雨水时节防湿防寒与脾胃调养","Rain Water: damp, cold and digestion","中医：张三（中国中医科学院西苑医院 主任医师）；食品营养：李四","降雨增多，注意防寒祛湿；
饮食规律，少吃""生冷""。","Keep warm and dry.",已举办,2025-02-17,https://www.nhc.gov.cn/xcs/xwbd/202504.shtml,"1,234,567"
2025,23,2025/12/5,9:30:00,大雪冬季运动与防跌倒,,运动健身：王五,,,计划,,,
2025,Dà Shǔ,2025-07-21,,大暑防暑降温与慢性病管理,,,,,cancelled,,,
`

func importConferences(t *testing.T, st importer.ConferenceStore, name, content string, opts importer.ConferenceOptions) (*importer.Report, error) {
	t.Helper()
	if opts.Today == "" {
		opts.Today = confToday
	}
	if opts.Actor.Actor == "" {
		opts.Actor = confActor
	}
	return importer.ImportConferences(context.Background(), st, name, strings.NewReader(content), opts)
}

func TestImportConferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rep, err := importConferences(t, st, "发布会.csv", confCSV, importer.ConferenceOptions{})
		if err != nil {
			t.Fatalf("import: %v %v", err, rep.Errors())
		}
		if rep.Rows != 3 || rep.New != 3 || !rep.Committed || rep.Registry != importer.ConferencesImport {
			t.Errorf("report %+v", rep)
		}
		cs, err := st.Conferences(ctx, 2025)
		if err != nil || len(cs) != 3 {
			t.Fatalf("stored %d conferences, %v", len(cs), err)
		}
		rain, snow, heat := cs[0], cs[2], cs[1]
		want := conference.Conference{Year: 2025, Term: 4, Date: "2025-02-17", Time: "15:00", Theme: "雨水时节防湿防寒与脾胃调养",
			ThemeEN: "Rain Water: damp, cold and digestion",
			Experts: []conference.Expert{{Field: "tcm", Name: "张三", Affiliation: "中国中医科学院西苑医院 主任医师"}, {Field: "nutrition", Name: "李四"}},
			Advice:  "降雨增多，注意防寒祛湿；\n饮食规律，少吃\"生冷\"。", AdviceEN: "Keep warm and dry.", Status: conference.Held, HeldOn: "2025-02-17",
			RecordingURL: "https://www.nhc.gov.cn/xcs/xwbd/202504.shtml", Reach: 1234567, RecordedOn: confToday}
		rain.ID, rain.Revision, rain.UpdatedAt, rain.UpdatedBy = 0, 0, "", ""
		if !reflect.DeepEqual(rain, want) {
			t.Errorf("雨水:\n got %+v\nwant %+v", rain, want)
		}
		if snow.Term != 23 || snow.Date != "2025-12-05" || snow.Time != "09:30" || snow.Status != conference.Planned || snow.UpdatedBy != "u-test" {
			t.Errorf("大雪 %+v", snow)
		}
		if heat.Term != 14 || heat.Status != conference.Cancelled || heat.Time != "15:00" {
			t.Errorf("大暑 %+v", heat)
		}

		// The same file again changes nothing.
		rep, err = importConferences(t, st, "发布会.csv", confCSV, importer.ConferenceOptions{})
		if err != nil || rep.Unchanged != 3 || rep.New+rep.Changed != 0 {
			t.Errorf("second import: %v %+v", err, rep)
		}
		if again, _ := st.Conferences(ctx, 2025); again[0].Revision != 0 {
			t.Errorf("an unchanged row was written: revision %d", again[0].Revision)
		}

		// English headers, a column left out (kept as stored), a term by
		// its pinyin, the year from the options.
		en := "term,date,theme,status,held_on,reach,recording_url\n" +
			"xiǎoxuě,2025-11-21,小雪防寒保暖,held,2025-11-21,800000,https://example.org/x\n" +
			"daxue,2025-12-05,大雪冬季运动与防跌倒,planned,,,\n"
		rep, err = importConferences(t, st, "conferences.csv", en, importer.ConferenceOptions{Year: 2025})
		if err == nil || !errors.Is(err, importer.ErrRejected) {
			t.Fatalf("a held conference without experts: %v %+v", err, rep)
		}
		if es := rep.Errors(); len(es) != 1 || es[0].Row != 2 || es[0].Column != "status" && es[0].Column != "experts" {
			t.Errorf("errors %v", es)
		}
		en = strings.Replace(en, "theme,", "theme,experts,", 1)
		en = strings.Replace(en, "小雪防寒保暖,", "小雪防寒保暖,\"western: 王强 (综合医院); tcm: 李芳\",", 1)
		en = strings.Replace(en, "大雪冬季运动与防跌倒,", "大雪冬季运动与防跌倒,运动健身：王五,", 1)
		rep, err = importConferences(t, st, "conferences.csv", en, importer.ConferenceOptions{Year: 2025})
		if err != nil || rep.New != 1 || rep.Unchanged != 1 {
			t.Fatalf("English import: %v %+v %v", err, rep, rep.Errors())
		}
		snowNow, err := st.Conference(ctx, 2025, 22)
		if err != nil || snowNow.Status != conference.Held || len(snowNow.Experts) != 2 || snowNow.Experts[0].Field != "western" {
			t.Errorf("小雪 %+v %v", snowNow, err)
		}
		// A year column wins over the default year.
		rep, err = importConferences(t, st, "c.csv", "year,term,date,theme\n2026,1,2026-01-04,小寒\n", importer.ConferenceOptions{Year: 2025})
		if err != nil || rep.New != 1 {
			t.Errorf("another year: %v %v", err, rep.Errors())
		}
		if _, err := st.Conference(ctx, 2026, 1); err != nil {
			t.Errorf("小寒 2026: %v", err)
		}
	})
}

// badConfCSV has one problem per row, rows 3 to 17; row 2 is valid.
const badConfCSV = `年份,节气,日期,时间,主题,专家,状态,举办日期,回放链接,传播量
2025,小雪,2025-11-21,15:00,小雪防寒,中医：张三,已举办,2025-11-21,https://example.org/a,100
二〇二五,大雪,2025-12-05,15:00,主题,,,,,
2025,小暑大暑,2025-07-05,15:00,主题,,,,,
2025,冬至,2025-12-32,15:00,主题,,,,,
2025,冬至,2025-11-01,15:00,主题,,,,,
2025,立冬,2025-11-06,25:00,主题,,,,,
2025,霜降,2025-10-22,15:00,,,,,,
2025,寒露,2025-10-07,15:00,主题,外科：李四,,,,
2025,秋分,2025-09-22,15:00,主题,,结束,,,
2025,白露,2025-09-06,15:00,主题,中医：张三,已举办,2025-09-06,,十万
2025,处暑,2025-08-22,15:00,主题,,已举办,2025-08-22,,
2025,立秋,2025-08-06,15:00,主题,中医：张三,已举办,2025-08-06,ftp://example.org/x,
2025,大雪,2025-11-28,15:00,主题,中医：张三,已举办,2025-11-28,,
2025,小满,2025-05-20,15:00,主题,中医：张三,已举办,2025-05-20,,-3
2025,小雪,2025-11-20,15:00,主题,,,,,
2025,芒种,2025-06-04,15:00,主题,,,,,,多余
`

// badConfWant is each bad row's column in error and a part of its
// English message.
var badConfWant = []struct {
	row         int
	column, msg string
}{
	{3, "年份", "not a year"},
	{4, "节气", "not a solar term"},
	{5, "日期", "not a date"},
	{6, "日期", "outside the window"},
	{7, "时间", "want HH:MM"},
	{8, "主题", "a theme is required"},
	{9, "专家", `unknown field "外科"`},
	{10, "状态", "planned, held or cancelled"},
	{11, "传播量", "not a whole number"},
	{12, "专家", "needs at least one expert"},
	{13, "回放链接", "http or https"},
	{14, "举办日期", "after today"},
	{15, "传播量", "cannot be negative"},
	{16, "节气", "same year and term as row 2"},
	{17, "", "more cells than the header"},
}

func TestImportConferencesErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rep, err := importConferences(t, st, "计划.csv", badConfCSV, importer.ConferenceOptions{})
		if !errors.Is(err, importer.ErrRejected) {
			t.Fatalf("import of a file with bad rows: %v", err)
		}
		if cs, _ := st.Conferences(ctx, 2025); len(cs) != 0 {
			t.Fatalf("all or nothing: %d conferences stored", len(cs))
		}
		checkConfErrors(t, rep)

		// Partial: the valid row is stored, the others come back as a
		// file in the same format with the reasons.
		rep, err = importConferences(t, st, "计划.csv", badConfCSV, importer.ConferenceOptions{Partial: true})
		if err != nil || !rep.Committed || rep.New != 1 || len(rep.Rejected) != len(badConfWant) {
			t.Fatalf("partial import: %v %+v", err, rep)
		}
		checkConfErrors(t, rep)
		if cs, _ := st.Conferences(ctx, 2025); len(cs) != 1 || cs[0].Term != 22 {
			t.Fatalf("partial import stored %+v", cs)
		}
		var rejects bytes.Buffer
		if err := importer.WriteRejects(&rejects, rep, table.CSV, "zh"); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(rejects.String()), "\n")
		if len(lines) != 1+len(badConfWant) || !strings.HasSuffix(lines[0], "原行号,错误字段,错误原因") ||
			!strings.HasPrefix(lines[1], "二〇二五,大雪,") || !strings.Contains(lines[1], ",3,年份,") {
			t.Fatalf("rejects file:\n%s", rejects.String())
		}
		// Fixed and uploaded again, the rejects file imports (its error
		// columns are ignored); only the fixed row is kept here.
		fixed := lines[0] + "\n" + strings.Replace(lines[1], "二〇二五", "2025", 1) + "\n"
		rep, err = importConferences(t, st, "计划-rejected.csv", fixed, importer.ConferenceOptions{})
		if err != nil || rep.New != 1 {
			t.Fatalf("fixed rejects: %v %+v %v", err, rep, rep.Errors())
		}
	})
}

func checkConfErrors(t *testing.T, rep *importer.Report) {
	t.Helper()
	if len(rep.Rejected) != len(badConfWant) {
		for _, e := range rep.Errors() {
			t.Log(e)
		}
		t.Fatalf("%d rows rejected, want %d", len(rep.Rejected), len(badConfWant))
	}
	for i, w := range badConfWant {
		rj := rep.Rejected[i]
		if rj.Row != w.row || len(rj.Errors) != 1 {
			t.Errorf("rejected row %d: %+v, want row %d with one error", i, rj, w.row)
			continue
		}
		e := rj.Errors[0]
		if e.File != "计划.csv" || e.Column != w.column || !strings.Contains(e.Msg.EN, w.msg) || e.Msg.ZH == "" {
			t.Errorf("row %d: %+v, want column %q and %q", w.row, e, w.column, w.msg)
		}
		zh, en := e.In("zh"), e.In("en")
		if !strings.HasPrefix(zh, fmt.Sprintf("计划.csv: 第%d行: %s", w.row, w.column)) ||
			!strings.HasPrefix(en, fmt.Sprintf("计划.csv: row %d: %s", w.row, w.column)) {
			t.Errorf("error texts %q / %q", zh, en)
		}
	}
}

// roundTripPlan is a plan with every kind of value, including the text an
// export must quote.
func roundTripPlan() []conference.Conference {
	return []conference.Conference{
		{Year: 2025, Term: 4, Date: "2025-02-17", Time: "15:00", Theme: "雨水, \"防湿\"", ThemeEN: "Rain Water; damp",
			Experts: []conference.Expert{{Field: "tcm", Name: "张三", Affiliation: "北京大学（医学部）教授"}, {Field: "cdc", Name: "Li Si"}},
			Advice:  "第一行\n第二行：\"引号\", 逗号", AdviceEN: "line one\nline two", Status: conference.Held, HeldOn: "2025-02-16",
			RecordingURL: "https://www.nhc.gov.cn/a?b=1&c=2", Reach: 2_500_000},
		{Year: 2025, Term: 14, Date: "2025-07-21", Time: "15:00", Theme: "大暑", Status: conference.Cancelled},
		{Year: 2025, Term: 23, Date: "2025-12-05", Time: "09:30", Theme: "大雪", Experts: []conference.Expert{{Field: "exercise", Name: "王五"}}, Status: conference.Planned},
		{Year: 2026, Term: 1, Date: "2026-01-04", Time: "10:00", Theme: "小寒", Status: conference.Planned},
	}
}

// TestConferencesRoundTrip: an export in either format and language
// imports back unchanged, and exports again byte for byte.
func TestConferencesRoundTrip(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	if _, err := st.PutConferences(ctx, roundTripPlan(), "2025-12-31", confActor); err != nil {
		t.Fatal(err)
	}
	all, err := st.Conferences(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []table.Format{table.CSV, table.XLSX} {
		for _, lang := range []string{"zh", "en"} {
			t.Run(f.String()+"-"+lang, func(t *testing.T) {
				var first bytes.Buffer
				if err := importer.ExportConferences(&first, all, f, lang); err != nil {
					t.Fatal(err)
				}
				name := "plan." + f.String()
				rep, err := importer.ImportConferences(ctx, st, name, bytes.NewReader(first.Bytes()), importer.ConferenceOptions{Today: "2025-12-31", Actor: confActor})
				if err != nil || rep.Unchanged != len(all) || rep.New+rep.Changed != 0 {
					t.Fatalf("import of the export: %v %+v %v", err, rep, rep.Errors())
				}
				again, err := st.Conferences(ctx, 0)
				if err != nil || !reflect.DeepEqual(again, all) {
					t.Fatalf("the store changed:\n%+v\n%+v", again, all)
				}
				var second bytes.Buffer
				if err := importer.ExportConferences(&second, again, f, lang); err != nil {
					t.Fatal(err)
				}
				if f == table.CSV && !bytes.Equal(first.Bytes(), second.Bytes()) {
					t.Errorf("export → import → export differs:\n%s\n%s", first.String(), second.String())
				}
				rd, err := table.NewReader(name, bytes.NewReader(second.Bytes()), f)
				if err != nil {
					t.Fatal(err)
				}
				defer rd.Close()
				if h := rd.Header(); !reflect.DeepEqual(h, importer.ConferenceHeader(lang)) {
					t.Errorf("header %q", h)
				}
			})
		}
	}
	// A changed cell is a change, with the field named.
	var b bytes.Buffer
	if err := importer.ExportConferences(&b, all[:1], table.CSV, "zh"); err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(b.String(), "2500000", "2600000", 1)
	rep, err := importer.ImportConferences(ctx, st, "plan.csv", strings.NewReader(changed), importer.ConferenceOptions{Today: "2025-12-31", DryRun: true})
	if err != nil || rep.Changed != 1 || len(rep.Changes) != 1 || len(rep.Changes[0].Diff) != 1 || rep.Changes[0].Diff[0].Field != "reach" || rep.Committed {
		t.Errorf("dry run of a changed reach: %v %+v", err, rep)
	}
}

func TestConferenceTemplate(t *testing.T) {
	st := storetest.OpenSQLite(t)
	for _, f := range []table.Format{table.CSV, table.XLSX} {
		var b bytes.Buffer
		if err := importer.ConferenceTemplate(&b, 2026, f, "zh"); err != nil {
			t.Fatal(err)
		}
		name := "模板." + f.String()
		// Untouched, it plans nothing.
		_, err := importer.ImportConferences(context.Background(), st, name, bytes.NewReader(b.Bytes()), importer.ConferenceOptions{Today: confToday})
		if err == nil || !strings.HasPrefix(err.Error(), name+": no rows") {
			t.Errorf("%s: empty template: %v", f, err)
		}
	}
	var b bytes.Buffer
	if err := importer.ConferenceTemplate(&b, 2026, table.CSV, "zh"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 26 || lines[1] != "2026,小寒,,,,,,,,,,," || lines[24] != "2026,冬至,,,,,,,,,,," {
		t.Fatalf("template:\n%s", b.String())
	}
	lines[22] = "2026,小雪,2026-11-20,,小雪防寒,,,,,,,,"
	rep, err := importer.ImportConferences(context.Background(), st, "模板.csv", strings.NewReader(strings.Join(lines, "\n")), importer.ConferenceOptions{Today: confToday, Actor: confActor})
	if err != nil || rep.Rows != 1 || rep.New != 1 {
		t.Errorf("filled template: %v %+v %v", err, rep, rep.Errors())
	}
}

func TestImportConferencesHeader(t *testing.T) {
	st := storetest.OpenSQLite(t)
	for _, tc := range []struct{ content, want string }{
		{"年份,节气,日期,主题,备注\n2025,小雪,2025-11-20,x,y\n", `unknown columns ["备注"]`},
		{"年份,节气,主题\n2025,小雪,x\n", `missing columns ["日期/date"]`},
		{"节气,日期,主题\n小雪,2025-11-20,x\n", `missing columns ["年份/year"]`},
		{"年份,节气,日期,主题,date\n2025,小雪,2025-11-20,x,y\n", "are the same field"},
		{"", "the file is empty"},
		{"年份,节气,日期,主题\n", "no rows below the header"},
	} {
		_, err := importConferences(t, st, "f.csv", tc.content, importer.ConferenceOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "f.csv: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.content, err, tc.want)
		}
	}
}

func TestParseTerm(t *testing.T) {
	for in, want := range map[string]int{
		"小雪": 22, "22": 22, "1": 1, "24": 24, "xiǎoxuě": 22, "Xiao Xue": 22, "XIAOXUE": 22, "jīngzhé": 5, "jingzhe": 5,
		"gǔyǔ": 8, "Gu Yu": 8, "chu shu": 16, "shuāng-jiàng": 20, " 冬至 ": 24,
	} {
		if got, ok := importer.ParseTerm(in); !ok || got.Index != want {
			t.Errorf("ParseTerm(%q) = %d, %v; want %d", in, got.Index, ok, want)
		}
	}
	for _, in := range []string{"", "0", "25", "-1", "小寒大寒", "xue", "雪"} {
		if got, ok := importer.ParseTerm(in); ok {
			t.Errorf("ParseTerm(%q) = %v", in, got)
		}
	}
}

// FuzzImportConferences feeds arbitrary bytes to the import as a CSV and
// an XLSX file (a partial dry run into a real store): it must never
// panic, and a file it cannot take is answered with row errors naming the
// file and a row below the header, or with an error about the file as a
// whole that names it: never a store error.
func FuzzImportConferences(f *testing.F) {
	f.Add([]byte(confCSV), false)
	f.Add([]byte(badConfCSV), false)
	f.Add([]byte("year,term,date,theme,experts,status,held_on,reach\n2025,xiaoxue,2025-11-20,x,中医：张（,held,2025-11-20,1e9\n"), false)
	f.Add([]byte("年份,节气,日期,主题\n99999999999999999999,0,,\n2100,冬至,2100-12-21,x\n"), false)
	var x bytes.Buffer
	importer.ExportConferences(&x, roundTripPlan(), table.XLSX, "zh")
	f.Add(x.Bytes(), true)
	x.Reset()
	importer.ConferenceTemplate(&x, 2025, table.XLSX, "en")
	f.Add(x.Bytes(), true)
	st := storetest.OpenSQLite(f)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		rep, err := importer.ImportConferences(context.Background(), st, name, bytes.NewReader(data),
			importer.ConferenceOptions{DryRun: true, Partial: true, Today: confToday, Actor: confActor})
		var te *table.Error
		if err != nil && !errors.Is(err, importer.ErrRejected) && !errors.As(err, &te) && !strings.HasPrefix(err.Error(), name+": ") {
			t.Fatalf("an error that is not about the file: %v", err)
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
