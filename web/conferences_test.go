package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/conference"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
	"github.com/shishi-health/shishi/table"
	"github.com/shishi-health/shishi/web"
)

// snowDay is the clock of the conference tests: 2025-11-23 in Beijing,
// the second day of 小雪 (11-22 09:36); 大雪 begins on 12-07.
var snowDay = time.Date(2025, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// confServer is a server whose clock reads at.
func confServer(t testing.TB, st *store.Store, at time.Time) *web.Server {
	t.Helper()
	return web.New(web.Config{Store: st, Tree: tree, Now: func() time.Time { return at }, Version: "test",
		Logger: testLogger(t), UploadDir: t.TempDir(), AnonymousBurst: 1000})
}

// confUsers are the national reporter (who writes the plan), the national
// supervisor (who reads it) and a county reporter (who may do neither).
type confUsers struct {
	reporter, supervisor, county auth.User
}

func newConfUsers(t testing.TB, st *store.Store) confUsers {
	return confUsers{
		reporter:   ensureUser(t, st, "reporter-cn", testPassword, auth.Reporter, region.CountryCode, "", ""),
		supervisor: ensureUser(t, st, "national-cn", testPassword, auth.NationalSupervisor, region.CountryCode, "", ""),
		county:     ensureUser(t, st, "reporter-zm", testPassword, auth.Reporter, "410122", "", ""),
	}
}

// seedConferences stores the autumn of 2025: 霜降 and 立冬 held, with
// advice, 小雪 held with advice in both languages, 大暑 cancelled, 大雪
// planned.
func seedConferences(t testing.TB, st *store.Store) []conference.Conference {
	t.Helper()
	cs := []conference.Conference{
		{Year: 2025, Term: 14, Date: "2025-07-21", Time: "15:00", Theme: "大暑防暑降温与慢性病管理", Status: conference.Cancelled},
		{Year: 2025, Term: 20, Date: "2025-10-22", Time: "15:00", Theme: "霜降流感防控与疫苗接种", ThemeEN: "Frost's Descent: flu and vaccination",
			Experts: []conference.Expert{{Field: "cdc", Name: "赵敏", Affiliation: "市疾病预防控制中心 研究员"}},
			Advice:  "流感季来临，老人、儿童尽早接种流感疫苗。", AdviceEN: "Flu season begins: vaccinate early.",
			Status: conference.Held, HeldOn: "2025-10-22", RecordingURL: "https://example.org/xcs/202520.shtml", Reach: 1_500_000},
		{Year: 2025, Term: 21, Date: "2025-11-06", Time: "15:00", Theme: "立冬心脑血管疾病预防",
			Experts: []conference.Expert{{Field: "western", Name: "钱伟", Affiliation: "市心血管病医院 主任医师"}, {Field: "tcm", Name: "孙丽"}},
			Advice:  "寒冷刺激易诱发心脑血管疾病，注意保暖，监测血压。",
			Status:  conference.Held, HeldOn: "2025-11-06", Reach: 980_000},
		{Year: 2025, Term: 22, Date: "2025-11-21", Time: "15:00", Theme: "小雪防寒保暖与呼吸道疾病防治", ThemeEN: "Minor Snow: keeping warm and respiratory illness",
			Experts: []conference.Expert{{Field: "western", Name: "王强", Affiliation: "市第一人民医院 呼吸与危重症医学科主任医师"},
				{Field: "infectious", Name: "李芳", Affiliation: "市传染病医院 主任医师"}, {Field: "tcm", Name: "张伟", Affiliation: "市中医医院 研究员"}},
			Advice:   "气温骤降，注意防寒保暖，预防流感和肺炎；室内定时通风，取暖注意预防一氧化碳中毒。",
			AdviceEN: "Temperatures drop: keep warm and guard against flu and pneumonia; air rooms and prevent carbon-monoxide poisoning.",
			Status:   conference.Held, HeldOn: "2025-11-21", RecordingURL: "https://example.org/xcs/202522.shtml", Reach: 2_340_000},
		{Year: 2025, Term: 23, Date: "2025-12-05", Time: "15:00", Theme: "大雪冬季运动与防跌倒", ThemeEN: "Major Snow: winter exercise and falls",
			Experts: []conference.Expert{{Field: "exercise", Name: "周杰"}}, Status: conference.Planned},
	}
	out, err := st.PutConferences(context.Background(), cs, "2025-11-23", audit.Entry{Actor: "seed", ActorRole: "reporter"})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func confForm(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v.Encode()
}

var formHeader = []string{"Content-Type", "application/x-www-form-urlencoded"}

// TestConferenceForm: a reporter of the commission plans a conference on
// the form, the list shows it, an update is a new revision, every write is
// in the audit trail; a rejected form keeps the input and names the
// fields; readers and county reporters cannot write.
func TestConferenceForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := newConfUsers(t, st)
		srv := confServer(t, st, snowDay).Handler()
		rep := asUser(t, st, u.reporter, srv)

		r := do(t, rep, "GET", "/conferences?year=2025", nil)
		if r.status != 200 || strings.Count(r.body, `<tr id="term-`) != 24 || !strings.Contains(r.body, "已举办 0 场") ||
			!strings.Contains(r.body, "目标：不少于 20 场") || !regexp.MustCompile(`<tr id="term-22" class="current">`).MatchString(r.body) {
			t.Fatalf("list: %d\n%s", r.status, excerpt(r.body))
		}
		if !strings.Contains(r.body, "2025-11-22 09:36") || !strings.Contains(r.body, "推算，±1分钟") {
			t.Errorf("the terms' moments and sources are missing")
		}
		r = do(t, rep, "GET", "/conferences/2025/22", nil)
		if r.status != 200 || !strings.Contains(r.body, "可举办日期：2025-11-12 至 2025-12-06") || !strings.Contains(r.body, `name="expert_name"`) {
			t.Fatalf("form: %d\n%s", r.status, excerpt(r.body))
		}

		// Create: held, the panel in rows.
		body := confForm("date", "2025-11-21", "time", "15:00", "theme", "小雪防寒保暖", "status", "held", "held_on", "2025-11-21",
			"recording_url", "https://example.org/x", "reach", "1,200,000", "advice", "注意防寒保暖。\r\n室内通风。",
			"expert_field", "western", "expert_name", "王强", "expert_affiliation", "市第一人民医院",
			"expert_field", "tcm", "expert_name", "李芳", "expert_affiliation", "",
			"expert_field", "cdc", "expert_name", "", "expert_affiliation", "")
		r = do(t, rep, "POST", "/conferences/2025/22", body, formHeader...)
		if r.status != 303 || r.header.Get("Location") != "/conferences?saved=22&year=2025#term-22" {
			t.Fatalf("create: %d %s\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
		}
		c, err := st.Conference(ctx, 2025, 22)
		if err != nil || c.Reach != 1_200_000 || len(c.Experts) != 2 || c.Advice != "注意防寒保暖。\n室内通风。" || c.RecordedOn != "2025-11-23" || c.UpdatedBy != u.reporter.ID {
			t.Fatalf("stored %+v %v", c, err)
		}
		r = do(t, rep, "GET", "/conferences?year=2025&saved=22", nil)
		for _, want := range []string{"已保存：小雪发布会", "小雪防寒保暖", "王强", "市第一人民医院", "已举办 1 场", "1,200,000", `href="https://example.org/x"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("list after create lacks %q", want)
			}
		}

		// Update: the panel in one line replaces the rows.
		body = confForm("date", "2025-11-21", "time", "15:00", "theme", "小雪防寒保暖与呼吸道疾病防治", "status", "held", "held_on", "2025-11-21",
			"recording_url", "https://example.org/x", "reach", "1200000", "advice", "注意防寒保暖。",
			"experts_text", "西医：王强（市第一人民医院）；传染病防治：赵敏", "expert_field", "tcm", "expert_name", "李芳")
		if r := do(t, rep, "POST", "/conferences/2025/22", body, formHeader...); r.status != 303 {
			t.Fatalf("update: %d\n%s", r.status, excerpt(r.body))
		}
		c, _ = st.Conference(ctx, 2025, 22)
		if c.Revision != 1 || len(c.Experts) != 2 || c.Experts[1] != (conference.Expert{Field: "infectious", Name: "赵敏"}) || c.RecordedOn != "2025-11-23" {
			t.Errorf("updated %+v", c)
		}
		// Saving the same again writes nothing.
		do(t, rep, "POST", "/conferences/2025/22", body, formHeader...)
		entries, _, err := st.AuditEntries(ctx, store.AuditQuery{Object: "conferences/2025/22"})
		if err != nil || len(entries) != 2 {
			t.Fatalf("audit entries %d, %v", len(entries), err)
		}
		for i, want := range []audit.Action{audit.Update, audit.Create} { // newest first
			e := entries[i]
			if e.Action != want || e.Actor != u.reporter.ID || e.ActorRole != "reporter" || e.Region != region.CountryCode || e.RequestID == "" {
				t.Errorf("audit entry %d: %+v", i, e)
			}
		}

		// Rejected: errors beside the fields, the input kept, nothing saved.
		bad := confForm("date", "2025-11-30", "time", "15:00", "theme", "我的新主题", "status", "held", "held_on", "2025-11-30",
			"reach", "1200000", "expert_field", "mental", "expert_name", "吴静", "expert_affiliation", "精神卫生中心",
			"recording_url", "ftp://x")
		r = do(t, rep, "POST", "/conferences/2025/22", bad, formHeader...)
		if r.status != 422 {
			t.Fatalf("invalid form: %d", r.status)
		}
		for _, want := range []string{"未保存", `value="我的新主题"`, `value="吴静"`, `value="精神卫生中心"`, `<option value="mental" selected>`,
			"举办日期2025-11-30晚于今天（2025-11-23）", "回放链接应为http或https地址", `class="field invalid"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("rejected form lacks %q\n%s", want, excerpt(r.body))
			}
		}
		r = do(t, rep, "POST", "/conferences/2025/22", confForm("date", "2025-11-21", "theme", "x", "reach", "十万"), formHeader...)
		if r.status != 422 || !strings.Contains(r.body, "传播量应为整数") {
			t.Errorf("a bad reach: %d", r.status)
		}
		r = do(t, rep, "POST", "/conferences/2025/22?lang=en", confForm("date", "2025-11-21", "theme", "x", "experts_text", "外科：张三"), formHeader...)
		if r.status != 422 || !strings.Contains(r.body, `unknown field &#34;外科&#34;`) {
			t.Errorf("bad experts in English: %d\n%s", r.status, excerpt(r.body))
		}
		if c2, _ := st.Conference(ctx, 2025, 22); c2.Revision != 1 || c2.Theme != c.Theme {
			t.Errorf("a rejected form changed the conference: %+v", c2)
		}

		// Readers read, and cannot write; a county reporter cannot write.
		sup := asUser(t, st, u.supervisor, srv)
		r = do(t, sup, "GET", "/conferences?year=2025", nil)
		if r.status != 200 || !strings.Contains(r.body, "小雪防寒保暖与呼吸道疾病防治") || strings.Contains(r.body, `href="/conferences/2025/22"`) ||
			strings.Contains(r.body, "/conferences/import") {
			t.Errorf("supervisor's list: %d", r.status)
		}
		county := asUser(t, st, u.county, srv)
		for _, h := range []http.Handler{sup, county} {
			if r := do(t, h, "POST", "/conferences/2025/22", body, formHeader...); r.status != 404 {
				t.Errorf("write by a reader: %d", r.status)
			}
			if r := do(t, h, "POST", "/conferences/2025/22/delete", "", formHeader...); r.status != 404 {
				t.Errorf("delete by a reader: %d", r.status)
			}
		}
		if r := do(t, rep, "GET", "/conferences/2025/25", nil); r.status != 404 {
			t.Errorf("term 25: %d", r.status)
		}
		if r := do(t, rep, "GET", "/conferences?year=3000", nil); r.status != 400 {
			t.Errorf("year 3000: %d", r.status)
		}

		// Delete: gone from the plan, in the audit trail.
		r = do(t, rep, "POST", "/conferences/2025/22/delete", "", formHeader...)
		if r.status != 303 || !strings.Contains(r.header.Get("Location"), "deleted=22") {
			t.Fatalf("delete: %d %s", r.status, r.header.Get("Location"))
		}
		if _, err := st.Conference(ctx, 2025, 22); err != store.ErrNotFound {
			t.Errorf("after delete: %v", err)
		}
		if r := do(t, rep, "POST", "/conferences/2025/22/delete", "", formHeader...); r.status != 404 {
			t.Errorf("delete again: %d", r.status)
		}
		if entries, _, _ := st.AuditEntries(ctx, store.AuditQuery{Object: "conferences/2025/22"}); len(entries) != 3 || entries[0].Action != audit.Purge {
			t.Errorf("audit after delete: %+v", entries)
		}
	})
}

