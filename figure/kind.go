// Package figure is the periodic figures regions report (上报数据) and
// their approval (审核): lectures held, 12356 calls received and answered,
// deposit balances refunded, new affordable childcare slots and the like,
// one value per kind of figure per region per period, entered by form or
// file, checked, and approved up the hierarchy before they count.
//
// A Catalog says which kinds exist, who reports them, how often, within
// what bounds, and which cross-field checks (CEL expressions over the
// kinds' codes) a submission must pass; Catalog.Compile type-checks those
// once. A Submission is one version of one region's figures for one
// period; Submit, Approve and Return are its transitions, each refusing an
// illegal step with an error. Approved versions are locked: a correction is
// a new version, and the old one stays in effect until the new one is
// approved.
//
// The package is pure: no HTTP, no SQL, no clock. The store keeps
// submissions and their history; the commitments engine reads the approved
// totals (RollUp adds them up the hierarchy).
package figure

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/shishi-health/shishi/region"
)

// Kind is one kind of figure (指标项): what is counted, in which unit, how
// often and by whom.
type Kind struct {
	// Code names the kind in files, the store, the API and the checks'
	// expressions, so it must be a CEL identifier: lower-case letters,
	// digits and underscores, starting with a letter.
	Code string
	// ZH and EN are the labels of forms and file headers.
	ZH, EN string
	// Unit is the unit in Chinese (场, 人次, 元), UnitEN in English.
	Unit, UnitEN string
	// Period is how often the kind is reported.
	Period Span
	// Level is the lowest level that reports the kind: the units of that
	// level report it, and a unit above may report what it does itself
	// (a provincial expert team's lectures); the totals add both up.
	// Level County includes the prefecture-level cities without counties
	// (东莞, 中山, 儋州, 嘉峪关), where no county sits between city and
	// town.
	Level region.Level
	// Min and Max bound the value; a nil Min means 0, because the kinds
	// are counts and amounts and a negative one is a typing error. A kind
	// that may be negative (a net change) sets Min explicitly.
	Min, Max *float64
	// Integer kinds take whole numbers only (lectures, calls); amounts in
	// yuan take fen.
	Integer bool
	// DueWorkdays is how many working days after the period ends the
	// report is due.
	DueWorkdays int
	// DueOn, when set ("04-10"), is a fixed day of the period's year by
	// which the report is due instead: provinces report their yearly
	// affordable-slot targets by 10 April of that year.
	DueOn string
}

// Label returns the kind's name in lang.
func (k Kind) Label(lang string) string {
	if lang == "en" {
		return k.EN
	}
	return k.ZH
}

// UnitLabel returns the kind's unit in lang.
func (k Kind) UnitLabel(lang string) string {
	if lang == "en" {
		return k.UnitEN
	}
	return k.Unit
}

// Due returns the deadline of the kind's report for period p; add counts
// working days (nil: Weekdays).
func (k Kind) Due(p Period, add AddWorkdays) (string, error) {
	if k.DueOn != "" {
		return fmt.Sprintf("%04d-%s", p.Year, k.DueOn), nil
	}
	return Due(p, k.DueWorkdays, add)
}

// ReportedBy reports whether unit d reports the kind: a unit of the kind's
// level or above it (see Kind.Level).
func (k Kind) ReportedBy(d region.Division) bool {
	return d.Level <= k.Level || k.Level == region.County && d.Kind == region.KindPrefectureWithoutCounties
}

// Check is a cross-field rule (校验规则): a CEL expression over the kinds'
// codes (each a double) that a submission must satisfy, with the message
// shown when it does not. A check is skipped for a submission that lacks
// one of the kinds it names, because the kinds are reported separately.
type Check struct {
	Expr                 string // "hotline_answered <= hotline_received"
	MessageZH, MessageEN string
	// Field is the kind the message is attached to (the form field
	// shown in red, the file column named); "" means the first kind the
	// expression names.
	Field string
}

// Catalog is every kind of figure with the checks they must pass.
type Catalog struct {
	Kinds  []Kind
	Checks []Check
	// JumpFactor flags a value more than JumpFactor times, or less than
	// 1/JumpFactor of, the region's value for the previous period: a
	// warning the submitter confirms explicitly, since real figures do
	// jump (a new hotline opens) but a slipped digit jumps too. 0 turns
	// the check off.
	JumpFactor float64
}

