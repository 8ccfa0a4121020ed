package figure

import (
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/region"
)

var tree = func() *region.Tree {
	t, err := region.Load()
	if err != nil {
		panic(err)
	}
	return t
}()

func unit(t testing.TB, code string) region.Division {
	t.Helper()
	d, ok := tree.Get(code)
	if !ok {
		t.Fatalf("no unit %s", code)
	}
	return d
}

func TestParsePeriod(t *testing.T) {
	for _, tc := range []struct {
		in, want   string
		start, end string
	}{
		{"2025-03", "2025-03", "2025-03-01", "2025-03-31"},
		{" 2025-3 ", "2025-03", "2025-03-01", "2025-03-31"},
		{"2025/12", "2025-12", "2025-12-01", "2025-12-31"},
		{"202502", "2025-02", "2025-02-01", "2025-02-28"},
		{"2024年2月", "2024-02", "2024-02-01", "2024-02-29"},
		{"2025-Q1", "2025-Q1", "2025-01-01", "2025-03-31"},
		{"2025q4", "2025-Q4", "2025-10-01", "2025-12-31"},
		{"2025年第2季度", "2025-Q2", "2025-04-01", "2025-06-30"},
		{"2025年三季度", "2025-Q3", "2025-07-01", "2025-09-30"},
		{"2025", "2025", "2025-01-01", "2025-12-31"},
		{"2025年", "2025", "2025-01-01", "2025-12-31"},
	} {
		p, err := ParsePeriod(tc.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tc.in, err)
			continue
		}
		if p.String() != tc.want || p.Start() != tc.start || p.End() != tc.end {
			t.Errorf("ParsePeriod(%q) = %s %s..%s, want %s %s..%s", tc.in, p, p.Start(), p.End(), tc.want, tc.start, tc.end)
		}
		if back, err := ParsePeriod(p.String()); err != nil || back != p {
			t.Errorf("%s does not read back: %v %v", p, back, err)
		}
	}
	for _, bad := range []string{"", "2025-13", "2025-00", "2025-Q5", "2025-Q0", "2025-03-01", "25-03", "1999", "2101",
		"2025年3", "2025-3月", "March 2025", "2025--03", "２０２５", "2025年第五季度", "2025Q12"} {
		if p, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) = %s, want an error", bad, p)
		}
	}
}

func TestPeriodPrevAndLabel(t *testing.T) {
	for _, tc := range []struct{ in, prev, zh, en string }{
		{"2025-01", "2024-12", "2025年1月", "Jan 2025"},
		{"2025-07", "2025-06", "2025年7月", "Jul 2025"},
		{"2025-Q1", "2024-Q4", "2025年第1季度", "Q1 2025"},
		{"2025-Q3", "2025-Q2", "2025年第3季度", "Q3 2025"},
		{"2025", "2024", "2025年", "2025"},
	} {
		p, _ := ParsePeriod(tc.in)
		if got := p.Prev().String(); got != tc.prev {
			t.Errorf("%s.Prev() = %s, want %s", p, got, tc.prev)
		}
		if p.Label("zh") != tc.zh || p.Label("en") != tc.en {
			t.Errorf("%s labels %q %q", p, p.Label("zh"), p.Label("en"))
		}
	}
	if got, err := PeriodOf(Quarter, "2025-11-30"); err != nil || got.String() != "2025-Q4" {
		t.Errorf("PeriodOf(quarter, 2025-11-30) = %s %v", got, err)
	}
}

func TestDue(t *testing.T) {
	mar, _ := ParsePeriod("2025-03")
	// 2025-03-31 is a Monday: five weekdays later is Monday 04-07.
	if d, err := Due(mar, 5, nil); err != nil || d != "2025-04-07" {
		t.Errorf("Due(2025-03, 5, weekdays) = %s %v", d, err)
	}
	// The caller's calendar decides: one that knows the Qingming holiday
	// (04-04 to 04-06) and counts from the day after.
	var asked string
	cal := func(date string, n int) (string, error) {
		asked = date
		return "2025-04-08", nil
	}
	if d, _ := Due(mar, 5, cal); d != "2025-04-08" || asked != "2025-03-31" {
		t.Errorf("Due with a calendar = %s (asked from %s)", d, asked)
	}
	if _, err := Due(mar, 5, func(string, int) (string, error) { return "", errors.New("no calendar for 2025") }); err == nil {
		t.Error("a calendar error is lost")
	}
	cat := DefaultCatalog()
	target, _ := cat.Kind("affordable_slots_target")
	y, _ := ParsePeriod("2025")
	if d, _ := target.Due(y, nil); d != "2025-04-10" {
		t.Errorf("target due %s, want 2025-04-10", d)
	}
	if d, _ := Due(mar, 0, nil); d != "2025-03-31" {
		t.Errorf("Due with 0 days = %s", d)
	}
}

