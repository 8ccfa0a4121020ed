package personal

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// IDNumber is a checked resident identity number (公民身份号码,
// GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
// and a check character, 18 characters in all.
//
// Its String, Format, GoString and LogValue all give the masked form; Full
// gives the digits. The zero IDNumber is "no number": IsZero reports true and
// every accessor returns a zero value.
type IDNumber struct {
	_ [0]func() // not comparable: a pointer comparison would look like value equality
	p *string   // behind a pointer so that reflection-based printers show an address
}

// IDReason says why ParseIDNumber rejected a number. Reasons never carry the
// number itself, so an IDError can be logged and shown as it is.
type IDReason int

// The reasons, in the order ParseIDNumber checks them.
const (
	ReasonLength     IDReason = iota + 1 // not 18 characters
	ReasonCharacters                     // not 17 digits and a digit or X
	ReasonProvince                       // first two digits not a province code
	ReasonBirthDate                      // digits 7-14 not a real date
	ReasonFuture                         // birth date after today
	ReasonCheckDigit                     // check character does not match
	ReasonLegacy15                       // a 15-digit number of the first generation
)

var idReasonText = [...]struct{ en, zh string }{
	ReasonLength:     {"must have 18 characters", "身份证号码应为18位"},
	ReasonCharacters: {"must be 17 digits followed by a digit or X", "身份证号码应为17位数字加1位数字或X"},
	ReasonProvince:   {"first two digits are not a province code", "前两位不是有效的省级行政区划代码"},
	ReasonBirthDate:  {"birth date is not a real date", "出生日期不是有效日期"},
	ReasonFuture:     {"birth date is after today", "出生日期晚于今天"},
	ReasonCheckDigit: {"check character does not match", "校验码不正确"},
	ReasonLegacy15:   {"15-digit numbers of the first generation are not accepted; give the 18-character number", "不接受15位旧身份证号码，请填写18位号码"},
}

// String describes the reason in English.
func (r IDReason) String() string {
	if r <= 0 || int(r) >= len(idReasonText) {
		return fmt.Sprintf("IDReason(%d)", int(r))
	}
	return idReasonText[r].en
}

// Label describes the reason for people: in Chinese when lang starts with
// "zh" (so "zh-CN" works too), in English otherwise.
func (r IDReason) Label(lang string) string {
	if r <= 0 || int(r) >= len(idReasonText) || !isChinese(lang) {
		return r.String()
	}
	return idReasonText[r].zh
}

// IDError is the error of ParseIDNumber. It holds only the reason, never the
// number, so it is safe to log and to show.
type IDError struct {
	Reason IDReason
}

// Error says what is wrong in English, without the number.
func (e *IDError) Error() string {
	return "parse id number: " + e.Reason.String()
}

// earliestBirthYear bounds birth dates from below: an earlier year is a typo.
const earliestBirthYear = 1800

// ParseIDNumber checks s as an 18-character resident identity number and
// returns it normalised. Surrounding white space is trimmed and a trailing
// lower-case x is upper-cased. today is the date a birth date may not be
// after; only its calendar date (in its own location) counts.
//
// The error is always an *IDError; the checks run in the order of the
// IDReason constants, so a number with an impossible date reports
// ReasonBirthDate whatever its check character.
func ParseIDNumber(s string, today time.Time) (IDNumber, error) {
	t := strings.TrimSpace(s)
	if len(t) == 18 && t[17] == 'x' {
		t = t[:17] + "X"
	}
	if len(t) != 18 {
		switch {
		case len(t) == 15 && allDigits(t):
			return IDNumber{}, &IDError{Reason: ReasonLegacy15}
		case utf8.RuneCountInString(t) == 18:
			// Full-width digits and the like: the right length to a reader.
			return IDNumber{}, &IDError{Reason: ReasonCharacters}
		}
		return IDNumber{}, &IDError{Reason: ReasonLength}
	}
	if !allDigits(t[:17]) || !(isDigit(t[17]) || t[17] == 'X') {
		return IDNumber{}, &IDError{Reason: ReasonCharacters}
	}
	if !isProvinceCode(t[0:2]) {
		return IDNumber{}, &IDError{Reason: ReasonProvince}
	}
	y, m, d, ok := birthDate(t[6:14])
	if !ok {
		return IDNumber{}, &IDError{Reason: ReasonBirthDate}
	}
	ty, tm, td := today.Date()
	if y > ty || y == ty && (m > int(tm) || m == int(tm) && d > td) {
		return IDNumber{}, &IDError{Reason: ReasonFuture}
	}
	if checkCharacter(t[:17]) != t[17] {
		return IDNumber{}, &IDError{Reason: ReasonCheckDigit}
	}
	return IDNumber{p: &t}, nil
}

