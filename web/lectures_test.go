package web_test

import (
	"bytes"
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/importer"
	"github.com/shishi-health/shishi/lecture"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// lectureHospitals are hospitals held to the lecture quota beside the
// seed's H002 (a level-3 general hospital with psychiatry): two
// psychiatric hospitals in Zhengzhou and Zhongmu, and one in Wuhan,
// outside Henan.
const lectureHospitals = `机构代码,机构名称,所在县区代码,等级,类别,所有制,儿科服务,精神科,生效日期
H006,郑州市第八人民医院,410102,三级,精神专科医院,公立,无,是,2024-01-01
H007,中牟县精神病医院,410122,二级,精神专科医院,公立,无,是,2024-01-01
H008,武汉市精神卫生中心,420102,三级,精神专科医院,公立,无,是,2024-01-01
`

func seedLectures(t testing.TB, st *store.Store) {
	t.Helper()
	seed(t, st)
	rep, err := importer.Import(context.Background(), st, tree, facility.Hospitals, "精神.csv", strings.NewReader(lectureHospitals), importer.Options{Today: today})
	if err != nil {
		t.Fatalf("seed: %v %v", err, rep.Errors())
	}
}

// lectureForm is a form of a lecture, with fields changed by pairs.
func lectureForm(pairs ...string) url.Values {
	f := url.Values{"kind": {"team"}, "region": {"410100"}, "held_on": {"2025-06-01"}, "venue": {"school"},
		"place": {"郑州市第一中学"}, "topic": {"青少年情绪管理"}, "audience": {"120"}}
	for i := 0; i+1 < len(pairs); i += 2 {
		f.Set(pairs[i], pairs[i+1])
	}
	return f
}

func lectureList(t *testing.T, st *store.Store) []lecture.Lecture {
	t.Helper()
	ls, _, err := st.Lectures(context.Background(), store.LectureQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// TestLectureLog: a prefecture's reporter logs, lists, corrects and
// deletes lectures of its team and its hospitals, each change audited,
// and nothing outside its prefecture; a hospital's staff log their own
// hospital's lectures only.
func TestLectureLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLectures(t, st)
		srv := newServer(t, st)
		rep := asUser(t, st, ensureUser(t, st, "lec-zz", testPassword, auth.Reporter, "410100", "", ""), srv.Handler())

		r := do(t, rep, "GET", "/lectures", nil)
		if r.status != 200 || !strings.Contains(r.body, `<option value="410100" selected>郑州市专家巡讲团</option>`) ||
			strings.Contains(r.body, `value="410000"`) || !strings.Contains(r.body, `action="/lectures/import?csrf=`) {
			t.Fatalf("the log page: %d\n%s", r.status, excerpt(r.body))
		}
		if r := postForm(t, rep, "/lectures?region=410100", lectureForm(), ""); r.status != 303 || r.header.Get("Location") != "/lectures?done=add&region=410100" {
			t.Fatalf("add: %d %s\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
		}
		// A hospital of the prefecture: its county and name come from the
		// registry; the level is the one chosen.
		if r := postForm(t, rep, "/lectures?region=410100", lectureForm("kind", "hospital", "region", "", "hospital", "H002",
			"level", "prefecture", "venue", "enterprise", "topic", "职场压力", "audience", "1,500"), ""); r.status != 303 {
			t.Fatalf("add a hospital's: %d\n%s", r.status, excerpt(r.body))
		}
		// The form sent twice: the second is refused.
		if r := postForm(t, rep, "/lectures?region=410100", lectureForm(), ""); r.status != 422 || !strings.Contains(r.body, "该讲座已登记（编号") {
			t.Errorf("the same lecture twice: %d\n%s", r.status, excerpt(r.body))
		}
		ls := lectureList(t, st)
		if len(ls) != 2 {
			t.Fatalf("%d lectures", len(ls))
		}
		byKind := map[string]lecture.Lecture{}
		for _, l := range ls {
			byKind[l.Kind] = l
		}
		team, hosp := byKind[lecture.Team], byKind[lecture.Hospital]
		if team.Lecturer != "郑州市专家巡讲团" || team.Level != "prefecture" || team.RecordedOn != today || team.Audience != 120 {
			t.Errorf("team lecture %+v", team)
		}
		if hosp.Region != "410102" || hosp.Lecturer != "郑州市第一人民医院" || hosp.Audience != 1500 {
			t.Errorf("hospital lecture %+v", hosp)
		}

		r = do(t, rep, "GET", "/lectures?region=410100", nil)
		for _, want := range []string{"青少年情绪管理", "郑州市第一人民医院", "1,620", `href="/lectures/quota?region=410100"`,
			"/lectures/" + strconv.FormatInt(team.ID, 10) + "/delete", "format=xlsx"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the log lacks %q\n%s", want, excerpt(r.body))
			}
		}
		// Filters: hospitals only; a period without them.
		if r := do(t, rep, "GET", "/lectures?region=410100&kind=hospital", nil); strings.Contains(r.body, "青少年情绪管理") || !strings.Contains(r.body, "职场压力") {
			t.Errorf("kind=hospital lists the team's lecture")
		}
		if r := do(t, rep, "GET", "/lectures?region=410100&from=2025-07-01&to=", nil); strings.Contains(r.body, "职场压力") || !strings.Contains(r.body, "所选范围内没有讲座记录") {
			t.Errorf("from=2025-07-01 lists June's lectures")
		}
		if r := do(t, rep, "GET", "/lectures?region=410100&kind=podcast", nil); r.status != 400 {
			t.Errorf("unknown kind: %d", r.status)
		}

		// Outside the prefecture: 404 like a missing thing.
		for _, c := range []url.Values{
			lectureForm("region", "420100"),
			lectureForm("region", "410000", "level", "province"),
			lectureForm("kind", "hospital", "hospital", "H005", "level", "prefecture"),
			lectureForm("kind", "hospital", "hospital", "H008", "level", "prefecture"),
		} {
			if r := postForm(t, rep, "/lectures?region=410100", c, ""); r.status != 404 {
				t.Errorf("add %v: %d, want 404", c, r.status)
			}
		}
		// Errors come back on the form, each at its field, the input kept.
		r = postForm(t, rep, "/lectures?region=410100", lectureForm("topic", "", "held_on", "2026-02-01", "place", "会场甲"), "")
		if r.status != 422 || !strings.Contains(r.body, "讲座主题不能为空") || !strings.Contains(r.body, "晚于今天") ||
			!strings.Contains(r.body, `value="会场甲"`) {
			t.Errorf("invalid: %d\n%s", r.status, excerpt(r.body))
		}
		if n := len(lectureList(t, st)); n != 2 {
			t.Errorf("%d lectures after refused adds", n)
		}

		// Edit: the form is filled, the change kept, the recorded day too.
		id := strconv.FormatInt(team.ID, 10)
		if r := do(t, rep, "GET", "/lectures?region=410100&edit="+id, nil); r.status != 200 || !strings.Contains(r.body, `action="/lectures/`+id+`?region=410100"`) ||
			!strings.Contains(r.body, `value="120"`) {
			t.Errorf("edit form: %d\n%s", r.status, excerpt(r.body))
		}
		if r := postForm(t, rep, "/lectures/"+id+"?region=410100", lectureForm("audience", "150", "held_on", "2025-06-02"), ""); r.status != 303 {
			t.Fatalf("edit: %d\n%s", r.status, excerpt(r.body))
		}
		got, err := st.Lecture(context.Background(), team.ID)
		if err != nil || got.Audience != 150 || got.HeldOn != "2025-06-02" || got.RecordedOn != today {
			t.Errorf("edited: %v %+v", err, got)
		}
		if r := postForm(t, rep, "/lectures/"+id+"?region=410100", lectureForm("audience", "0"), ""); r.status != 422 {
			t.Errorf("invalid edit: %d", r.status)
		}
		if r := postForm(t, rep, "/lectures/"+id+"?region=410100", lectureForm("region", "420100"), ""); r.status != 404 {
			t.Errorf("moving a lecture out of scope: %d", r.status)
		}
		// Another province's reporter neither edits nor deletes it.
		hubei := asUser(t, st, ensureUser(t, st, "lec-hb", testPassword, auth.Reporter, "420000", "", ""), srv.Handler())
		for _, p := range []string{"/lectures/" + id, "/lectures/" + id + "/delete", "/lectures/999"} {
			if r := postForm(t, hubei, p, lectureForm("region", "420100"), ""); r.status != 404 {
				t.Errorf("Hubei POST %s: %d, want 404", p, r.status)
			}
		}
		if r := do(t, hubei, "GET", "/lectures?region=420000&edit="+id, nil); r.status != 404 {
			t.Errorf("Hubei's edit form of a Henan lecture: %d", r.status)
		}
		// A supervisor reads but does not log.
		sup := asUser(t, st, roleUser(t, st, auth.PrefectureSupervisor), srv.Handler())
		if r := do(t, sup, "GET", "/lectures?region=410100", nil); r.status != 200 || strings.Contains(r.body, `id="lecture-form"`) {
			t.Errorf("supervisor's page: %d", r.status)
		}
		if r := postForm(t, sup, "/lectures?region=410100", lectureForm(), ""); r.status != 404 {
			t.Errorf("supervisor adds: %d", r.status)
		}

		// Delete.
		if r := postForm(t, rep, "/lectures/"+id+"/delete?region=410100", url.Values{}, ""); r.status != 303 {
			t.Fatalf("delete: %d", r.status)
		}
		if _, err := st.Lecture(context.Background(), team.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted lecture: %v", err)
		}
		entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Object: "lectures/" + id})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit of lecture %s: %v %d entries", id, err, len(entries))
		}
		for i, want := range []audit.Action{audit.Purge, audit.Update, audit.Create} {
			if e := entries[i]; e.Action != want || e.Region != "410100" || e.ActorRole != "reporter" {
				t.Errorf("audit entry %d: %+v, want %s", i, e, want)
			}
		}

		// A hospital's staff: their own hospital, nothing else.
		staff := asUser(t, st, roleUser(t, st, auth.HospitalStaff), srv.Handler())
		if r := do(t, staff, "GET", "/lectures", nil); r.status != 200 || !strings.Contains(r.body, `name="hospital" value="H001" readonly`) {
			t.Errorf("staff's page: %d\n%s", r.status, excerpt(r.body))
		}
		if r := postForm(t, staff, "/lectures", url.Values{"held_on": {"2025-05-10"}, "level": {"prefecture"}, "venue": {"community"},
			"topic": {"老年人睡眠健康"}, "audience": {"60"}}, ""); r.status != 303 {
			t.Errorf("staff adds its own: %d\n%s", r.status, excerpt(r.body))
		}
		for _, f := range []url.Values{
			lectureForm("kind", "hospital", "hospital", "H007", "level", "prefecture"),
			lectureForm("kind", "hospital", "hospital", "H002", "level", "prefecture"),
			lectureForm(),
		} {
			if r := postForm(t, staff, "/lectures", f, ""); r.status != 404 {
				t.Errorf("staff adds %v: %d, want 404", f, r.status)
			}
		}
		// Zhongmu's other hospital logs a lecture; H001's staff do not see it.
		if r := postForm(t, rep, "/lectures", lectureForm("kind", "hospital", "hospital", "H007", "level", "prefecture", "topic", "精神卫生"), ""); r.status != 303 {
			t.Fatalf("H007's lecture: %d", r.status)
		}
		r = do(t, staff, "GET", "/lectures", nil)
		if !strings.Contains(r.body, "老年人睡眠健康") || strings.Contains(r.body, "精神卫生") {
			t.Errorf("staff's list shows another hospital's lecture\n%s", excerpt(r.body))
		}
		if r := do(t, staff, "GET", "/lectures?region=410100", nil); r.status != 404 {
			t.Errorf("staff on the prefecture's log: %d", r.status)
		}
	})
}