func TestBounds(t *testing.T) {
	for _, tc := range []struct{ from, to, start, end string }{
		{"2025-01", "2025-11", "2025-01-01", "2025-11-30"},
		{"2025-01-15", "2025-Q3", "2025-01-15", "2025-09-30"},
		{"", "2025", "0000-01-01", "2025-12-31"},
		{"2025", "", "2025-01-01", "9999-12-31"},
	} {
		s, e, err := Bounds(tc.from, tc.to)
		if err != nil || s != tc.start || e != tc.end {
			t.Errorf("Bounds(%q, %q) = %s %s %v", tc.from, tc.to, s, e, err)
		}
	}
	for _, bad := range [][2]string{{"2025-13", ""}, {"", "soon"}, {"2025-12", "2025-01"}} {
		if _, _, err := Bounds(bad[0], bad[1]); err == nil {
			t.Errorf("Bounds(%q, %q): no error", bad[0], bad[1])
		}
	}
}

func TestDefaultCatalog(t *testing.T) {
	cat := DefaultCatalog()
	if _, err := cat.Compile(); err != nil {
		t.Fatal(err)
	}
	want := []string{"lectures", "hotline_received", "hotline_answered", "crisis_interventions", "deposit_refund_yuan",
		"deposit_refund_accounts", "affordable_slots_new", "affordable_slots_target", "referrals", "press_conferences", "recognition_items"}
	var got []string
	for _, k := range cat.Kinds {
		got = append(got, k.Code)
	}
	if !slices.Equal(got, want) {
		t.Errorf("kinds %v", got)
	}
	// A county reports monthly deposits and referrals; a prefecture its
	// hotline and lectures too; the country its press conferences.
	codes := func(ks []Kind) string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Code)
		}
		return strings.Join(out, ",")
	}
	if got := codes(cat.KindsFor(unit(t, "410122"), Month)); got != "deposit_refund_yuan,deposit_refund_accounts,referrals" {
		t.Errorf("county's monthly kinds: %s", got)
	}
	if got := codes(cat.KindsFor(unit(t, "441900"), Quarter)); got != "affordable_slots_new,recognition_items" {
		t.Errorf("Dongguan (no counties) quarterly kinds: %s", got)
	}
	if got := codes(cat.KindsFor(unit(t, "410000"), Year)); got != "affordable_slots_target" {
		t.Errorf("province's yearly kinds: %s", got)
	}
	if got := codes(cat.KindsFor(unit(t, "410122"), Year)); got != "" {
		t.Errorf("county's yearly kinds: %s", got)
	}
	if n := len(cat.KindsFor(tree.Country(), Month)); n != 8 {
		t.Errorf("country's monthly kinds: %s", codes(cat.KindsFor(tree.Country(), Month)))
	}
}