// confUpload has a good row (2) and a bad one (3: 大雪 held in the future).
const confUpload = `年份,节气,日期,时间,主题,专家,健康提示,状态,举办日期,回放链接,传播量
2025,小雪,2025-11-21,15:00,小雪防寒保暖,西医：王强（市第一人民医院）；中医：李芳,注意防寒保暖。,已举办,2025-11-21,https://example.org/x,2340000
2025,大雪,2025-12-05,15:00,大雪冬季运动,运动健身：周杰,,已举办,2025-12-05,,
`

func uploadConferences(t *testing.T, h http.Handler, name, content string, partial bool) response {
	t.Helper()
	fields := [][2]string{{"year", "2025"}}
	if partial {
		fields = append(fields, [2]string{"partial", "1"})
	}
	b, ct := multipartBody(t, fields, name, content)
	return do(t, h, "POST", "/conferences/import", b, "Content-Type", ct)
}

// TestConferenceImportExport: an upload is all or nothing, or partial
// with the rejected rows to download; the export imports back unchanged
// and exports again the same; the template downloads.
func TestConferenceImportExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := newConfUsers(t, st)
		srv := confServer(t, st, snowDay).Handler()
		rep := asUser(t, st, u.reporter, srv)

		r := uploadConferences(t, rep, "计划.csv", confUpload, false)
		if r.status != 422 || !strings.Contains(r.body, "1 行有误，未导入任何数据") || !strings.Contains(r.body, "举办日期2025-12-05晚于今天") {
			t.Fatalf("all or nothing: %d\n%s", r.status, excerpt(r.body))
		}
		if cs, _ := st.Conferences(ctx, 2025); len(cs) != 0 {
			t.Fatalf("a rejected upload stored %d", len(cs))
		}
		r = uploadConferences(t, rep, "计划.csv", confUpload, true)
		if r.status != 200 || !strings.Contains(r.body, "导入完成：新增 1 场") || !strings.Contains(r.body, "另有 1 行有误") {
			t.Fatalf("partial: %d\n%s", r.status, excerpt(r.body))
		}
		m := regexp.MustCompile(`href="(/import/[0-9a-f]{32}/rejects)"`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatal("no rejects link")
		}
		rj := do(t, rep, "GET", m[1], nil)
		if rj.status != 200 || !strings.Contains(rj.body, "2025,大雪,2025-12-05") || !strings.Contains(rj.body, ",3,举办日期,") {
			t.Errorf("rejects file: %d\n%s", rj.status, rj.body)
		}
		// Fixed (planned, not held), the rejects file imports.
		fixed := strings.Replace(strings.TrimPrefix(rj.body, "\uFEFF"), "已举办,2025-12-05", "计划,", 1)
		if r := uploadConferences(t, rep, "计划-fixed.csv", fixed, false); r.status != 200 || !strings.Contains(r.body, "新增 1 场") {
			t.Errorf("fixed rejects: %d\n%s", r.status, excerpt(r.body))
		}
		if entries, _, _ := st.AuditEntries(ctx, store.AuditQuery{Action: audit.Import}); len(entries) != 2 || !strings.HasPrefix(entries[0].Object, "conferences/") {
			t.Errorf("import audit entries: %+v", entries)
		}

		// Export → import → export: unchanged, byte for byte.
		for _, format := range []string{"csv", "xlsx"} {
			first := do(t, rep, "GET", "/conferences/export?year=2025&format="+format, nil)
			if first.status != 200 || !strings.Contains(first.header.Get("Content-Disposition"), "conferences-2025."+format) {
				t.Fatalf("export %s: %d %v", format, first.status, first.header)
			}
			r := uploadConferences(t, rep, "export."+format, first.body, false)
			if r.status != 200 || !strings.Contains(r.body, "新增 0 场，修改 0 场，未变 2 场") {
				t.Errorf("import of the %s export: %d\n%s", format, r.status, excerpt(r.body))
			}
			second := do(t, rep, "GET", "/conferences/export?year=2025&format="+format, nil)
			if format == "csv" && second.body != first.body {
				t.Errorf("export → import → export differs:\n%s\n%s", first.body, second.body)
			}
			f, _ := table.ParseFormat(format)
			rd, err := table.NewReader("x."+format, strings.NewReader(second.body), f)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				if _, _, err := rd.Next(); err != nil {
					break
				}
				n++
			}
			rd.Close()
			if h := rd.Header(); n != 2 || h[0] != "年份" || h[len(h)-1] != "传播量" {
				t.Errorf("%s export: header %q, %d rows", format, h, n)
			}
		}
		if r := do(t, rep, "GET", "/conferences/export?year=2025&format=csv&lang=en", nil); !strings.HasPrefix(strings.TrimPrefix(r.body, "\uFEFF"), "year,term,date,time,theme,theme_en,experts,advice,advice_en,status,held_on,recording_url,reach\n2025,xiǎoxuě,") {
			t.Errorf("English export:\n%s", r.body)
		}
		tpl := do(t, rep, "GET", "/conferences/template?year=2026&format=csv", nil)
		if tpl.status != 200 || !strings.Contains(tpl.body, "2026,冬至,,") {
			t.Errorf("template: %d\n%s", tpl.status, tpl.body)
		}
		if r := uploadConferences(t, rep, "bad.csv", "备注\nx\n", false); r.status != 400 || !strings.Contains(r.body, "bad.csv: row 1: unknown columns") {
			t.Errorf("a file with a bad header: %d", r.status)
		}
		if r := do(t, rep, "GET", "/conferences/export?format=pdf", nil); r.status != 400 {
			t.Errorf("export as pdf: %d", r.status)
		}
		// The supervisor exports, but cannot import or get the template.
		sup := asUser(t, st, u.supervisor, srv)
		if r := do(t, sup, "GET", "/conferences/export?year=2025&format=xlsx", nil); r.status != 200 {
			t.Errorf("supervisor's export: %d", r.status)
		}
		if r := uploadConferences(t, sup, "计划.csv", confUpload, true); r.status != 404 {
			t.Errorf("supervisor's upload: %d", r.status)
		}
	})
}

