package facility

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DateLayout is how dates are written everywhere: in files, in the store
// (as text, so that both stores compare them the same way) and in URLs.
const DateLayout = "2006-01-02"

// Record is one version of one facility: the attributes it has from
// ValidFrom until the next version with the same code. A version with
// Closed set ends the facility's existence from its ValidFrom.
type Record struct {
	Code      string
	ValidFrom string // YYYY-MM-DD
	Closed    bool
	Values    []any // aligned with Schema.Fields; see Kind for the Go types
}

// String returns the value of a Text, Enum, Region or Date field.
func (r Record) String(s *Schema, key string) string {
	v, _ := r.Values[s.Index(key)].(string)
	return v
}

// Int returns the value of an Int field.
func (r Record) Int(s *Schema, key string) int64 {
	v, _ := r.Values[s.Index(key)].(int64)
	return v
}

// Bool returns the value of a Bool field.
func (r Record) Bool(s *Schema, key string) bool {
	v, _ := r.Values[s.Index(key)].(bool)
	return v
}

// Region returns the record's region code.
func (r Record) Region(s *Schema) string {
	v, _ := r.Values[s.RegionField()].(string)
	return v
}

// Zero returns a record of the schema with every value at its zero.
func (s *Schema) Zero(code, validFrom string) Record {
	r := Record{Code: code, ValidFrom: validFrom, Values: make([]any, len(s.Fields))}
	for i, f := range s.Fields {
		r.Values[i] = zeroOf(f.Kind)
	}
	return r
}

func zeroOf(k Kind) any {
	switch k {
	case Int:
		return int64(0)
	case Bool:
		return false
	}
	return ""
}

// SameValues reports whether a and b have the same attributes and the same
// closed state (their codes and dates are not compared).
func SameValues(a, b Record) bool {
	if a.Closed != b.Closed || len(a.Values) != len(b.Values) {
		return false
	}
	for i := range a.Values {
		if a.Values[i] != b.Values[i] {
			return false
		}
	}
	return true
}

// Message is a text in Chinese and English.
type Message struct{ ZH, EN string }

func msg(zh, en string) Message { return Message{zh, en} }

// In returns the message in lang.
func (m Message) In(lang string) string {
	if lang == "en" {
		return m.EN
	}
	return m.ZH
}

// FieldError says what is wrong with one field of one record. Field is the
// field's key, or "code" / "valid_from".
type FieldError struct {
	Field string
	Value string
	Msg   Message
}

// Error implements error in English; pages use Msg.In(lang).
func (e FieldError) Error() string {
	if e.Value != "" {
		return fmt.Sprintf("%s %q: %s", e.Field, e.Value, e.Msg.EN)
	}
	return e.Field + ": " + e.Msg.EN
}

// FieldErrors is every problem of one record or entry, as one error.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// CheckCode validates a facility code: 1-40 letters, digits, '-' or '_',
// beginning with a letter or digit. Codes are stable identifiers (统一社会
// 信用代码 or a local registry code) and are never reused.
func CheckCode(code string) error {
	ok := len(code) >= 1 && len(code) <= 40
	for i := 0; ok && i < len(code); i++ {
		c := code[i]
		ok = c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && (c == '-' || c == '_')
	}
	if !ok {
		return errors.New("facility code must be 1-40 letters, digits, '-' or '_'")
	}
	return nil
}

// ParseDate parses a YYYY-MM-DD date (also accepting YYYY/MM/DD and
// YYYY.MM.DD, which Excel users type) and returns it in DateLayout.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if isISODate(s) {
		// The common case, every exported file: no allocation.
		return s, nil
	}
	norm := strings.NewReplacer("/", "-", ".", "-").Replace(s)
	t, err := time.Parse(DateLayout, norm)
	if err != nil {
		// Single-digit months and days, as Excel writes 2025/3/1.
		t, err = time.Parse("2006-1-2", norm)
	}
	if err != nil {
		return "", fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	if t.Year() < 1900 || t.Year() > 2100 {
		return "", fmt.Errorf("%q is outside 1900-2100", s)
	}
	return t.Format(DateLayout), nil
}