func TestCompileErrors(t *testing.T) {
	base := func() *Catalog {
		return &Catalog{Kinds: []Kind{
			{Code: "a", ZH: "甲", EN: "A", Period: Month, Level: region.County},
			{Code: "b", ZH: "乙", EN: "B", Period: Month, Level: region.County},
		}}
	}
	for _, tc := range []struct {
		name string
		edit func(c *Catalog)
		want string
	}{
		{"unknown kind", func(c *Catalog) { c.Checks = []Check{{Expr: "a <= c", MessageZH: "x", MessageEN: "x"}} }, "undeclared reference to 'c'"},
		{"not a bool", func(c *Catalog) { c.Checks = []Check{{Expr: "a + b", MessageZH: "x", MessageEN: "x"}} }, "want a bool"},
		{"syntax", func(c *Catalog) { c.Checks = []Check{{Expr: "a <=", MessageZH: "x", MessageEN: "x"}} }, "Syntax error"},
		{"no message", func(c *Catalog) { c.Checks = []Check{{Expr: "a <= b"}} }, "message"},
		{"no kind named", func(c *Catalog) { c.Checks = []Check{{Expr: "1 < 2", MessageZH: "x", MessageEN: "x"}} }, "names no kind"},
		{"field not a kind", func(c *Catalog) { c.Checks = []Check{{Expr: "a <= b", Field: "z", MessageZH: "x", MessageEN: "x"}} }, "not a kind"},
		{"bad code", func(c *Catalog) { c.Kinds[0].Code = "A-1" }, "lower-case"},
		{"reserved code", func(c *Catalog) { c.Kinds[0].Code = "in" }, "lower-case"},
		{"twice", func(c *Catalog) { c.Kinds[1].Code = "a" }, "twice"},
		{"no span", func(c *Catalog) { c.Kinds[0].Period = 0 }, "no period"},
		{"min above max", func(c *Catalog) { c.Kinds[0].Min, c.Kinds[0].Max = ptr(5), ptr(1) }, "above max"},
		{"jump factor", func(c *Catalog) { c.JumpFactor = 0.5 }, "jump factor"},
		{"due on", func(c *Catalog) { c.Kinds[0].DueOn = "13-01" }, "MM-DD"},
	} {
		c := base()
		tc.edit(c)
		if _, err := c.Compile(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := base().Compile(); err != nil {
		t.Errorf("base catalog: %v", err)
	}
}

func TestValidate(t *testing.T) {
	rules, err := DefaultCatalog().Compile()
	if err != nil {
		t.Fatal(err)
	}
	mar, _ := ParsePeriod("2025-03")
	q1, _ := ParsePeriod("2025-Q1")
	zhengzhou, zhongmu := unit(t, "410100"), unit(t, "410122")
	type want struct {
		field   string
		warning bool
		msg     string
	}
	for _, tc := range []struct {
		name string
		in   Input
		want []want
	}{
		{"valid hotline month", Input{Unit: zhengzhou, Period: mar, Values: map[string]float64{
			"hotline_received": 1200, "hotline_answered": 1150, "crisis_interventions": 12, "lectures": 3}}, nil},
		{"answered above received", Input{Unit: zhengzhou, Period: mar, Values: map[string]float64{
			"hotline_received": 1200, "hotline_answered": 1300}}, []want{{"hotline_answered", false, "cannot exceed calls received"}}},
		{"check skipped without its kinds", Input{Unit: zhengzhou, Period: mar, Values: map[string]float64{"hotline_answered": 1300}}, nil},
		{"negative count", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": -1}}, []want{{"referrals", false, "negative"}}},
		{"not whole", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": 2.5}}, []want{{"referrals", false, "whole number"}}},
		{"yuan takes fen", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"deposit_refund_yuan": 1234.56, "deposit_refund_accounts": 3}}, nil},
		{"amount without accounts", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"deposit_refund_yuan": 1234.56, "deposit_refund_accounts": 0}},
			[]want{{"deposit_refund_accounts", false, "at least one account"}}},
		{"above max", Input{Unit: zhengzhou, Period: mar, Values: map[string]float64{"lectures": 20000}}, []want{{"lectures", false, "more than 10000"}}},
		{"wrong span", Input{Unit: zhongmu, Period: q1, Values: map[string]float64{"referrals": 3}}, []want{{"referrals", false, "reported per month"}}},
		{"county reports no hotline", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"hotline_received": 3}}, []want{{"hotline_received", false, "prefecture-level units and above"}}},
		{"unknown kind", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"beds": 3}}, []want{{"beds", false, "no such kind"}}},
		{"nothing", Input{Unit: zhongmu, Period: mar}, []want{{"", false, "no figures"}}},
		{"jump up", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": 400}, Previous: map[string]float64{"referrals": 100}},
			[]want{{"referrals", true, "more than 3-fold"}}},
		{"jump down", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": 30}, Previous: map[string]float64{"referrals": 100}},
			[]want{{"referrals", true, "previous period (100)"}}},
		{"within the factor", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": 300}, Previous: map[string]float64{"referrals": 100}}, nil},
		{"from nothing is no jump", Input{Unit: zhongmu, Period: mar, Values: map[string]float64{"referrals": 300}, Previous: map[string]float64{"referrals": 0}}, nil},
	} {
		got := rules.Validate(tc.in)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %d problems", tc.name, got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			if g.Field != w.field || g.Warning != w.warning || !strings.Contains(g.Error(), w.msg) || g.ZH == "" {
				t.Errorf("%s: problem %+v, want %+v", tc.name, g, w)
			}
		}
	}
}