// TestConferenceAPI: PUT plans or records a conference (new, changed,
// unchanged), 422 names the fields; GET lists the year.
func TestConferenceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := newConfUsers(t, st)
		srv := confServer(t, st, snowDay).Handler()
		rep := asUser(t, st, u.reporter, srv)
		body := map[string]any{"date": "2025-11-21", "time": "15:00", "theme": "小雪防寒保暖", "status": "held", "held_on": "2025-11-21",
			"experts": []map[string]string{{"field": "西医", "name": "王强", "affiliation": "市第一人民医院"}}, "advice": "注意保暖。", "reach": 1000}
		r := do(t, rep, "PUT", "/api/conferences/2025/22", body)
		if r.status != 200 || path(r.decode(t), "change") != "new" || path(r.decode(t), "conference", "experts", 0, "field") != "western" ||
			path(r.decode(t), "conference", "recorded_on") != "2025-11-23" {
			t.Fatalf("PUT new: %d %s", r.status, r.body)
		}
		if r := do(t, rep, "PUT", "/api/conferences/2025/xiaoxue", body); path(r.decode(t), "change") != "unchanged" {
			t.Errorf("PUT the same: %s", r.body)
		}
		body["experts"] = "西医：王强（市第一人民医院）；中医：李芳"
		if r := do(t, rep, "PUT", "/api/conferences/2025/小雪", body); path(r.decode(t), "change") != "changed" || path(r.decode(t), "conference", "revision") != 1.0 {
			t.Errorf("PUT changed: %s", r.body)
		}
		body["held_on"], body["recording_url"] = "2025-12-01", "mailto:x"
		r = do(t, rep, "PUT", "/api/conferences/2025/22", body)
		fields := map[string]bool{}
		for _, f := range path(r.decode(t), "error", "fields").([]any) {
			fields[f.(map[string]any)["field"].(string)] = true
		}
		if r.status != 422 || !fields["held_on"] || !fields["recording_url"] {
			t.Errorf("PUT invalid: %d %s", r.status, r.body)
		}
		if r := do(t, rep, "PUT", "/api/conferences/2025/22", map[string]any{"theme": "x", "color": "red"}); r.status != 400 {
			t.Errorf("PUT with an unknown field: %d", r.status)
		}
		if r := do(t, rep, "PUT", "/api/conferences/2025/22", map[string]any{"theme": "x", "experts": 5}); r.status != 422 {
			t.Errorf("PUT with experts a number: %d", r.status)
		}
		r = do(t, rep, "GET", "/api/conferences?year=2025", nil)
		if r.status != 200 || path(r.decode(t), "held") != 1.0 || path(r.decode(t), "target") != 20.0 ||
			path(r.decode(t), "conferences", 0, "term_name") != "小雪" || path(r.decode(t), "conferences", 0, "experts", 1, "name") != "李芳" {
			t.Errorf("GET: %d %s", r.status, r.body)
		}
		if r := do(t, asUser(t, st, u.county, srv), "PUT", "/api/conferences/2025/22", body); r.status != 404 {
			t.Errorf("county reporter's PUT: %d", r.status)
		}
		if r := do(t, srv, "GET", "/api/conferences", nil); r.status != 401 {
			t.Errorf("anonymous GET: %d", r.status)
		}
	})
}

