package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/auth"
	"github.com/shishi-health/shishi/figure"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// figureUsers are the people of the figure tests: 中牟县's reporter, the
// approvers of 郑州市 and 河南省, and an approver of 武汉市 beside them.
type figureUsers struct {
	reporter, prefecture, province, wuhan http.Handler
}

func newFigureUsers(t *testing.T, st *store.Store, h http.Handler) figureUsers {
	t.Helper()
	return figureUsers{
		reporter:   asUser(t, st, roleUser(t, st, auth.Reporter), h),
		prefecture: asUser(t, st, roleUser(t, st, auth.Approver), h),
		province:   asUser(t, st, ensureUser(t, st, "approver-henan", testPassword, auth.Approver, "410000", "", ""), h),
		wuhan:      asUser(t, st, ensureUser(t, st, "approver-wuhan", testPassword, auth.Approver, "420100", "", ""), h),
	}
}

// form posts a form through a handler that adds the session and CSRF
// header (asUser).
func form(t testing.TB, h http.Handler, target string, v url.Values) response {
	t.Helper()
	return do(t, h, "POST", target, v.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

func wantStatus(t testing.TB, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: %d, want %d\n%s", what, r.status, status, excerpt(r.body))
	}
}

// TestFiguresFormFlow is the must-show through the pages: 中牟县 submits
// November's figures (after fixing what the form refuses and confirming a
// jump), 郑州市 returns them with a reason, 中牟县 corrects and resubmits,
// 郑州市 and 河南省 approve; the history page shows every step, the
// approved figures count, and every step is in the audit trail.
func TestFiguresFormFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		h := newServer(t, st).Handler()
		u := newFigureUsers(t, st, h)
		page := "/figures/regions/410122/2025-11"

		// October was 100 referrals: the base of the jump check.
		r := form(t, u.reporter, "/figures/regions/410122/2025-10", url.Values{"action": {"submit"}, "v_referrals": {"100"}})
		wantStatus(t, "October", r, http.StatusSeeOther)

		r = do(t, u.reporter, "GET", page, nil)
		wantStatus(t, "empty form", r, 200)
		// Due 5 weekdays after 30 November.
		for _, want := range []string{`name="v_referrals"`, `name="v_deposit_refund_yuan"`, "提交审核", "尚未填报", "2025-12-05前报送"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("form lacks %q\n%s", want, excerpt(r.body))
			}
		}
		if strings.Contains(r.body, "v_hotline_received") {
			t.Error("a county's form asks for the hotline, which the prefecture reports")
		}
		// Errors come back at their fields, with what was typed.
		r = form(t, u.reporter, page, url.Values{"action": {"submit"}, "v_referrals": {"十二"}, "v_deposit_refund_yuan": {"-5"}})
		wantStatus(t, "bad values", r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, "不是数字") || !strings.Contains(r.body, `value="十二"`) {
			t.Errorf("errors not shown\n%s", excerpt(r.body))
		}
		// A jump needs the confirmation box.
		vals := url.Values{"action": {"submit"}, "v_referrals": {"1000"}, "v_deposit_refund_yuan": {"52,000.50"}, "v_deposit_refund_accounts": {"31"}}
		r = form(t, u.reporter, page, vals)
		wantStatus(t, "jump", r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.body, "变化超过3倍") || !strings.Contains(r.body, `name="confirm"`) {
			t.Errorf("jump warning not shown\n%s", excerpt(r.body))
		}
		vals.Set("confirm", "1")
		r = form(t, u.reporter, page, vals)
		wantStatus(t, "confirmed", r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != page+"?done=submit" {
			t.Errorf("redirect to %s", loc)
		}

		// Zhengzhou's queue has it; Henan cannot approve first; Wuhan
		// does not see it.
		r = do(t, u.prefecture, "GET", "/figures/queue", nil)
		wantStatus(t, "queue", r, 200)
		if !strings.Contains(r.body, "中牟县") || !strings.Contains(r.body, "2025年11月") || !strings.Contains(r.body, "全部审核通过（1）") {
			t.Errorf("queue\n%s", excerpt(r.body))
		}
		r = form(t, u.province, page+"/approve", url.Values{})
		wantStatus(t, "province first", r, http.StatusConflict)
		r = form(t, u.wuhan, page+"/approve", url.Values{})
		wantStatus(t, "Wuhan", r, http.StatusNotFound)
		r = do(t, u.wuhan, "GET", page, nil)
		wantStatus(t, "Wuhan reads", r, http.StatusNotFound)

		// Returned with a reason (none is refused), corrected, resubmitted.
		r = form(t, u.prefecture, page+"/return", url.Values{"reason": {" "}})
		wantStatus(t, "return without a reason", r, http.StatusUnprocessableEntity)
		r = do(t, u.prefecture, "GET", page, nil)
		seq := regexpValue(r.body, "seq")
		r = form(t, u.prefecture, page+"/return", url.Values{"reason": {"转诊人次多填一个0"}, "version": {"1"}, "seq": {seq}})
		wantStatus(t, "return", r, http.StatusSeeOther)
		r = do(t, u.reporter, "GET", page, nil)
		if !strings.Contains(r.body, "已退回，原因：转诊人次多填一个0") || !strings.Contains(r.body, `value="1000"`) {
			t.Errorf("returned page\n%s", excerpt(r.body))
		}
		vals.Set("v_referrals", "100")
		vals.Del("confirm")
		wantStatus(t, "corrected", form(t, u.reporter, page, vals), http.StatusSeeOther)
		// The page the approver showed before is stale now.
		r = form(t, u.prefecture, page+"/approve", url.Values{"version": {"1"}, "seq": {seq}})
		wantStatus(t, "stale approval", r, http.StatusConflict)
		r = form(t, u.prefecture, page+"/approve", url.Values{"next": {"/figures/queue"}})
		wantStatus(t, "prefecture approves", r, http.StatusSeeOther)
		if loc := r.header.Get("Location"); loc != "/figures/queue" {
			t.Errorf("back to %s", loc)
		}
		wantStatus(t, "province approves", form(t, u.province, page+"/approve", url.Values{}), http.StatusSeeOther)
		wantStatus(t, "approve twice", form(t, u.province, page+"/approve", url.Values{}), http.StatusConflict)

		r = do(t, u.reporter, "GET", page, nil)
		for _, want := range []string{"审核通过", "现行有效", "更正已审核的数据", "转诊人次多填一个0", "u-reporter", "u-approver", "approver-henan",
			"退回", "地市已审核，待省级审核", "52,000.5"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("history page lacks %q\n%s", want, excerpt(r.body))
			}
		}
		// The JSON history holds every step, and the values first
		// submitted.
		r = do(t, u.reporter, "GET", "/api/figures/regions/410122/2025-11", nil)
		wantStatus(t, "API history", r, 200)
		var hist struct {
			InEffect int `json:"in_effect"`
			Versions []struct {
				Status string `json:"status"`
				Events []struct {
					Step, From, To, Reason string
					Values                 map[string]float64
				} `json:"events"`
			} `json:"versions"`
		}
		json.Unmarshal([]byte(r.body), &hist)
		if hist.InEffect != 1 || len(hist.Versions) != 1 || len(hist.Versions[0].Events) != 5 ||
			hist.Versions[0].Events[0].Values["referrals"] != 1000 || hist.Versions[0].Events[1].Reason != "转诊人次多填一个0" {
			t.Errorf("API history %s", r.body)
		}
		r = do(t, u.prefecture, "GET", "/api/figures/totals?region=410100&from=2025-11&to=2025-11&kinds=referrals", nil)
		if got := path(r.decode(t), "total", "referrals"); got != 100.0 {
			t.Errorf("Zhengzhou's approved referrals %v\n%s", got, r.body)
		}
		entries, _, err := st.AuditEntries(context.Background(), store.AuditQuery{Object: "figures/410122/2025-11"})
		if err != nil || len(entries) != 5 {
			t.Fatalf("audit: %v %d", err, len(entries))
		}
		for _, e := range entries {
			if e.RequestID == "" || e.Actor == "" || e.Region != "410122" {
				t.Errorf("audit entry %+v", e)
			}
		}
		// A correction is a new version; the approved one stays in effect.
		vals.Set("v_referrals", "110")
		wantStatus(t, "correction", form(t, u.reporter, page, vals), http.StatusSeeOther)
		r = do(t, u.reporter, "GET", "/api/figures/regions/410122/2025-11", nil)
		json.Unmarshal([]byte(r.body), &hist)
		if hist.InEffect != 1 || len(hist.Versions) != 2 || hist.Versions[1].Status != "submitted" {
			t.Errorf("after the correction: %s", r.body)
		}
	})
}