func TestParseValue(t *testing.T) {
	for in, want := range map[string]float64{"12": 12, " 1,234 ": 1234, "1,234,567.5": 1234567.5, "0.5": 0.5, "-3": -3, "12\u3000": 12} {
		if v, p := ParseValue(in); p != nil || v != want {
			t.Errorf("ParseValue(%q) = %v %v", in, v, p)
		}
	}
	for _, bad := range []string{"", "十二", "1e5", "0x10", "Inf", "NaN", "1,23", "12,34.5", "1.", ".5", "1 000"} {
		if v, p := ParseValue(bad); p == nil {
			t.Errorf("ParseValue(%q) = %v, want a problem", bad, v)
		}
	}
}

func TestApprovalChain(t *testing.T) {
	for code, want := range map[string]string{
		"410122": "410100,410000", // 中牟县: prefecture, province
		"410100": "410000",        // 郑州市
		"419001": "410000",        // 济源: governed by the province
		"110101": "110000",        // 东城区 of Beijing
		"441900": "440000",        // 东莞: no counties
		"410000": "000000",
		"000000": "000000",
	} {
		chain, err := ApprovalChain(tree, code)
		if err != nil || strings.Join(chain, ",") != want {
			t.Errorf("ApprovalChain(%s) = %v %v, want %s", code, chain, err, want)
		}
	}
	if _, err := ApprovalChain(tree, "999999"); err == nil {
		t.Error("chain of an unknown unit")
	}
}

// TestApprovalFlow walks a county's submission through the flow, and
// checks every illegal step the brief names.
func TestApprovalFlow(t *testing.T) {
	chain, _ := ApprovalChain(tree, "410122")
	mar, _ := ParsePeriod("2025-03")
	s := Submission{Region: "410122", Period: mar, Version: 1, Chain: chain}
	step := func(st Status, err error) Status {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		s.Status = st
		return st
	}
	is := func(err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("error %v, want %v", err, want)
		}
	}
	step(SaveDraft(s))
	if s.Awaiting() != "" {
		t.Errorf("a draft awaits %s", s.Awaiting())
	}
	_, err := ApproveBy(s, "410100")
	is(err, ErrNotPending)
	step(SubmitFor(s))
	if s.Awaiting() != "410100" {
		t.Errorf("submitted awaits %s", s.Awaiting())
	}
	is(CheckEditable(s), ErrUnderReview)
	// The province cannot go before the prefecture, nor the country, nor
	// a unit beside it.
	for _, u := range []string{"410000", "000000", "420100", "410122"} {
		_, err := ApproveBy(s, u)
		is(err, ErrNotYourStep)
	}
	// A return needs a reason; the prefecture returns, the county edits
	// (a draft again) and resubmits.
	_, err = ReturnBy(s, "410100", "  ")
	is(err, ErrNoReason)
	if step(ReturnBy(s, "410100", "接听量有误")) != Returned {
		t.Fatal("not returned")
	}
	is(CheckEditable(s), nil)
	_, err = ApproveBy(s, "410100")
	is(err, ErrNotPending)
	step(SaveDraft(s))
	step(SubmitFor(s))
	if step(ApproveBy(s, "410100")) != ApprovedByPrefecture || s.Awaiting() != "410000" {
		t.Fatalf("after the prefecture: %s awaiting %s", s.Status, s.Awaiting())
	}
	// Approving twice is not the prefecture's turn any more.
	_, err = ApproveBy(s, "410100")
	is(err, ErrNotYourStep)
	if step(ApproveBy(s, "410000")) != Approved || s.Awaiting() != "" {
		t.Fatalf("after the province: %s", s.Status)
	}
	_, err = ApproveBy(s, "410000")
	is(err, ErrLocked)
	is(CheckEditable(s), ErrLocked)
	_, err = SaveDraft(s)
	is(err, ErrLocked)
	_, err = ReturnBy(s, "410000", "再改")
	is(err, ErrLocked)

	// A prefecture's submission has one approver: the province.
	pchain, _ := ApprovalChain(tree, "410100")
	p := Submission{Region: "410100", Period: mar, Version: 1, Chain: pchain, Status: Submitted}
	if st, err := ApproveBy(p, "410000"); err != nil || st != Approved {
		t.Errorf("prefecture's figures approved by the province: %s %v", st, err)
	}
	// The province may return what its prefecture approved.
	s.Status = ApprovedByPrefecture
	if st, err := ReturnBy(s, "410000", "与上月不符"); err != nil || st != Returned {
		t.Errorf("province returns: %s %v", st, err)
	}
}