// TestConferencePublic: the public page without a login shows the current
// term, the days to the next and the term's advice, falls back to the
// latest held conference's advice, says so when there is none, and lists
// the year; the feed is served to anyone and parses.
func TestConferencePublic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		empty := confServer(t, st, snowDay).Handler()
		r := do(t, empty, "GET", "/public/conferences", nil)
		if r.status != 200 || !strings.Contains(r.body, "本节气的健康提示尚未发布") || !strings.Contains(r.body, "本年度尚无发布会安排") {
			t.Errorf("public page without conferences: %d\n%s", r.status, r.body)
		}
		seedConferences(t, st)
		h := confServer(t, st, snowDay).Handler()
		r = do(t, h, "GET", "/public/conferences", nil)
		for _, want := range []string{`<html lang="zh-CN">`, "当前节气", ">小雪<", "xiǎoxuě", "交节：2025-11-22 09:36（北京时间）", "距大雪还有 14 天（2025-12-07 05:05）",
			"气温骤降，注意防寒保暖", "2025年“时令节气与健康”发布会", "已举办 3 场，计划 1 场", "全年目标不少于 20 场",
			"王强", "市第一人民医院 呼吸与危重症医学科主任医师", "观看回放", "传播量 2,340,000", `href="/public/conferences.ics"`, "取消"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("public page lacks %q", want)
			}
		}
		if strings.Contains(r.body, "seed") || strings.Contains(r.body, "reporter") || strings.Contains(r.body, "/logout") {
			t.Errorf("the public page names who entered the plan, or shows the session's header")
		}
		r = do(t, h, "GET", "/public/conferences?lang=en", nil)
		for _, want := range []string{`<html lang="en">`, "Current solar term", "Next term: dàxuě, in 14 days", "Temperatures drop: keep warm",
			"Minor Snow: keeping warm", `lang="zh-CN">立冬心脑血管疾病预防`, "Western medicine"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("English public page lacks %q", want)
			}
		}
		// 大雪 has begun and its conference gave no advice: the latest
		// held conference's advice, with its term.
		r = do(t, confServer(t, st, time.Date(2025, 12, 8, 9, 0, 0, 0, snowDay.Location())).Handler(), "GET", "/public/conferences", nil)
		if !strings.Contains(r.body, ">大雪<") || !strings.Contains(r.body, "以下为2025年小雪发布会的提示") || !strings.Contains(r.body, "气温骤降") {
			t.Errorf("fallback advice:\n%s", r.body)
		}
		// Early January: the term is the last year's 冬至; the latest
		// advice is last year's.
		r = do(t, confServer(t, st, time.Date(2026, 1, 3, 9, 0, 0, 0, snowDay.Location())).Handler(), "GET", "/public/conferences", nil)
		if !strings.Contains(r.body, ">冬至<") || !strings.Contains(r.body, "距小寒还有 2 天") || !strings.Contains(r.body, "以下为2025年小雪发布会的提示") ||
			!strings.Contains(r.body, "2026年“时令节气与健康”发布会") {
			t.Errorf("January:\n%s", r.body)
		}
		if r := do(t, h, "GET", "/public/conferences/2025", nil); r.status != 200 || !strings.Contains(r.body, `id="term-22"`) {
			t.Errorf("/public/conferences/2025: %d", r.status)
		}
		for _, bad := range []string{"/public/conferences/abc", "/public/conferences/1800"} {
			if r := do(t, h, "GET", bad, nil); r.status != 404 {
				t.Errorf("%s: %d", bad, r.status)
			}
		}
		// A logged-in visitor sees the same page.
		if r := do(t, asUser(t, st, newConfUsers(t, st).supervisor, h), "GET", "/public/conferences", nil); r.status != 200 || !strings.Contains(r.body, "气温骤降") {
			t.Errorf("logged in: %d", r.status)
		}

		// The feed, to anyone.
		r = do(t, h, "GET", "/public/conferences.ics", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("feed: %d %q", r.status, r.header.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(strings.NewReader(r.body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
		}
		events := cal.Events()
		if name, _ := cal.Props.Text("X-WR-CALNAME"); len(events) != 5 || name != "时令节气与健康发布会" {
			t.Fatalf("feed: %d events, name %q", len(events), name)
		}
		byUID := map[string]ical.Event{}
		for _, e := range events {
			uid, _ := e.Props.Text(ical.PropUID)
			byUID[uid] = e
		}
		snow, ok := byUID["shishi-conference-2025-22@example.com"]
		if !ok {
			t.Fatalf("no 小雪 event among %v", byUID)
		}
		if s, _ := snow.Props.Text(ical.PropSummary); s != "【小雪】“时令节气与健康”发布会：小雪防寒保暖与呼吸道疾病防治" {
			t.Errorf("SUMMARY %q", s)
		}
		if start, _ := snow.DateTimeStart(nil); !start.Equal(time.Date(2025, 11, 21, 7, 0, 0, 0, time.UTC)) {
			t.Errorf("DTSTART %v", start)
		}
		heat := byUID["shishi-conference-2025-14@example.com"]
		if st, _ := heat.Status(); st != ical.EventCancelled {
			t.Errorf("大暑 STATUS %q", st)
		}
		if u := byUID["shishi-conference-2025-23@example.com"].Props.Get(ical.PropURL); u == nil || u.Value != "http://example.com/public/conferences" {
			t.Errorf("URL of a planned conference: %v", u)
		}
		for _, l := range strings.Split(strings.TrimSuffix(r.body, "\r\n"), "\r\n") {
			if len(l) > 75 || strings.ContainsAny(l, "\r\n") {
				t.Errorf("feed line %q", l)
			}
		}
		r = do(t, h, "GET", "/public/conferences.ics?year=2026&lang=en", nil)
		cal, err = ical.NewDecoder(strings.NewReader(r.body)).Decode()
		if err != nil || len(cal.Events()) != 0 {
			t.Errorf("2026 feed: %v", err)
		}
		if name, _ := cal.Props.Text("X-WR-CALNAME"); name != "Seasonal health press conferences" {
			t.Errorf("English feed name %q", name)
		}
		if r := do(t, h, "GET", "/public/conferences.ics?year=abc", nil); r.status != 400 {
			t.Errorf("feed of year abc: %d", r.status)
		}
	})
}

// TestConferencePublicRateLimit: the public page and the feed count in
// the anonymous rate limit like every public route.
func TestConferencePublicRateLimit(t *testing.T) {
	st := storetest.OpenSQLite(t)
	h := web.New(web.Config{Store: st, Tree: tree, Now: func() time.Time { return snowDay }, Version: "test",
		Logger: testLogger(t), UploadDir: t.TempDir(), AnonymousRate: 1, AnonymousBurst: 3}).Handler()
	var got []int
	for _, p := range []string{"/public/conferences", "/public/conferences.ics", "/public/conferences/2025", "/public/conferences"} {
		got = append(got, do(t, h, "GET", p, nil).status)
	}
	if got[0] != 200 || got[1] != 200 || got[2] != 200 || got[3] != 429 {
		t.Errorf("statuses %v, want 200 three times and 429 over the burst", got)
	}
}