// lectureAt is a lecture to store directly.
func lectureAt(kind, reg, hospital, name, level string, day int) lecture.Lecture {
	return lecture.Lecture{HeldOn: "2025-03-" + strconv.Itoa(10+day), Kind: kind, Region: reg, Facility: hospital, Lecturer: name,
		Level: level, Venue: "school", Topic: "讲座" + strconv.Itoa(day), Audience: 100, RecordedOn: "2025-04-01"}
}

// seedQuota logs Henan's team 10 lectures (met), Zhengzhou's 3, H002 5
// (met), H006 2 and H007 none.
func seedQuota(t *testing.T, st *store.Store) {
	t.Helper()
	var ls []lecture.Lecture
	for i := range 10 {
		ls = append(ls, lectureAt(lecture.Team, "410000", "", "河南省专家巡讲团", "province", i))
	}
	for i := range 3 {
		ls = append(ls, lectureAt(lecture.Team, "410100", "", "郑州市专家巡讲团", "prefecture", i))
	}
	for i := range 5 {
		ls = append(ls, lectureAt(lecture.Hospital, "410102", "H002", "郑州市第一人民医院", "prefecture", i))
	}
	for i := range 2 {
		ls = append(ls, lectureAt(lecture.Hospital, "410102", "H006", "郑州市第八人民医院", "prefecture", i))
	}
	if _, err := st.AddLectures(context.Background(), ls, audit.Entry{Actor: "seed"}); err != nil {
		t.Fatal(err)
	}
}

