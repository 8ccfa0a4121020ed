package importer_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
)

var figureRules = func() *figure.Rules {
	r, err := figure.DefaultCatalog().Compile()
	if err != nil {
		panic(err)
	}
	return r
}()

var uploader = store.FigureActor{UserID: "u1", Role: "reporter", Region: "410100", RequestID: "r1",
	At: time.Date(2025, 4, 3, 9, 0, 0, 0, time.UTC)}

// figuresCSV: Zhengzhou's March hotline and lectures, two of its counties'
// deposits and referrals, and a quarter of a county's childcare slots.
const figuresCSV = `地区代码,地区名称,报告期,专家讲座场次（场）,12356热线来电量（通）,12356热线接听量（通）,12356危机干预例数（例）,退还门诊预交金余额（元）,退还门诊预交金账户数（户）,新增普惠托位数（个）,儿科医联体转诊人次（人次）
410100,郑州市,2025-03,4,"1,200",1150,9,,,,
410122,中牟县,2025-03,,,,,52000.5,31,,120
410102,中原区,2025年3月,,,,,8000,4,,35
410122,中牟县,2025-Q1,,,,,,,60,
`

func importFigures(t *testing.T, s importer.FigureStore, name, content string, opts importer.FigureOptions) (*importer.Report, error) {
	t.Helper()
	if opts.Actor.UserID == "" {
		opts.Actor = uploader
	}
	return importer.ImportFigures(context.Background(), s, tree, figureRules, name, strings.NewReader(content), opts)
}

func TestImportFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rep, err := importFigures(t, s, "上报.csv", figuresCSV, importer.FigureOptions{Submit: true})
		if err != nil || !rep.Committed || rep.New != 4 || rep.Rows != 4 {
			t.Fatalf("import: %v %+v %v", err, rep, rep.Errors())
		}
		sub, err := s.FigureSubmission(ctx, "410100", figure.Period{Span: figure.Month, Year: 2025, N: 3}, 0)
		if err != nil || sub.Status != figure.Submitted || sub.Values["hotline_received"] != 1200 || len(sub.Values) != 4 {
			t.Fatalf("Zhengzhou's March: %v %+v", err, sub)
		}
		q1, _ := s.FigureSubmission(ctx, "410122", figure.Period{Span: figure.Quarter, Year: 2025, N: 1}, 0)
		if q1.Values["affordable_slots_new"] != 60 {
			t.Errorf("Zhongmu's Q1: %+v", q1)
		}
		// The same file again changes nothing.
		rep, err = importFigures(t, s, "上报.csv", figuresCSV, importer.FigureOptions{Submit: true})
		if err != nil || rep.Unchanged != 4 || rep.New+rep.Changed != 0 {
			t.Errorf("again: %v %+v", err, rep)
		}
		// A changed value under review is refused and named.
		changed := strings.Replace(figuresCSV, "52000.5,31", "52000.5,32", 1)
		rep, err = importFigures(t, s, "改.csv", changed, importer.FigureOptions{Submit: true})
		if !errors.Is(err, importer.ErrRejected) || len(rep.Rejected) != 1 || rep.Rejected[0].Row != 3 ||
			!strings.Contains(rep.Rejected[0].Errors[0].In("zh"), "改.csv: 第3行: 报告期 \"2025-03\": 该期数据正在审核中") {
			t.Errorf("changed under review: %v %v", err, rep.Errors())
		}
		if problems, _ := s.VerifyFigures(ctx); problems != nil {
			t.Error(problems)
		}
	})
}