// Kind returns the kind with the given code.
func (c *Catalog) Kind(code string) (Kind, bool) {
	i := slices.IndexFunc(c.Kinds, func(k Kind) bool { return k.Code == code })
	if i < 0 {
		return Kind{}, false
	}
	return c.Kinds[i], true
}

// KindsFor returns, in catalog order, the kinds unit d reports for
// periods of the given span.
func (c *Catalog) KindsFor(d region.Division, span Span) []Kind {
	var out []Kind
	for _, k := range c.Kinds {
		if k.Period == span && k.ReportedBy(d) {
			out = append(out, k)
		}
	}
	return out
}

// Spans returns the spans the catalog's kinds are reported in, in order.
func (c *Catalog) Spans() []Span {
	var out []Span
	for sp := Month; sp.valid(); sp++ {
		if slices.ContainsFunc(c.Kinds, func(k Kind) bool { return k.Period == sp }) {
			out = append(out, sp)
		}
	}
	return out
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// celReserved are words CEL keeps for itself; a kind's code cannot be one.
var celReserved = []string{"true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
	"function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"}

// checkKinds checks what Compile needs of the kinds before the
// expressions: unique identifier codes, labels, a span, a level, sane
// bounds.
func (c *Catalog) checkKinds() error {
	seen := map[string]bool{}
	for i, k := range c.Kinds {
		where := fmt.Sprintf("kind %d %q", i+1, k.Code)
		switch {
		case !codeRE.MatchString(k.Code) || slices.Contains(celReserved, k.Code):
			return fmt.Errorf("%s: the code must be lower-case letters, digits and _, starting with a letter", where)
		case seen[k.Code]:
			return fmt.Errorf("%s: code used twice", where)
		case k.ZH == "" || k.EN == "":
			return fmt.Errorf("%s: needs a Chinese and an English label", where)
		case !k.Period.valid():
			return fmt.Errorf("%s: no period (month, quarter or year)", where)
		case k.Level < region.Country || k.Level > region.County:
			return fmt.Errorf("%s: level %d is not a level", where, int(k.Level))
		case k.Min != nil && k.Max != nil && *k.Min > *k.Max:
			return fmt.Errorf("%s: min %v above max %v", where, *k.Min, *k.Max)
		case k.DueWorkdays < 0:
			return fmt.Errorf("%s: negative due days", where)
		}
		if k.DueOn != "" {
			// 2024 is a leap year, so 02-29 passes.
			if _, err := time.Parse(dateLayout, "2024-"+k.DueOn); err != nil || len(k.DueOn) != 5 {
				return fmt.Errorf("%s: due on %q: want MM-DD", where, k.DueOn)
			}
		}
		seen[k.Code] = true
	}
	if c.JumpFactor != 0 && c.JumpFactor <= 1 {
		return fmt.Errorf("jump factor %v: want more than 1, or 0 for none", c.JumpFactor)
	}
	return nil
}

func ptr(v float64) *float64 { return &v }

// DefaultCatalog returns the kinds of the 2025 commitments that regions
// can report as figures (国卫办函〔2025〕25号 and the 2025-2027 action plan),
// for use where no commitments file supplies its own catalog (the package's
// tests, and the server's fallback). The shipped commitments file counts
// lectures and press conferences from their registers instead (packages
// lecture and conference), so its catalog leaves those two out:
//
//	lectures                 expert lectures (2c)              month    prefecture
//	hotline_received         12356 calls received (2b)         month    prefecture
//	hotline_answered         12356 calls answered              month    prefecture
//	crisis_interventions     12356 crisis interventions        month    prefecture
//	deposit_refund_yuan      outpatient deposits refunded (5a) month    county
//	deposit_refund_accounts  accounts refunded                 month    county
//	affordable_slots_new     new 普惠 childcare slots (4b)      quarter  county
//	affordable_slots_target  the province's target for the year year   province (due 04-10)
//	referrals                pediatric referrals (医联体)        month    county
//	press_conferences        时令节气与健康 press conferences (8) month   country
//	recognition_items        recognised test items (3)         quarter  prefecture
//
// The hotlines are run by the 设区的市, the expert teams by provinces and
// prefectures, deposits and referrals by hospitals whose county bureau
// reports; the province reports its slot target once. Monthly reports are
// due 5 working days after the month, quarterly ones 10. A value more than
// 3 times or less than a third of the previous period's is flagged.
func DefaultCatalog() *Catalog {
	zero := ptr(0)
	return &Catalog{
		Kinds: []Kind{
			{Code: "lectures", ZH: "专家讲座场次", EN: "Expert lectures held", Unit: "场", UnitEN: "lectures",
				Period: Month, Level: region.Prefecture, Min: zero, Max: ptr(10_000), Integer: true, DueWorkdays: 5},
			{Code: "hotline_received", ZH: "12356热线来电量", EN: "12356 calls received", Unit: "通", UnitEN: "calls",
				Period: Month, Level: region.Prefecture, Min: zero, Max: ptr(10_000_000), Integer: true, DueWorkdays: 5},
			{Code: "hotline_answered", ZH: "12356热线接听量", EN: "12356 calls answered", Unit: "通", UnitEN: "calls",
				Period: Month, Level: region.Prefecture, Min: zero, Max: ptr(10_000_000), Integer: true, DueWorkdays: 5},
			{Code: "crisis_interventions", ZH: "12356危机干预例数", EN: "12356 crisis interventions", Unit: "例", UnitEN: "cases",
				Period: Month, Level: region.Prefecture, Min: zero, Max: ptr(1_000_000), Integer: true, DueWorkdays: 5},
			{Code: "deposit_refund_yuan", ZH: "退还门诊预交金余额", EN: "Outpatient deposit balances refunded", Unit: "元", UnitEN: "yuan",
				Period: Month, Level: region.County, Min: zero, Max: ptr(100_000_000_000), DueWorkdays: 5},
			{Code: "deposit_refund_accounts", ZH: "退还门诊预交金账户数", EN: "Deposit accounts refunded", Unit: "户", UnitEN: "accounts",
				Period: Month, Level: region.County, Min: zero, Max: ptr(100_000_000), Integer: true, DueWorkdays: 5},
			{Code: "affordable_slots_new", ZH: "新增普惠托位数", EN: "New affordable childcare slots", Unit: "个", UnitEN: "slots",
				Period: Quarter, Level: region.County, Min: zero, Max: ptr(1_000_000), Integer: true, DueWorkdays: 10},
			{Code: "affordable_slots_target", ZH: "年度新增普惠托位目标", EN: "Affordable slots target for the year", Unit: "个", UnitEN: "slots",
				Period: Year, Level: region.Province, Min: zero, Max: ptr(10_000_000), Integer: true, DueOn: "04-10"},
			{Code: "referrals", ZH: "儿科医联体转诊人次", EN: "Pediatric referrals", Unit: "人次", UnitEN: "referrals",
				Period: Month, Level: region.County, Min: zero, Max: ptr(10_000_000), Integer: true, DueWorkdays: 5},
			{Code: "press_conferences", ZH: "时令节气与健康新闻发布会场次", EN: "Seasonal health press conferences", Unit: "场", UnitEN: "conferences",
				Period: Month, Level: region.Country, Min: zero, Max: ptr(100), Integer: true, DueWorkdays: 5},
			{Code: "recognition_items", ZH: "地市内互认检查检验项目数", EN: "Test items recognised within the prefecture", Unit: "项", UnitEN: "items",
				Period: Quarter, Level: region.Prefecture, Min: zero, Max: ptr(10_000), Integer: true, DueWorkdays: 10},
		},
		Checks: []Check{
			{Expr: "hotline_answered <= hotline_received", Field: "hotline_answered",
				MessageZH: "接听量不能大于来电量", MessageEN: "calls answered cannot exceed calls received"},
			{Expr: "crisis_interventions <= hotline_answered", Field: "crisis_interventions",
				MessageZH: "危机干预例数不能大于接听量", MessageEN: "crisis interventions cannot exceed calls answered"},
			{Expr: "deposit_refund_accounts == 0.0 || deposit_refund_yuan > 0.0", Field: "deposit_refund_yuan",
				MessageZH: "有退还账户时退还金额应大于0", MessageEN: "accounts were refunded, so the amount must be above 0"},
			{Expr: "deposit_refund_yuan == 0.0 || deposit_refund_accounts > 0.0", Field: "deposit_refund_accounts",
				MessageZH: "有退还金额时退还账户数应大于0", MessageEN: "an amount was refunded, so at least one account must be"},
		},
		JumpFactor: 3,
	}
}
