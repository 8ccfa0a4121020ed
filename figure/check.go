package figure

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/cel-go/cel"

	"github.com/shishi-health/shishi/region"
)

// Problem is what is wrong with a submission, or what needs a second look:
// one field (a kind's code) or the whole submission (Field ""), with the
// value as given and a message in both languages.
type Problem struct {
	Field string
	Value string
	ZH    string
	EN    string
	// Warning marks a problem that does not stop a submission once the
	// submitter confirms it (a big jump from the previous period); every
	// other problem is an error.
	Warning bool
}

// In returns the message in lang.
func (p Problem) In(lang string) string {
	if lang == "en" {
		return p.EN
	}
	return p.ZH
}

// Error prints `hotline_answered "120": calls answered cannot exceed calls
// received`.
func (p Problem) Error() string {
	var b strings.Builder
	if p.Field != "" {
		b.WriteString(p.Field)
		if p.Value != "" {
			fmt.Fprintf(&b, " %q", p.Value)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.EN)
	return b.String()
}

// Split returns the errors and the warnings among ps.
func Split(ps []Problem) (errs, warnings []Problem) {
	for _, p := range ps {
		if p.Warning {
			warnings = append(warnings, p)
		} else {
			errs = append(errs, p)
		}
	}
	return errs, warnings
}

// Rules is a compiled catalog: the checks type-checked and planned once,
// evaluated per submission. It is safe for concurrent use.
type Rules struct {
	cat    *Catalog
	checks []compiledCheck
}

type compiledCheck struct {
	Check
	prg  cel.Program
	vars []string // the kinds the expression names
}

// Compile checks the catalog's kinds and compiles its checks. An error
// names the kind or check and what is wrong: an unknown kind in an
// expression, an expression that is not a bool, a syntax error.
func (c *Catalog) Compile() (*Rules, error) {
	if err := c.checkKinds(); err != nil {
		return nil, fmt.Errorf("figure catalog: %w", err)
	}
	opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true)}
	for _, k := range c.Kinds {
		opts = append(opts, cel.Variable(k.Code, cel.DoubleType))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, fmt.Errorf("figure catalog: %w", err)
	}
	r := &Rules{cat: c}
	for i, ch := range c.Checks {
		where := fmt.Sprintf("figure catalog: check %d %q", i+1, ch.Expr)
		if ch.MessageZH == "" || ch.MessageEN == "" {
			return nil, fmt.Errorf("%s: needs a Chinese and an English message", where)
		}
		ast, iss := env.Compile(ch.Expr)
		if iss.Err() != nil {
			return nil, fmt.Errorf("%s: %w", where, iss.Err())
		}
		if ast.OutputType() != cel.BoolType {
			return nil, fmt.Errorf("%s: gives %s, want a bool", where, ast.OutputType())
		}
		// A cost limit keeps an administrator's expression from costing
		// more than a few comparisons per submission; without
		// comprehensions over lists none comes near it.
		prg, err := env.Program(ast, cel.CostLimit(10_000))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		cc := compiledCheck{Check: ch, prg: prg}
		// The variables in the order they are written: parse ids grow
		// from left to right.
		refs := ast.NativeRep().ReferenceMap()
		ids := make([]int64, 0, len(refs))
		for id, ref := range refs {
			if _, ok := c.Kind(ref.Name); ok && len(ref.OverloadIDs) == 0 {
				ids = append(ids, id)
			}
		}
		sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
		for _, id := range ids {
			if name := refs[id].Name; !slices.Contains(cc.vars, name) {
				cc.vars = append(cc.vars, name)
			}
		}
		if len(cc.vars) == 0 {
			return nil, fmt.Errorf("%s: names no kind", where)
		}
		if cc.Field == "" {
			cc.Field = cc.vars[0]
		} else if _, ok := c.Kind(cc.Field); !ok {
			return nil, fmt.Errorf("%s: field %q is not a kind", where, cc.Field)
		}
		r.checks = append(r.checks, cc)
	}
	return r, nil
}

// Catalog returns the catalog the rules were compiled from.
func (r *Rules) Catalog() *Catalog { return r.cat }

// Input is a submission to validate.
type Input struct {
	// Unit is the reporting unit.
	Unit   region.Division
	Period Period
	// Values holds the figures by kind code; a kind left out is not
	// reported in this submission.
	Values map[string]float64
	// Previous holds the unit's figures for Period.Prev(), as reported,
	// for the jump check; nil when there are none.
	Previous map[string]float64
}