// TestLectureQuota: the list of teams and hospitals short of their quota,
// as a page, a workbook and JSON, within the caller's scope.
func TestLectureQuota(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLectures(t, st)
		seedQuota(t, st)
		srv := newServer(t, st)
		h := newHandler(t, st)

		r := do(t, h, "GET", "/lectures/quota?region=410000", nil)
		if r.status != 200 {
			t.Fatalf("quota page: %d\n%s", r.status, excerpt(r.body))
		}
		for _, want := range []string{">郑州市专家巡讲团</a>", ">开封市专家巡讲团</a>", ">郑州市第八人民医院</a>", ">中牟县精神病医院</a>", "其中17个未达标", "其中2个未达标", "format=xlsx"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("the quota page lacks %q", want)
			}
		}
		for _, not := range []string{">河南省专家巡讲团</a>", ">郑州市第一人民医院</a>", "中牟县人民医院", "武汉市精神卫生中心"} {
			if strings.Contains(r.body, not) {
				t.Errorf("the quota page lists %q, which is not short or not held to a quota", not)
			}
		}
		if r := do(t, h, "GET", "/lectures/quota?region=410000&all=1", nil); !strings.Contains(r.body, ">河南省专家巡讲团</a>") || !strings.Contains(r.body, ">郑州市第一人民医院</a>") {
			t.Errorf("all=1 leaves out those that met the quota")
		}

		m := do(t, h, "GET", "/api/lectures/quota?region=410000", nil).decode(t)
		for _, c := range []struct {
			key  string
			want any
		}{{"year", 2025.0}, {"teams", 18.0}, {"teams_short", 17.0}, {"hospitals", 3.0}, {"hospitals_short", 2.0}, {"held", 20.0}} {
			if got := path(m, c.key); got != c.want {
				t.Errorf("quota %s = %v, want %v", c.key, got, c.want)
			}
		}
		if n := len(asSlice(path(m, "items"))); n != 19 {
			t.Errorf("%d items short, want 19", n)
		}
		if it := path(m, "items", 0); path(it, "region") != "410100" || path(it, "held") != 3.0 || path(it, "quota") != 10.0 ||
			path(it, "short") != 7.0 || path(it, "province") != "河南省" || path(it, "prefecture") != "郑州市" {
			t.Errorf("Zhengzhou's team: %v", it)
		}
		if it := path(m, "items", 17); path(it, "hospital") != "H006" || path(it, "county") != "中原区" || path(it, "short") != 3.0 {
			t.Errorf("H006: %v", it)
		}
		if _, ok := m["national_target"]; ok {
			t.Error("a province's list gives the national target")
		}
		m = do(t, h, "GET", "/api/lectures/quota?region=000000", nil).decode(t)
		if path(m, "national_target") != 5000.0 || path(m, "national_short") != 4981.0 || path(m, "held") != 20.0 {
			t.Errorf("the country: %v %v %v", path(m, "national_target"), path(m, "national_short"), path(m, "held"))
		}
		// 2026: no team quota.
		m = do(t, h, "GET", "/api/lectures/quota?region=410000&year=2026&all=1", nil).decode(t)
		if path(m, "teams") != 0.0 || path(m, "hospitals") != 3.0 || path(m, "held") != 0.0 {
			t.Errorf("2026: %v", m)
		}
		if r := do(t, h, "GET", "/api/lectures/quota?year=1066", nil); r.status != 400 {
			t.Errorf("year 1066: %d", r.status)
		}

		// The workbook opens and has the rows.
		r = do(t, h, "GET", "/lectures/quota?region=410000&year=2025&format=xlsx", nil)
		if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("xlsx: %d %s", r.status, r.header.Get("Content-Type"))
		}
		wb, err := excelize.OpenReader(strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := wb.GetRows(wb.GetSheetName(0))
		if err != nil || len(rows) != 20 {
			t.Fatalf("xlsx rows: %v %d", err, len(rows))
		}
		if strings.Join(rows[0], ",") != "讲座主体,省份,地市,县区,主讲单位,医院代码,已举办,应举办,尚差" ||
			strings.Join(rows[1], ",") != "专家巡讲团,河南省,郑州市,,郑州市专家巡讲团,,3,10,7" ||
			strings.Join(rows[18], ",") != "医院,河南省,郑州市,中原区,郑州市第八人民医院,H006,2,5,3" {
			t.Errorf("xlsx: %q %q %q", rows[0], rows[1], rows[18])
		}

		// Scope: a prefecture's supervisor sees its own, exports it; an
		// approver reads but does not export; a hospital's staff see
		// their hospital's quota alone.
		sup := asUser(t, st, roleUser(t, st, auth.PrefectureSupervisor), srv.Handler())
		m = do(t, sup, "GET", "/api/lectures/quota", nil).decode(t)
		if path(m, "region") != "410100" || path(m, "teams") != 1.0 || path(m, "hospitals") != 3.0 {
			t.Errorf("Zhengzhou's supervisor: %v", m)
		}
		for _, c := range []struct {
			h      http.Handler
			path   string
			status int
		}{
			{sup, "/lectures/quota?region=410000", 404},
			{sup, "/lectures/quota?format=xlsx", 200},
			{asUser(t, st, roleUser(t, st, auth.Approver), srv.Handler()), "/lectures/quota?format=xlsx", 404},
			{asUser(t, st, roleUser(t, st, auth.Approver), srv.Handler()), "/lectures/quota", 200},
			{h, "/lectures/quota?format=pdf", 400},
		} {
			if r := do(t, c.h, "GET", c.path, nil); r.status != c.status {
				t.Errorf("GET %s: %d, want %d", c.path, r.status, c.status)
			}
		}
		staff := asUser(t, st, ensureUser(t, st, "lec-h006", testPassword, auth.HospitalStaff, "", "H006", "410102"), srv.Handler())
		m = do(t, staff, "GET", "/api/lectures/quota?all=1", nil).decode(t)
		if path(m, "teams") != 0.0 || path(m, "hospitals") != 1.0 || path(m, "items", 0, "hospital") != "H006" {
			t.Errorf("H006's staff: %v", m)
		}
	})
}