func TestStatusNames(t *testing.T) {
	for st := Draft; st <= Returned; st++ {
		for _, s := range []string{st.String(), st.Label("zh"), st.Label("en")} {
			if got, err := ParseStatus(s); err != nil || got != st {
				t.Errorf("ParseStatus(%q) = %v %v", s, got, err)
			}
		}
	}
	if Approved.Label("zh") != "审核通过" || ApprovedByPrefecture.Label("en") != "Approved by the prefecture" {
		t.Error("labels")
	}
	for sp := Month; sp <= Year; sp++ {
		if got, err := ParseSpan(sp.String()); err != nil || got != sp {
			t.Errorf("ParseSpan(%s): %v %v", sp, got, err)
		}
	}
	if got, _ := ParseSpan("月报"); got != Month {
		t.Error("月报")
	}
	for st := Save; st <= Return; st++ {
		if got, err := ParseStep(st.String()); err != nil || got != st {
			t.Errorf("ParseStep(%s)", st)
		}
	}
}

func TestRollUp(t *testing.T) {
	own := Totals{
		"410122": {"referrals": 10},
		"410102": {"referrals": 5},
		"410100": {"lectures": 2},
		"419001": {"referrals": 1},
		"110101": {"referrals": 7},
	}
	got := RollUp(tree, own)
	for _, tc := range []struct {
		code, kind string
		want       float64
	}{
		{"410122", "referrals", 10},
		{"410100", "referrals", 15},
		{"410100", "lectures", 2},
		{"410000", "referrals", 16},
		{"110000", "referrals", 7},
		{"000000", "referrals", 23},
		{"000000", "lectures", 2},
	} {
		if v := got[tc.code][tc.kind]; v != tc.want {
			t.Errorf("%s %s = %v, want %v", tc.code, tc.kind, v, tc.want)
		}
	}
}

func TestReporters(t *testing.T) {
	if n := len(Reporters(tree, region.CountryCode, region.Province)); n != 31 {
		t.Errorf("%d provinces", n)
	}
	gd := Reporters(tree, "440000", region.County)
	var has bool
	for i, d := range gd {
		has = has || d.Code == "441900"
		if i > 0 && gd[i-1].Code >= d.Code {
			t.Fatalf("not sorted at %s", d.Code)
		}
	}
	if !has {
		t.Error("Dongguan is expected to report county figures")
	}
	if got := Reporters(tree, "410122", region.County); len(got) != 1 || got[0].Code != "410122" {
		t.Errorf("reporters within a county: %v", got)
	}
}

// TestPureGo keeps the package free of I/O: no HTTP, no SQL.
func TestPureGo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || dep == "database/sql" {
			t.Errorf("figure depends on %s", dep)
		}
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2025-03", "2025-Q1", "2025", "2025年第一季度", "202513", "2025年3月"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		back, err := ParsePeriod(p.String())
		if err != nil || back != p {
			t.Fatalf("%q → %s does not read back: %v", s, p, err)
		}
		if p.Start() > p.End() {
			t.Fatalf("%s: start %s after end %s", p, p.Start(), p.End())
		}
	})
}

func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"12", "1,234.5", "-0", "1e9", "十二"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, p := ParseValue(s)
		if p != nil {
			return
		}
		if back, p := ParseValue(FormatValue(v)); p != nil || back != v {
			t.Fatalf("%q → %v does not read back", s, v)
		}
	})
}
