package personal

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Phone is a checked mainland phone number: a mobile number (手机号码,
// 1[3-9] and nine digits) or a landline with its area code (固定电话,
// 区号-号码). Like IDNumber it prints masked everywhere and gives its digits
// only through Full; the zero Phone is "no number".
type Phone struct {
	_ [0]func() // not comparable: use Equal
	p *string   // normalised: 13800138000 or 010-12345678
}

// PhoneKind says whether a Phone is a mobile or a landline number.
type PhoneKind int

// The kinds of phone numbers.
const (
	Mobile   PhoneKind = iota + 1 // 手机
	Landline                      // 固定电话
)

// String returns "mobile" or "landline".
func (k PhoneKind) String() string {
	switch k {
	case Mobile:
		return "mobile"
	case Landline:
		return "landline"
	}
	return fmt.Sprintf("PhoneKind(%d)", int(k))
}

// ErrInvalidPhone is wrapped by every error of ParsePhone. Those errors say
// what form is wanted but never repeat the input.
var ErrInvalidPhone = errors.New("invalid phone number")

// ParsePhone checks s as a mainland mobile number, 1[3-9]\d{9}, or a
// landline with area code, 0\d{2,3}-?\d{7,8}. Surrounding white space is
// trimmed. A mobile number may be written in groups (138 0013 8000,
// 138-0013-8000) and carry the country code (+86, 0086). A landline is kept
// as area code, hyphen, local number. Without a hyphen the area code is split
// off by the numbering plan: 010 and 020-029 have three digits, every other
// area code four. Extensions and landlines in international form (+86 10 …)
// are not accepted.
func ParsePhone(s string) (Phone, error) {
	t := strings.TrimSpace(s)
	international := false
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			t, international = strings.TrimLeft(rest, " -"), true
			break
		}
	}
	compact := strings.NewReplacer(" ", "", "-", "").Replace(t)
	if compact == "" || !allDigits(compact) {
		return Phone{}, fmt.Errorf("%w: want digits, spaces and hyphens only", ErrInvalidPhone)
	}
	if isMobile(compact) {
		return Phone{p: &compact}, nil
	}
	if international || compact[0] != '0' || len(compact) < 10 || len(compact) > 12 {
		return Phone{}, fmt.Errorf("%w: want a mobile number (11 digits starting 13 to 19) or a landline with its area code (0xx or 0xxx, then 7 or 8 digits)", ErrInvalidPhone)
	}
	var area, local string
	if before, after, ok := strings.Cut(t, "-"); ok && !strings.Contains(before, " ") {
		area, local = before, strings.NewReplacer(" ", "", "-", "").Replace(after)
	} else {
		n := 4
		if compact[1] == '1' || compact[1] == '2' {
			n = 3
		}
		area, local = compact[:n], compact[n:]
	}
	if len(area) < 3 || len(area) > 4 || area[0] != '0' || len(local) < 7 || len(local) > 8 {
		return Phone{}, fmt.Errorf("%w: want a landline as area code (3 or 4 digits from 0) and 7 or 8 digits", ErrInvalidPhone)
	}
	full := area + "-" + local
	return Phone{p: &full}, nil
}

// isMobile reports whether s is exactly 1[3-9]\d{9} (ASCII digits assumed).
func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

// IsZero reports whether p holds no number.
func (p Phone) IsZero() bool { return p.p == nil }

// Equal reports whether p and q are the same number.
func (p Phone) Equal(q Phone) bool {
	if p.p == nil || q.p == nil {
		return p.p == q.p
	}
	return *p.p == *q.p
}

// Kind says whether p is a mobile or a landline number; 0 for the zero Phone.
func (p Phone) Kind() PhoneKind {
	switch {
	case p.p == nil:
		return 0
	case (*p.p)[0] == '1':
		return Mobile
	}
	return Landline
}

// Full returns the normalised number: 13800138000 or 010-12345678. It is
// named so that every use stands out in review: the full number goes to Seal
// and to the person who has to call.
func (p Phone) Full() string {
	if p.p == nil {
		return ""
	}
	return *p.p
}

// Masked hides all but the last four digits of the subscriber number and
// keeps what identifies no one: the operator prefix of a mobile number
// (138****1234) or the area code of a landline (010-****5678).
func (p Phone) Masked() string {
	if p.p == nil {
		return ""
	}
	s := *p.p
	if s[0] == '1' {
		return s[:3] + "****" + s[7:]
	}
	area, local, _ := strings.Cut(s, "-")
	return area + "-" + strings.Repeat("*", len(local)-4) + local[len(local)-4:]
}

// String returns the masked form.
func (p Phone) String() string { return p.Masked() }

// GoString returns the masked form too, for %#v.
func (p Phone) GoString() string { return "personal.Phone{" + quote(p.Masked()) + "}" }

// Format prints the masked form whatever the verb.
func (p Phone) Format(f fmt.State, verb rune) { formatMasked(f, verb, p.GoString(), p.Masked()) }

// LogValue makes slog print the masked form.
func (p Phone) LogValue() slog.Value { return slog.StringValue(p.Masked()) }

// MaskName keeps the first character of a name, the family name for most
// Chinese names, and replaces each other character with an asterisk:
// 张三丰 → 张**, 李四 → 李*. A one-character name becomes a single
// asterisk, since its first character is all of it. Surrounding white space
// is trimmed.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