// TestLectureAPI: the JSON list and add, and that a lecture logged counts
// in the commitments' evaluation of the national target.
func TestLectureAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLectures(t, st)
		srv := newServer(t, st)
		h := newHandler(t, st)
		rep := asUser(t, st, ensureUser(t, st, "lec-zz", testPassword, auth.Reporter, "410100", "", ""), srv.Handler())

		national := func() any {
			r := do(t, h, "GET", "/api/commitments/2025/evaluation?region=000000&target=lectures", nil)
			if r.status != 200 {
				t.Fatalf("evaluation: %d %s", r.status, r.body)
			}
			return path(r.decode(t), "region", "results", "lectures", "value")
		}
		before := national()

		body := map[string]any{"held_on": "2025-06-01", "kind": "专家巡讲团", "region": "410100", "venue": "学校", "place": "一中",
			"topic": "情绪管理", "audience": 120}
		r := do(t, rep, "POST", "/api/lectures", body)
		if r.status != 200 || path(r.decode(t), "lecture", "lecturer") != "郑州市专家巡讲团" || path(r.decode(t), "lecture", "level") != "prefecture" ||
			path(r.decode(t), "lecture", "recorded_on") != today {
			t.Fatalf("add: %d %s", r.status, r.body)
		}
		body["hospital"], body["kind"], body["level"], body["topic"] = "H002", "hospital", "市级", "职场压力"
		if r := do(t, rep, "POST", "/api/lectures", body); r.status != 200 || path(r.decode(t), "lecture", "region") != "410102" {
			t.Fatalf("add a hospital's: %d %s", r.status, r.body)
		}
		r = do(t, rep, "POST", "/api/lectures", map[string]any{"held_on": "2025-02-30", "kind": "team", "region": "410100", "audience": "lots"})
		fields := map[string]bool{}
		for _, f := range asSlice(path(r.decode(t), "error", "fields")) {
			fields[path(f, "field").(string)] = true
		}
		if r.status != 422 || !fields["held_on"] || !fields["venue"] || !fields["topic"] || !fields["audience"] {
			t.Errorf("invalid: %d %s", r.status, r.body)
		}
		if r := do(t, rep, "POST", "/api/lectures", map[string]any{"held_on": "2025-06-01", "kind": "team", "region": "420100", "venue": "school",
			"topic": "t", "audience": 10}); r.status != 404 {
			t.Errorf("out of scope: %d %s", r.status, r.body)
		}
		if r := do(t, rep, "POST", "/api/lectures", map[string]any{"topic": []string{"x"}}); r.status != 422 {
			t.Errorf("a list for a topic: %d", r.status)
		}

		m := do(t, rep, "GET", "/api/lectures?region=410100&kind=team", nil).decode(t)
		if path(m, "total") != 1.0 || path(m, "items", 0, "topic") != "情绪管理" || path(m, "from") != "2025-01-01" {
			t.Errorf("list: %v", m)
		}
		if m := do(t, rep, "GET", "/api/lectures?from=2025-06-02&to=", nil).decode(t); path(m, "total") != 0.0 {
			t.Errorf("from 06-02: %v", m)
		}
		if r := do(t, rep, "GET", "/api/lectures?region=420000", nil); r.status != 404 {
			t.Errorf("another province's list: %d", r.status)
		}
		if r := do(t, rep, "GET", "/api/lectures?from=soon", nil); r.status != 400 {
			t.Errorf("from=soon: %d", r.status)
		}

		// The commitments count the lectures logged.
		after := national()
		b, _ := before.(float64)
		if a, ok := after.(float64); !ok || a != b+2 {
			t.Errorf("national lectures %v → %v, want 2 more", before, after)
		}
	})
}

