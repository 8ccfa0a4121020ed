package personal

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestContainsPersonalData(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []Finding
	}{
		{"id in a log line", `level=INFO msg=claim donor=110101190001010014 status=ok`,
			[]Finding{{FoundIDNumber, 27, 18}}},
		{"id with X", `{"id":"12010119010101003X"}`, []Finding{{FoundIDNumber, 7, 18}}},
		{"id with lower-case x", `id=12010119010101003x`, []Finding{{FoundIDNumber, 3, 18}}},
		{"17 digits and X, wrong check", `id=11010119000101001X`, []Finding{{FoundIDNumber, 3, 18}}},
		{"id next to Chinese", "身份证号110101200002290026已核验", []Finding{{FoundIDNumber, 12, 18}}},
		{"id next to letters", "ID110101190001010014x", []Finding{{FoundIDNumber, 2, 18}}},
		{"mobile", "phone=13800138000", []Finding{{FoundMobile, 6, 11}}},
		{"mobile next to Chinese", "电话13800138000。", []Finding{{FoundMobile, 6, 11}}},
		{"mobile grouped", "call 138 0013 8000 now", []Finding{{FoundMobile, 5, 13}}},
		{"mobile hyphens", "tel: 138-0013-8000", []Finding{{FoundMobile, 5, 13}}},
		{"mobile with 86", "8613800138000", []Finding{{FoundMobile, 0, 13}}},
		{"mobile with +86", "+86 13800138000", []Finding{{FoundMobile, 4, 11}}},
		{"both", "110101190001010014,13800138000", []Finding{{FoundIDNumber, 0, 18}, {FoundMobile, 19, 11}}},

		// Negatives.
		{"masked id", "donor=110101********0014", nil},
		{"masked mobile", "phone=138****8000", nil},
		{"18 digits failing the check", "order=110101190001010015", nil},
		{"random 18 digits", "trace=123456789012345678", nil},
		{"18 digits, impossible date", "n=110101199913010013", nil},
		{"18 digits, no province", "n=990101199001010019", nil},
		{"19 digits", "n=1101011900010100140", nil},
		{"17 digits", "n=11010119000101001", nil},
		{"mobile inside hex", "sha=ab13800138000cd", nil},
		{"mobile after 0x", "0x13800138000", nil},
		{"12 digits", "n=138001380001", nil},
		{"12x prefix", "n=12800138000", nil},
		{"timestamp", "1767225600123 ms", nil},
		{"date and time", "2026-03-01 15:04:05.123456789", nil},
		{"mixed separators", "138 0013-8000", nil},
		{"grouped, too long", "138 0013 80001", nil},
		{"landline", "010-12345678", nil},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ContainsPersonalData(tc.text)
			if !slices.Equal(got, tc.want) {
				t.Errorf("ContainsPersonalData(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestFindingString(t *testing.T) {
	f := ContainsPersonalData("x 110101190001010014")[0]
	if s := f.String(); s != "id-number at byte 2" {
		t.Errorf("String = %q", s)
	}
}

// TestMaskedValuesAreClean: what this package prints is never a finding.
func TestMaskedValuesAreClean(t *testing.T) {
	n := mustID(t, "110101190001010014")
	p, _ := ParsePhone("13800138000")
	line := fmt.Sprintf("donor=%v phone=%v %s %s", n, p, n.Masked(), p.Masked())
	if f := ContainsPersonalData(line); f != nil {
		t.Errorf("findings in masked output %q: %v", line, f)
	}
}

func FuzzContainsPersonalData(f *testing.F) {
	for _, s := range []string{
		"donor=110101190001010014", "12010119010101003x", "电话13800138000", "138 0013 8000",
		"138-0013-800", "8613800138000", "110101********0014", "ab13800138000", "11010119000101001",
		"123456789012345678", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		found := ContainsPersonalData(text)
		end := 0
		for _, fd := range found {
			if fd.Offset < end || fd.Length <= 0 || fd.Offset+fd.Length > len(text) {
				t.Fatalf("finding %+v out of order or bounds (len %d, previous end %d)", fd, len(text), end)
			}
			end = fd.Offset + fd.Length
			v := text[fd.Offset:end]
			switch fd.Kind {
			case FoundIDNumber:
				if len(v) != 18 || !allDigits(v[:17]) {
					t.Fatalf("id finding %q", v)
				}
			case FoundMobile:
				digits := strings.NewReplacer(" ", "", "-", "").Replace(v)
				if len(digits) == 13 {
					digits = digits[2:]
				}
				if !isMobile(digits) {
					t.Fatalf("mobile finding %q", v)
				}
			default:
				t.Fatalf("kind %v", fd.Kind)
			}
		}
		// Starring out every finding leaves nothing to find.
		b := []byte(text)
		for _, fd := range found {
			for i := fd.Offset; i < fd.Offset+fd.Length; i++ {
				b[i] = '*'
			}
		}
		if again := ContainsPersonalData(string(b)); again != nil {
			t.Fatalf("after masking %q: %v", b, again)
		}
	})
}