// TestImportFiguresErrors: every kind of bad row is named by file, row (as
// Excel shows it), column and value; all-or-nothing stores nothing,
// partial stores the good rows, and the rejects file, fixed, imports.
func TestImportFiguresErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bad := `region code,region name,period,Expert lectures held,12356 calls received,12356 calls answered,Pediatric referrals (referrals)
410100,Zhengzhou,2025-03,3,100,90,
410100,Zhengzhou,2025-04,3,100,120,
410122,中牟县,2025-03,,,,十二
410122,中牟县,2025-13,,,,12
999999,,2025-03,,,,12
410122,新郑市,2025-03,,,,12
410122,中牟县,2025-03,,50,,
410184,新郑市,2025-03,,,,-4
410181,,2025-03,,,,
410183,,2025-03,,,,7.5
410185,,2025-03,,,,5
410185,,2025-3,,,,6
420102,,2025-03,,,,5
`
		allow := func(code string) bool { return strings.HasPrefix(code, "4101") }
		rep, err := importFigures(t, s, "bad.csv", bad, importer.FigureOptions{Submit: true, Allow: allow})
		if !errors.Is(err, importer.ErrRejected) {
			t.Fatalf("all or nothing: %v", err)
		}
		var got []string
		for _, e := range rep.Errors() {
			got = append(got, e.In("en"))
		}
		want := []string{
			`bad.csv: row 3: 12356 calls answered "120": calls answered cannot exceed calls received`,
			`bad.csv: row 4: Pediatric referrals (referrals) "十二": not a number`,
			`bad.csv: row 5: period "2025-13": not a period: write 2025-03 (month), 2025-Q1 (quarter) or 2025 (year)`,
			`bad.csv: row 6: region code "999999": unknown region code`,
			`bad.csv: row 7: region name "新郑市": name does not match the code: 410122 is Zhongmu`,
			`bad.csv: row 8: 12356 calls received "50": reported by prefecture-level units and above, not by Zhongmu`,
			`bad.csv: row 9: Pediatric referrals (referrals) "-4": cannot be negative`,
			`bad.csv: row 10: no figures in the row`,
			`bad.csv: row 11: Pediatric referrals (referrals) "7.5": must be a whole number`,
			`bad.csv: row 13: period "2025-03": same unit and period as row 12`,
			`bad.csv: row 14: region code "420102": outside your area`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("errors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if subs, _ := s.LatestFigures(ctx, store.FigureQuery{}); len(subs) != 0 {
			t.Fatalf("a rejected file stored %d versions", len(subs))
		}
		rep, err = importFigures(t, s, "bad.csv", bad, importer.FigureOptions{Submit: true, Allow: allow, Partial: true})
		if err != nil || rep.New != 2 || !rep.Committed {
			t.Fatalf("partial: %v %+v", err, rep)
		}
		// The rejects come back as a file; the fixed row imports.
		var rejects bytes.Buffer
		if err := importer.WriteRejects(&rejects, rep, table.CSV, "en"); err != nil {
			t.Fatal(err)
		}
		fixed := strings.Replace(rejects.String(), "十二", "12", 1)
		rep, err = importFigures(t, s, "fixed.csv", fixed, importer.FigureOptions{Submit: true, Allow: allow, Partial: true})
		if err != nil || rep.New != 1 {
			t.Errorf("fixed rejects: %v %+v %v", err, rep, rep.Errors())
		}
	})
}

// TestImportFiguresJump: a value far from the previous period's is
// rejected with the warning until the uploader confirms it.
func TestImportFiguresJump(t *testing.T) {
	s := storetest.OpenSQLite(t)
	feb := "地区代码,报告期,儿科医联体转诊人次\n410122,2025-02,100\n"
	if _, err := importFigures(t, s, "二月.csv", feb, importer.FigureOptions{Submit: true}); err != nil {
		t.Fatal(err)
	}
	mar := "地区代码,报告期,儿科医联体转诊人次\n410122,2025-03,1000\n"
	rep, err := importFigures(t, s, "三月.csv", mar, importer.FigureOptions{Submit: true})
	if !errors.Is(err, importer.ErrRejected) || !strings.Contains(rep.Errors()[0].In("zh"), "三月.csv: 第2行: 儿科医联体转诊人次 \"1000\": 与上期（100）相比变化超过3倍") {
		t.Fatalf("jump: %v %v", err, rep.Errors())
	}
	rep, err = importFigures(t, s, "三月.csv", mar, importer.FigureOptions{Submit: true, Confirm: true})
	if err != nil || rep.New != 1 {
		t.Fatalf("confirmed: %v %v", err, rep.Errors())
	}
	sub, _ := s.FigureSubmission(context.Background(), "410122", figure.Period{Span: figure.Month, Year: 2025, N: 3}, 0)
	if !sub.Confirmed {
		t.Error("the confirmation is not recorded")
	}
	// Drafts: saved, not submitted.
	apr := "地区代码,报告期,儿科医联体转诊人次\n410122,2025-04,900\n"
	if rep, err := importFigures(t, s, "四月.csv", apr, importer.FigureOptions{}); err != nil || rep.New != 1 {
		t.Fatalf("draft: %v %v", err, rep.Errors())
	}
	sub, _ = s.FigureSubmission(context.Background(), "410122", figure.Period{Span: figure.Month, Year: 2025, N: 4}, 0)
	if sub.Status != figure.Draft {
		t.Errorf("drafts imported as %s", sub.Status)
	}
}