// regexpValue finds the value of the first hidden input called name.
func regexpValue(body, name string) string {
	marker := `name="` + name + `" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

// TestFiguresAPI drives the approval flow through the JSON API.
func TestFiguresAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newServer(t, st).Handler()
		u := newFigureUsers(t, st, h)
		api := "/api/figures/regions/410100/2025-11"
		// The prefecture reports its hotline: answered above received is
		// refused and named.
		r := do(t, u.reporter, "PUT", api, map[string]any{"values": map[string]any{"hotline_received": 100}})
		wantStatus(t, "reporter outside its county", r, 404)
		rep := asUser(t, st, ensureUser(t, st, "reporter-zz", testPassword, auth.Reporter, "410100", "", ""), h)
		r = do(t, rep, "PUT", api, map[string]any{"values": map[string]any{"hotline_received": 100, "hotline_answered": "120"}, "submit": true})
		wantStatus(t, "answered above received", r, 422)
		if path(r.decode(t), "error", "fields", 0, "field") != "hotline_answered" {
			t.Errorf("fields %s", r.body)
		}
		r = do(t, rep, "PUT", api, map[string]any{"values": map[string]any{"hotline_received": "1,200", "hotline_answered": 1150, "crisis_interventions": 3}, "submit": true})
		wantStatus(t, "submit", r, 200)
		if m := r.decode(t); path(m, "change") != "new" || path(m, "submission", "awaiting") != "410000" || path(m, "submission", "values", "hotline_received") != 1200.0 {
			t.Errorf("submitted %s", r.body)
		}
		r = do(t, rep, "PUT", api, map[string]any{"values": map[string]any{"crisis_interventions": 4}, "submit": true})
		wantStatus(t, "change under review", r, 409)
		r = do(t, u.prefecture, "POST", api+"/approve", nil)
		wantStatus(t, "prefecture approves a prefecture", r, 409)
		r = do(t, u.province, "GET", "/api/figures/pending", nil)
		if m := r.decode(t); path(m, "total") != 1.0 || path(m, "items", 0, "region") != "410100" {
			t.Errorf("pending %s", r.body)
		}
		r = do(t, u.province, "POST", api+"/return", map[string]any{})
		wantStatus(t, "return without reason", r, 422)
		r = do(t, u.province, "POST", api+"/return", map[string]any{"reason": "危机干预例数核对", "version": 1, "seq": 1})
		wantStatus(t, "return", r, 200)
		if path(r.decode(t), "status") != "returned" {
			t.Errorf("returned %s", r.body)
		}
		r = do(t, rep, "PUT", api, map[string]any{"values": map[string]any{"hotline_received": 1200, "hotline_answered": 1150, "crisis_interventions": 2}, "submit": true})
		wantStatus(t, "resubmit", r, 200)
		r = do(t, u.province, "POST", api+"/approve", map[string]any{"version": 1, "seq": 1})
		wantStatus(t, "stale", r, 409)
		r = do(t, u.province, "POST", api+"/approve", map[string]any{"version": 1, "seq": 3})
		wantStatus(t, "approve", r, 200)
		if path(r.decode(t), "status") != "approved" {
			t.Errorf("approved %s", r.body)
		}
		r = do(t, rep, "GET", "/api/figures?region=410100&period=2025-11", nil)
		if m := r.decode(t); path(m, "items", 0, "status") != "approved" || path(m, "items", 0, "values", "crisis_interventions") != 2.0 {
			t.Errorf("list %s", r.body)
		}
		r = do(t, rep, "GET", "/api/figures/kinds", nil)
		if m := r.decode(t); path(m, "kinds", 0, "code") != "hotline_received" || path(m, "jump_factor") != 3.0 {
			t.Errorf("kinds %s", r.body)
		}
		for _, bad := range []string{"/api/figures/regions/410100/2025-13", "/api/figures?period=soon", "/api/figures/missing?kind=beds"} {
			if r := do(t, rep, "GET", bad, nil); r.status != 400 {
				t.Errorf("GET %s: %d, want 400", bad, r.status)
			}
		}
	})
}

// TestFiguresBulkWeb approves a queue with "approve all", leaving what
// arrived after the queue was shown.
func TestFiguresBulkWeb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newServer(t, st).Handler()
		u := newFigureUsers(t, st, h)
		rep := asUser(t, st, ensureUser(t, st, "reporter-zz", testPassword, auth.Reporter, "410100", "", ""), h)
		counties := []string{"410102", "410103", "410104", "410105", "410122"}
		for _, c := range counties {
			r := do(t, rep, "PUT", "/api/figures/regions/"+c+"/2025-11", map[string]any{"values": map[string]any{"referrals": 5}, "submit": true})
			wantStatus(t, "submit "+c, r, 200)
		}
		r := do(t, u.prefecture, "GET", "/api/figures/pending?period=2025-11", nil)
		before, _ := path(r.decode(t), "before").(string)
		if path(r.decode(t), "total") != 5.0 || before == "" {
			t.Fatalf("pending %s", r.body)
		}
		// Henan's approver's queue is not Zhengzhou's; a bad time is
		// refused.
		r = do(t, u.province, "POST", "/api/figures/pending/approve?period=2025-11", nil)
		if path(r.decode(t), "approved") != 0.0 {
			t.Errorf("Henan approved Zhengzhou's step: %s", r.body)
		}
		wantStatus(t, "bad before", do(t, u.prefecture, "POST", "/api/figures/pending/approve?before=yesterday", nil), 400)
		r = do(t, u.prefecture, "POST", "/api/figures/pending/approve?period=2025-11&before="+url.QueryEscape(before), nil)
		wantStatus(t, "approve all", r, 200)
		if path(r.decode(t), "approved") != 5.0 {
			t.Errorf("approved %s", r.body)
		}
		r = do(t, u.province, "GET", "/figures/queue", nil)
		if !strings.Contains(r.body, "全部审核通过（5）") {
			t.Errorf("Henan's queue\n%s", excerpt(r.body))
		}
		r = form(t, u.province, "/figures/queue/approve", url.Values{"period": {"2025-11"}, "before": {regexpValue(r.body, "before")}})
		wantStatus(t, "form approve all", r, http.StatusSeeOther)
		r = do(t, u.province, "GET", r.header.Get("Location"), nil)
		if !strings.Contains(r.body, "已审核通过 5 份") || !strings.Contains(r.body, "没有待审核的数据") {
			t.Errorf("after approve all\n%s", excerpt(r.body))
		}
		entries, _, _ := st.AuditEntries(context.Background(), store.AuditQuery{Region: "410100", Action: audit.Update})
		if len(entries) != 10 {
			t.Errorf("%d audit entries of approvals, want 10", len(entries))
		}
		r = do(t, rep, "GET", "/figures?region=410100&period=2025-11", nil)
		wantStatus(t, "overview", r, 200)
		if strings.Count(r.body, "审核通过") < 5 || !strings.Contains(r.body, "中原区") {
			t.Errorf("overview\n%s", excerpt(r.body))
		}
	})
}

// TestFiguresMissingWeb lists the units that have not reported, before and
// after the deadline.
func TestFiguresMissingWeb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newServer(t, st).Handler()
		rep := asUser(t, st, ensureUser(t, st, "reporter-zz", testPassword, auth.Reporter, "410100", "", ""), h)
		do(t, rep, "PUT", "/api/figures/regions/410122/2025-11", map[string]any{"values": map[string]any{"referrals": 5}, "submit": true})
		do(t, rep, "PUT", "/api/figures/regions/410102/2025-11", map[string]any{"values": map[string]any{"referrals": 5}})
		// Today is 2025-12-31: November's deadline (12-05) has passed;
		// 中牟县 reported late, 中原区 has a draft only.
		r := do(t, rep, "GET", "/api/figures/missing?region=410100&kind=referrals&period=2025-11", nil)
		wantStatus(t, "missing", r, 200)
		m := r.decode(t)
		missing, _ := m["missing"].([]any)
		if path(m, "due") != "2025-12-05" || path(m, "deadline_passed") != true || len(missing) != 11 || path(m, "expected") != 12.0 ||
			missing[0] != "410102" || path(m, "late", 0) != "410122" {
			t.Errorf("missing %s", r.body)
		}
		r = do(t, rep, "GET", "/figures/missing?region=410100&kind=referrals&period=2025-11", nil)
		wantStatus(t, "missing page", r, 200)
		if !strings.Contains(r.body, "截止日期 2025-12-05 已过：11 个单位") || !strings.Contains(r.body, "中原区") || !strings.Contains(r.body, "逾期补报（1 个单位）") {
			t.Errorf("missing page\n%s", excerpt(r.body))
		}
		r = do(t, rep, "GET", "/figures/missing?region=410100&kind=affordable_slots_new&period=2025-11", nil)
		wantStatus(t, "a quarterly kind for a month", r, 400)
	})
}

func multipartFile(t *testing.T, fields map[string]string, name, content string) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// TestFiguresUploadWeb uploads a file through the page and the API: errors
// named by row and column, the rejected rows to download, the template.
func TestFiguresUploadWeb(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := newServer(t, st).Handler()
		rep := asUser(t, st, ensureUser(t, st, "reporter-zz", testPassword, auth.Reporter, "410100", "", ""), h)
		r := do(t, rep, "GET", "/figures/upload", nil)
		wantStatus(t, "upload form", r, 200)
		if !strings.Contains(r.body, "/figures/templates/figures.xlsx?period=2025-11") || !strings.Contains(r.body, `enctype="multipart/form-data"`) {
			t.Errorf("upload form\n%s", excerpt(r.body))
		}
		r = do(t, rep, "GET", "/figures/templates/figures.csv?period=2025-11", nil)
		wantStatus(t, "template", r, 200)
		if !strings.Contains(r.body, "地区代码,地区名称,报告期,12356热线来电数（通）") || !strings.Contains(r.body, "410122,中牟县,2025-11") || strings.Contains(r.body, "420102") {
			t.Errorf("template\n%.500s", r.body)
		}
		wantStatus(t, "template outside", do(t, rep, "GET", "/figures/templates/figures.csv?region=420000", nil), 404)
		wantStatus(t, "template of a registry", do(t, rep, "GET", "/figures/templates/hospitals.csv", nil), 404)

		file := "地区代码,报告期,儿科医联体转诊人次\n410122,2025-11,5\n410102,2025-11,十二\n420102,2025-11,3\n"
		ct, body := multipartFile(t, map[string]string{"submit": "1", "partial": "1"}, "十一月.csv", file)
		r = do(t, rep, "POST", "/figures/upload", body, "Content-Type", ct)
		wantStatus(t, "upload", r, 200)
		for _, want := range []string{"新增 1 份", "十二", "不是数字", "不在您的管辖范围内", "/import/"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("upload result lacks %q\n%s", want, excerpt(r.body))
			}
		}
		i := strings.Index(r.body, "/import/")
		rejects := r.body[i : i+strings.Index(r.body[i:], `"`)]
		rj := do(t, rep, "GET", rejects, nil)
		wantStatus(t, "rejects", rj, 200)
		if !strings.Contains(rj.body, "410102,2025-11,十二") {
			t.Errorf("rejects file %s", rj.body)
		}
		entries, _, _ := st.AuditEntries(context.Background(), store.AuditQuery{Action: audit.Import})
		if len(entries) != 1 || entries[0].Object != "figures/十一月.csv" {
			t.Errorf("import audit %+v", entries)
		}
		// The API: all or nothing, 422 with the report.
		r = do(t, rep, "POST", "/api/figures/import?filename="+url.QueryEscape("f.csv")+"&submit=1", file)
		wantStatus(t, "API import", r, 422)
		if m := r.decode(t); len(path(m, "report", "rejected").([]any)) != 2 {
			t.Errorf("API report %s", r.body)
		}
		r = do(t, rep, "POST", "/api/figures/import?filename=f.csv", "地区代码,报告期,床位\n")
		wantStatus(t, "API bad header", r, 400)
		sub, err := st.FigureSubmission(context.Background(), "410122", figure.Period{Span: figure.Month, Year: 2025, N: 11}, 0)
		if err != nil || sub.Status != figure.Submitted {
			t.Errorf("uploaded figures %v %+v", err, sub)
		}
	})
}

