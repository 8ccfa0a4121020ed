package personal

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in     string
		full   string // "" when invalid
		kind   PhoneKind
		masked string
	}{
		{"13800138000", "13800138000", Mobile, "138****8000"},
		{"13812341234", "13812341234", Mobile, "138****1234"},
		{" 199 1234 5678 ", "19912345678", Mobile, "199****5678"},
		{"138-0013-8000", "13800138000", Mobile, "138****8000"},
		{"+86 13800138000", "13800138000", Mobile, "138****8000"},
		{"+8613800138000", "13800138000", Mobile, "138****8000"},
		{"0086-13800138000", "13800138000", Mobile, "138****8000"},
		{"010-12345678", "010-12345678", Landline, "010-****5678"},
		{"01012345678", "010-12345678", Landline, "010-****5678"},
		{"021 62345678", "021-62345678", Landline, "021-****5678"},
		{"0755-2345678", "0755-2345678", Landline, "0755-***5678"},
		{"075523456789", "0755-23456789", Landline, "0755-****6789"},
		{"07552345678", "0755-2345678", Landline, "0755-***5678"},
		{"0755-2345-6789", "0755-23456789", Landline, "0755-****6789"},

		{"12800138000", "", 0, ""},      // 12x is no mobile prefix
		{"1380013800", "", 0, ""},       // 10 digits
		{"138001380000", "", 0, ""},     // 12 digits
		{"23800138000", "", 0, ""},      // neither 1 nor 0
		{"010-123456", "", 0, ""},       // local too short
		{"010-123456789", "", 0, ""},    // local too long
		{"01-12345678", "", 0, ""},      // area code too short
		{"07555-1234567", "", 0, ""},    // area code too long
		{"+86 010-12345678", "", 0, ""}, // international landline
		{"138****8000", "", 0, ""},      // masked
		{"１３８００１３８０００", "", 0, ""},      // full-width
		{"", "", 0, ""},
		{"0", "", 0, ""},
		{"-", "", 0, ""},
		{"tel:13800138000", "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePhone(tc.in)
			if tc.full == "" {
				if !errors.Is(err, ErrInvalidPhone) {
					t.Fatalf("ParsePhone = %v, %v; want ErrInvalidPhone", p, err)
				}
				assertNoDigitsOf(t, err.Error(), tc.in)
				return
			}
			if err != nil {
				t.Fatalf("ParsePhone: %v", err)
			}
			if p.Full() != tc.full || p.Kind() != tc.kind || p.Masked() != tc.masked {
				t.Errorf("got %q %v %q, want %q %v %q", p.Full(), p.Kind(), p.Masked(), tc.full, tc.kind, tc.masked)
			}
			if s := fmt.Sprintf("%v %d %#v %+v", p, p, p, struct{ p Phone }{p}); strings.Contains(s, p.Full()) {
				t.Errorf("printed in full: %s", s)
			}
			if p.LogValue().String() != tc.masked || p.String() != tc.masked {
				t.Error("String or LogValue not masked")
			}
		})
	}
}

func TestPhoneEqual(t *testing.T) {
	a, _ := ParsePhone("138 0013 8000")
	b, _ := ParsePhone("+86 13800138000")
	c, _ := ParsePhone("010-12345678")
	if !a.Equal(b) || a.Equal(c) || a.Equal(Phone{}) || (Phone{}).Kind() != 0 || (Phone{}).Masked() != "" {
		t.Error("Equal or zero Phone")
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{
		"张三丰":      "张**",
		"李四":       "李*",
		" 王五 ":     "王*",
		"欧阳修":      "欧**",
		"阿卜杜拉·艾则孜": "阿*******",
		"张":        "*",
		"":         "",
		"John":     "J***",
	} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"13800138000", "+86 138 0013 8000", "010-12345678", "0755 2345678",
		"075523456789", "12800138000", "0", "-", "+86", "0086-", "010-", "１３８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPhone) {
				t.Fatalf("error %v does not wrap ErrInvalidPhone", err)
			}
			return
		}
		full := p.Full()
		q, err := ParsePhone(full)
		if err != nil || !q.Equal(p) {
			t.Fatalf("Full() %q does not round-trip: %v", full, err)
		}
		masked := p.Masked()
		if len(masked) != len(full) || masked == full || strings.Count(masked, "*") < 3 {
			t.Fatalf("Masked %q of %q", masked, full)
		}
		if p.Kind() == Mobile && (len(full) != 11 || masked[3:7] != "****") {
			t.Fatalf("mobile %q masked %q", full, masked)
		}
		if p.Kind() == Mobile && len(ContainsPersonalData("tel "+full)) != 1 {
			t.Fatalf("scanner misses mobile %q", full)
		}
	})
}