// CheckCharacter returns the ISO 7064 MOD 11-2 check character of the first
// 17 digits of an identity number, for making synthetic numbers (demo data,
// tests); ok is false unless first17 is 17 ASCII digits.
func CheckCharacter(first17 string) (c byte, ok bool) {
	if len(first17) != 17 || !allDigits(first17) {
		return 0, false
	}
	return checkCharacter(first17), true
}

// idWeights are 2^(18-i) mod 11 for positions i = 1..17.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckCharacters = "10X98765432"

// checkCharacter assumes 17 ASCII digits.
func checkCharacter(first17 string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(first17[i]-'0') * w
	}
	return idCheckCharacters[sum%11]
}

// isProvinceCode reports whether two ASCII digits are a province-level code
// of GB/T 2260, or 71/81/82/83 of the residence permits of Taiwan, Hong Kong
// and Macau residents. Abolished county codes below are fine: the address
// code is the one at issue and stays on the card for life.
func isProvinceCode(p string) bool {
	n := int(p[0]-'0')*10 + int(p[1]-'0')
	switch {
	case 11 <= n && n <= 15, 21 <= n && n <= 23, 31 <= n && n <= 37,
		41 <= n && n <= 46, 50 <= n && n <= 54, 61 <= n && n <= 65:
		return true
	}
	return n == 71 || n == 81 || n == 82 || n == 83
}

// birthDate reads YYYYMMDD (8 ASCII digits) and reports whether it is a real
// date from earliestBirthYear on.
func birthDate(s string) (y, m, d int, ok bool) {
	y = atoi(s[0:4])
	m = atoi(s[4:6])
	d = atoi(s[6:8])
	if y < earliestBirthYear || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// atoi reads ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// IsZero reports whether n holds no number.
func (n IDNumber) IsZero() bool { return n.p == nil }

// Equal reports whether n and m are the same number.
func (n IDNumber) Equal(m IDNumber) bool {
	if n.p == nil || m.p == nil {
		return n.p == m.p
	}
	return *n.p == *m.p
}

// Full returns all 18 characters. It is named so that every use stands out in
// review: the full number goes only to the Hasher, to Seal, and to the person
// it belongs to.
func (n IDNumber) Full() string {
	if n.p == nil {
		return ""
	}
	return *n.p
}

// Masked keeps the address code and the last four characters:
// 110101********0014. Birth date and most of the sequence are hidden, the
// part people use to tell two numbers apart is kept.
func (n IDNumber) Masked() string {
	if n.p == nil {
		return ""
	}
	s := *n.p
	return s[:6] + "********" + s[14:]
}

// String returns the masked form, so that %v and %s never print the number.
func (n IDNumber) String() string { return n.Masked() }

// GoString returns the masked form too, for %#v.
func (n IDNumber) GoString() string { return "personal.IDNumber{" + quote(n.Masked()) + "}" }

// Format prints the masked form whatever the verb: without it %d or %x would
// print the digits through reflection.
func (n IDNumber) Format(f fmt.State, verb rune) { formatMasked(f, verb, n.GoString(), n.Masked()) }

// LogValue makes slog print the masked form.
func (n IDNumber) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// AddressCode returns the 6-digit address code (GB/T 2260) of the place of
// registration at issue; it may name a county since abolished.
func (n IDNumber) AddressCode() string {
	if n.p == nil {
		return ""
	}
	return (*n.p)[:6]
}

// BirthDate returns the birth date at midnight UTC; only its calendar date
// means anything.
func (n IDNumber) BirthDate() time.Time {
	if n.p == nil {
		return time.Time{}
	}
	s := *n.p
	return time.Date(atoi(s[6:10]), time.Month(atoi(s[10:12])), atoi(s[12:14]), 0, 0, 0, 0, time.UTC)
}

// Sex returns the sex the number records: an odd sequence number is male, an
// even one female.
func (n IDNumber) Sex() Sex {
	if n.p == nil {
		return 0
	}
	if ((*n.p)[16]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// Sex is the sex recorded in an identity number (性别).
type Sex int

// The sexes an identity number can record.
const (
	Male   Sex = iota + 1 // 男
	Female                // 女
)

// String returns "male" or "female".
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return fmt.Sprintf("Sex(%d)", int(s))
}

// Label returns 男/女 when lang starts with "zh", the English word otherwise.
func (s Sex) Label(lang string) string {
	if isChinese(lang) {
		switch s {
		case Male:
			return "男"
		case Female:
			return "女"
		}
	}
	return s.String()
}

func isChinese(lang string) bool {
	return len(lang) >= 2 && strings.EqualFold(lang[:2], "zh")
}

// formatMasked writes masked for every verb, keeping width and flags, so
// that no verb reaches the digits; %#v gets goString and %q a quoted string.
func formatMasked(f fmt.State, verb rune, goString, masked string) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, goString)
	case verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, 'q'), masked)
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), masked)
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