// TestFiguresPagesEnglish renders the pages in English.
func TestFiguresPagesEnglish(t *testing.T) {
	st := storetest.OpenSQLite(t)
	h := newServer(t, st).Handler()
	u := newFigureUsers(t, st, h)
	for _, c := range []struct {
		h          http.Handler
		path, want string
	}{
		{u.reporter, "/figures?lang=en", "Reported figures"},
		{u.reporter, "/figures/regions/410122/2025-Q3?lang=en", "New affordable childcare slots"},
		{u.prefecture, "/figures/queue?lang=en", "Nothing awaits approval"},
		{u.reporter, "/figures/missing?kind=recognition_items&region=410122&lang=en", "Every unit has reported"},
		{u.reporter, "/figures/upload?lang=en", "Upload figures"},
	} {
		r := do(t, c.h, "GET", c.path, nil)
		if r.status != 200 || !strings.Contains(r.body, c.want) {
			t.Errorf("GET %s: %d, want %q\n%s", c.path, r.status, c.want, excerpt(r.body))
		}
	}
	// A province reports its yearly target; a county's yearly page has
	// nothing to fill in.
	if r := do(t, u.reporter, "GET", "/figures/regions/410122/2025", nil); !strings.Contains(r.body, "本单位在该周期没有需要报送的指标") || strings.Contains(r.body, "提交审核") {
		t.Errorf("county's year page\n%s", excerpt(r.body))
	}
}