// isISODate reports whether s is a real calendar date written YYYY-MM-DD
// within 1900-2100.
func isISODate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	n := func(a, b int) int {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	y, m, d := n(0, 4), n(5, 7), n(8, 10)
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// RegionChecker answers whether a region code may be used for a field; the
// importer passes the administrative hierarchy. It returns a message when
// the code is not acceptable.
type RegionChecker func(code string, rule RegionRule) (Message, bool)

// ParseValue converts the text of one cell to the field's value.
func ParseValue(f Field, text string, regions RegionChecker) (any, *Message) {
	return ParseTrimmed(f, strings.TrimSpace(text), regions)
}

// ParseTrimmed is ParseValue for text already trimmed of surrounding
// spaces, as table.Reader returns cells: trimming twice was a tenth of the
// importer's time.
func ParseTrimmed(f Field, text string, regions RegionChecker) (any, *Message) {
	if text == "" {
		if f.Required {
			m := msg("必填", "required")
			return nil, &m
		}
		return zeroOf(f.Kind), nil
	}
	switch f.Kind {
	case Text:
		if len([]rune(text)) > 200 {
			m := msg("超过200个字符", "longer than 200 characters")
			return nil, &m
		}
		return text, nil
	case Int:
		n, err := strconv.ParseInt(strings.TrimSuffix(text, ".0"), 10, 64)
		if err != nil {
			m := msg("不是整数", "not a whole number")
			return nil, &m
		}
		if n < f.Min {
			m := msg(fmt.Sprintf("不能小于 %d", f.Min), fmt.Sprintf("must not be below %d", f.Min))
			return nil, &m
		}
		if f.Max > 0 && n > f.Max {
			m := msg(fmt.Sprintf("不能大于 %d", f.Max), fmt.Sprintf("must not exceed %d", f.Max))
			return nil, &m
		}
		return n, nil
	case Bool:
		switch strings.ToLower(text) {
		case "1", "是", "有", "y", "yes", "true":
			return true, nil
		case "0", "否", "无", "n", "no", "false":
			return false, nil
		}
		m := msg("应为 是/否", "must be yes or no")
		return nil, &m
	case Date:
		d, err := ParseDate(text)
		if err != nil {
			m := msg("不是日期（YYYY-MM-DD）", "not a date (YYYY-MM-DD)")
			return nil, &m
		}
		return d, nil
	case Enum:
		o, ok := f.Option(text)
		if !ok {
			labels := make([]string, len(f.Options))
			for i, o := range f.Options {
				labels[i] = o.ZH
			}
			m := msg("应为以下之一："+strings.Join(labels, "、"), "must be one of: "+optionCodes(f))
			return nil, &m
		}
		return o.Code, nil
	case Region:
		if regions != nil {
			if m, ok := regions(text, f.RegionLevel); !ok {
				return nil, &m
			}
		}
		return text, nil
	}
	m := msg("未知字段类型", "unknown field kind")
	return nil, &m
}

func optionCodes(f Field) string {
	s := make([]string, len(f.Options))
	for i, o := range f.Options {
		s[i] = o.EN
	}
	return strings.Join(s, ", ")
}

// FormatValue writes a value as it appears in files and pages: enum and
// yes/no values as labels in lang, dates as YYYY-MM-DD.
func FormatValue(f Field, v any, lang string) string {
	switch f.Kind {
	case Int:
		n, _ := v.(int64)
		return strconv.FormatInt(n, 10)
	case Bool:
		b, _ := v.(bool)
		if b {
			return yesNo[0].label(lang)
		}
		return yesNo[1].label(lang)
	case Enum:
		s, _ := v.(string)
		if o, ok := f.Option(s); ok {
			return o.label(lang)
		}
		return s
	}
	s, _ := v.(string)
	return s
}

func (o Option) label(lang string) string {
	if lang == "en" {
		return o.EN
	}
	return o.ZH
}

// Validate checks a complete record: code, date, field kinds and the
// schema's cross-field rules.
func (s *Schema) Validate(r Record) []FieldError {
	var errs []FieldError
	if err := CheckCode(r.Code); err != nil {
		errs = append(errs, FieldError{Field: "code", Value: r.Code, Msg: msg("机构代码只能由1-40位字母、数字、-、_组成", err.Error())})
	}
	if _, err := ParseDate(r.ValidFrom); err != nil {
		errs = append(errs, FieldError{Field: "valid_from", Value: r.ValidFrom, Msg: msg("不是日期（YYYY-MM-DD）", "not a date (YYYY-MM-DD)")})
	}
	if len(r.Values) != len(s.Fields) {
		return append(errs, FieldError{Field: "code", Msg: msg("字段数不对", "wrong number of fields")})
	}
	for i, f := range s.Fields {
		ok := false
		switch f.Kind {
		case Int:
			n, isInt := r.Values[i].(int64)
			ok = isInt && n >= f.Min && (f.Max == 0 || n <= f.Max)
		case Bool:
			_, ok = r.Values[i].(bool)
		default:
			var v string
			v, ok = r.Values[i].(string)
			if ok && f.Required && v == "" {
				ok = false
			}
			if ok && f.Kind == Enum {
				_, ok = f.Option(v)
			}
			if ok && f.Kind == Date && v != "" {
				_, err := ParseDate(v)
				ok = err == nil
			}
		}
		if !ok {
			errs = append(errs, FieldError{Field: f.Key, Value: fmt.Sprint(r.Values[i]), Msg: msg("值无效", "invalid value")})
		}
	}
	if len(errs) == 0 {
		errs = append(errs, s.CheckRules(r)...)
	}
	return errs
}

// CheckRules checks only the schema's rules across fields, for records
// whose fields were each parsed with ParseValue (the importer's path).
func (s *Schema) CheckRules(r Record) []FieldError {
	if s.Check == nil {
		return nil
	}
	return s.Check(s, r)
}