// TestLectureUpload: the file upload on the log page, all or nothing or
// partial with the rejected rows to download, the template and the export.
func TestLectureUpload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedLectures(t, st)
		srv := newServer(t, st)
		u := ensureUser(t, st, "lec-zz", testPassword, auth.Reporter, "410100", "", "")
		cookie, csrf := newSession(t, st, u)
		h := srv.Handler()
		upload := func(name, content string, partial bool) response {
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			if partial {
				mw.WriteField("partial", "1")
			}
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write([]byte(content))
			mw.Close()
			return do(t, h, "POST", "/lectures/import?region=410100&csrf="+csrf, body.Bytes(),
				"Content-Type", mw.FormDataContentType(), "Cookie", "shishi_session="+cookie)
		}
		file := `日期,讲座主体,地区代码,医院代码,级别,场所类型,场所名称,主题,听众人数
2025-03-05,专家巡讲团,410100,,,学校,一中,情绪管理,300
2025-03-06,专家巡讲团,410000,,省级,学校,一中,情绪管理,300
2025-05-10,医院,,H006,市级,社区,社区,睡眠健康,60
`
		r := upload("讲座.csv", file, false)
		if r.status != 422 || !strings.Contains(r.body, "不在您的管辖范围内") || len(lectureList(t, st)) != 0 {
			t.Fatalf("all or nothing: %d %d\n%s", r.status, len(lectureList(t, st)), excerpt(r.body))
		}
		r = upload("讲座.csv", file, true)
		if r.status != 200 || !strings.Contains(r.body, "已导入2场讲座") || len(lectureList(t, st)) != 2 {
			t.Fatalf("partial: %d\n%s", r.status, excerpt(r.body))
		}
		i := strings.Index(r.body, `href="/import/`)
		if i < 0 {
			t.Fatalf("no rejects link\n%s", excerpt(r.body))
		}
		link := r.body[i+len(`href="`):]
		link = link[:strings.Index(link, `"`)]
		rj := do(t, h, "GET", link, nil, "Cookie", "shishi_session="+cookie)
		if rj.status != 200 || !strings.Contains(rj.body, "410000") || !strings.Contains(rj.body, "不在您的管辖范围内") {
			t.Errorf("rejects: %d %s", rj.status, rj.body)
		}
		if r := upload("讲座.txt.exe", file, true); r.status != 400 {
			t.Errorf("a file of another kind: %d", r.status)
		}
		entries, _, _ := st.AuditEntries(context.Background(), store.AuditQuery{Action: audit.Import})
		if len(entries) != 1 || entries[0].Object != "lectures/讲座.csv" {
			t.Errorf("import audit: %+v", entries)
		}

		// Template and export, which imports back.
		withCookie := []string{"Cookie", "shishi_session=" + cookie}
		tpl := do(t, h, "GET", "/lectures/export?template=1&format=csv", nil, withCookie...)
		if tpl.status != 200 || !strings.Contains(tpl.body, "日期,讲座主体,地区代码,医院代码,主讲单位,级别,场所类型,场所名称,主题,听众人数,录入日期") {
			t.Errorf("template: %d %q", tpl.status, tpl.body)
		}
		exp := do(t, h, "GET", "/lectures/export?region=410100&format=csv", nil, withCookie...)
		if exp.status != 200 || !strings.Contains(exp.body, "郑州市专家巡讲团") || !strings.Contains(exp.body, "郑州市第八人民医院") {
			t.Errorf("export: %d %s", exp.status, exp.body)
		}
		b := storetest.OpenSQLite(t)
		seedLectures(t, b)
		rep, err := importer.ImportLectures(context.Background(), b, tree, "export.csv", strings.NewReader(exp.body), importer.LectureOptions{Today: today})
		if err != nil || rep.New != 2 {
			t.Errorf("the export imports: %v %v", err, rep.Errors())
		}
		if r := do(t, h, "GET", "/lectures/export?region=420000", nil, withCookie...); r.status != 404 {
			t.Errorf("another province's export: %d", r.status)
		}
	})
}