// TestFigureTemplate: the template for a period lists the units with the
// kinds of the span, and, filled in, imports in either language and
// format.
func TestFigureTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		units := tree.Under("410100", region.County)
		mar := figure.Period{Span: figure.Month, Year: 2025, N: 3}
		for _, c := range []struct {
			lang string
			f    table.Format
		}{{"zh", table.XLSX}, {"en", table.CSV}} {
			var b bytes.Buffer
			if err := importer.FigureTemplate(&b, figure.DefaultCatalog(), c.f, c.lang, mar, units); err != nil {
				t.Fatal(err)
			}
			rd, err := table.NewReader("template."+c.f.String(), &b, c.f)
			if err != nil {
				t.Fatal(err)
			}
			head := rd.Header()
			if len(head) != 6 || !strings.Contains(strings.Join(head, ","), map[string]string{"zh": "退还门诊预交金余额（元）", "en": "Outpatient deposit balances refunded (yuan)"}[c.lang]) {
				t.Fatalf("%s header %q", c.lang, head)
			}
			var filled bytes.Buffer
			w, _ := table.NewWriter(&filled, c.f, "")
			w.Write(head)
			n := 0
			for {
				row, _, err := rd.Next()
				if err != nil {
					break
				}
				n++
				row[3], row[4], row[5] = "100", "2", "7"
				w.Write(row)
			}
			w.Close()
			if n != len(units) {
				t.Fatalf("%d rows, want %d", n, len(units))
			}
			rep, err := importer.ImportFigures(context.Background(), s, tree, figureRules, "filled."+c.f.String(), &filled, importer.FigureOptions{Actor: uploader})
			if err != nil || rep.New+rep.Changed+rep.Unchanged != len(units) {
				t.Fatalf("%s template filled in: %v %+v %v", c.lang, err, rep, rep.Errors())
			}
		}
	})
}

func TestImportFiguresFileErrors(t *testing.T) {
	s := storetest.OpenSQLite(t)
	for _, c := range []struct{ content, want string }{
		{"地区代码,报告期,床位数\n410122,2025-03,1\n", `unknown columns ["床位数"]`},
		{"地区代码,儿科医联体转诊人次\n410122,1\n", "missing columns"},
		{"地区代码,报告期\n410122,2025-03\n", "a column per kind"},
		{"地区代码,报告期,referrals,儿科医联体转诊人次\n", "are the same field"},
		{"地区代码,报告期,referrals\n", "no rows"},
		{"", "empty"},
	} {
		if _, err := importFigures(t, s, "f.csv", c.content, importer.FigureOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.content, err, c.want)
		}
	}
}

// FuzzImportFigures feeds arbitrary bytes to the figures import as a CSV
// and an XLSX file (a dry run into a real store): whatever comes in, it
// must return a report or an error, never panic, and every row error must
// name the file and a row below the header.
func FuzzImportFigures(f *testing.F) {
	f.Add([]byte(figuresCSV), false)
	f.Add([]byte("region code,period,referrals\n410122,2025-03,1\n410122,2025-03,1\n"), false)
	f.Add([]byte("地区代码,报告期,儿科医联体转诊人次\n410122,2025年第1季度,1e5\n"), false)
	var x bytes.Buffer
	importer.FigureTemplate(&x, figure.DefaultCatalog(), table.XLSX, "zh", figure.Period{Span: figure.Month, Year: 2025, N: 3}, tree.Under("410100", region.County))
	f.Add(x.Bytes(), true)
	s := storetest.OpenSQLite(f)
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		rep, err := importer.ImportFigures(context.Background(), s, tree, figureRules, name, bytes.NewReader(data),
			importer.FigureOptions{DryRun: true, Partial: true, Submit: true, Actor: uploader})
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