// FormatValue writes a value the way people and files write it: no
// exponent, no trailing zeros (1200, 1234.5).
func FormatValue(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Validate returns every problem of in, errors and warnings, fields in
// catalog order (checks after bounds). An empty result means the
// submission may go ahead; warnings alone need the submitter's
// confirmation.
//
// The rules: every kind is in the catalog, reported by this unit and for
// this span; at least one value; values are finite, within the kind's
// bounds (no negative counts), whole numbers for integer kinds; the
// checks hold; and a value more than JumpFactor times or less than
// 1/JumpFactor of the previous period's is a warning. A previous value of
// 0 is not compared: any rise from nothing would be an infinite jump.
func (r *Rules) Validate(in Input) []Problem {
	var out []Problem
	if len(in.Values) == 0 {
		return []Problem{{ZH: "没有填写任何数据", EN: "no figures given"}}
	}
	codes := make([]string, 0, len(in.Values))
	for code := range in.Values {
		codes = append(codes, code)
	}
	order := func(code string) int {
		i := slices.IndexFunc(r.cat.Kinds, func(k Kind) bool { return k.Code == code })
		if i < 0 {
			return len(r.cat.Kinds)
		}
		return i
	}
	sort.Slice(codes, func(a, b int) bool {
		oa, ob := order(codes[a]), order(codes[b])
		return oa < ob || oa == ob && codes[a] < codes[b]
	})
	valid := map[string]float64{}
	for _, code := range codes {
		v := in.Values[code]
		text := FormatValue(v)
		bad := func(zh, en string) {
			out = append(out, Problem{Field: code, Value: text, ZH: zh, EN: en})
		}
		k, ok := r.cat.Kind(code)
		switch {
		case !ok:
			bad("没有这一指标项", "no such kind of figure")
			continue
		case k.Period != in.Period.Span:
			bad("该项按"+k.Period.Label("zh")+"报送，不属于"+in.Period.Label("zh"),
				"reported per "+k.Period.Label("en")+", not for "+in.Period.Label("en"))
			continue
		case !k.ReportedBy(in.Unit):
			bad(fmt.Sprintf("该项由%s及以上单位报送，%s不报送", k.Level.Label("zh"), in.Unit.Name),
				fmt.Sprintf("reported by %s units and above, not by %s", strings.ToLower(k.Level.Label("en")), in.Unit.NameEn))
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			bad("不是数字", "not a number")
			continue
		}
		lo := 0.0
		if k.Min != nil {
			lo = *k.Min
		}
		switch {
		case v < lo && lo == 0:
			bad("不能为负数", "cannot be negative")
			continue
		case v < lo:
			bad("不能小于"+FormatValue(lo), "cannot be less than "+FormatValue(lo))
			continue
		case k.Max != nil && v > *k.Max:
			bad("不能大于"+FormatValue(*k.Max), "cannot be more than "+FormatValue(*k.Max))
			continue
		case k.Integer && v != math.Trunc(v):
			bad("应为整数", "must be a whole number")
			continue
		}
		valid[code] = v
	}
	for _, c := range r.checks {
		vars := make(map[string]any, len(c.vars))
		for _, name := range c.vars {
			v, ok := valid[name]
			if !ok {
				break
			}
			vars[name] = v
		}
		if len(vars) < len(c.vars) {
			continue
		}
		res, _, err := c.prg.Eval(vars)
		if err == nil {
			if ok, isBool := res.Value().(bool); isBool && ok {
				continue
			}
		}
		p := Problem{Field: c.Field, Value: FormatValue(valid[c.Field]), ZH: c.MessageZH, EN: c.MessageEN}
		if err != nil {
			// Division by zero and the like: the check cannot say yes.
			p.ZH += "（无法计算：" + err.Error() + "）"
			p.EN += " (cannot evaluate: " + err.Error() + ")"
		}
		out = append(out, p)
	}
	if f := r.cat.JumpFactor; f > 0 {
		for _, code := range codes {
			v, ok := valid[code]
			prev, had := in.Previous[code]
			if !ok || !had || prev <= 0 {
				continue
			}
			if v > prev*f || v < prev/f {
				out = append(out, Problem{Field: code, Value: FormatValue(v), Warning: true,
					ZH: fmt.Sprintf("与上期（%s）相比变化超过%s倍，请核实后确认", FormatValue(prev), FormatValue(f)),
					EN: fmt.Sprintf("changed more than %s-fold from the previous period (%s); check and confirm", FormatValue(f), FormatValue(prev))})
			}
		}
	}
	return out
}

// numberRE is the form of a number ParseValue accepts after thousands
// separators are removed: no exponent, no hex, no Inf or NaN, which
// strconv.ParseFloat would take but no clerk means.
var numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// thousandsRE is a number written with thousands separators: 1,234,567.5.
var thousandsRE = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)

// ParseValue reads a value typed into a form or a cell: plain decimals,
// with thousands separators if they are in the right places, surrounding
// space trimmed. It says what is wrong in both languages otherwise; ""
// is not a value (the caller treats an empty cell as not reported).
func ParseValue(s string) (float64, *Problem) {
	t := strings.TrimSpace(strings.ReplaceAll(s, "\u3000", " "))
	if thousandsRE.MatchString(t) {
		t = strings.ReplaceAll(t, ",", "")
	}
	if !numberRE.MatchString(t) {
		return 0, &Problem{Value: s, ZH: "不是数字", EN: "not a number"}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, &Problem{Value: s, ZH: "不是数字", EN: "not a number"}
	}
	return v, nil
}
