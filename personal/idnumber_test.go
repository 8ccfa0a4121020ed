package personal

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// today is fixed so that the future cases do not move.
var today = time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)

func TestParseIDNumber(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string   // normalised, when valid
		why   IDReason // when invalid
		birth string
		sex   Sex
	}{
		// DOMAIN.md §7, the table.
		{name: "worked example", in: "110101190001010014", want: "110101190001010014", birth: "1900-01-01", sex: Male},
		{name: "leap day 2000", in: "110101200002290026", want: "110101200002290026", birth: "2000-02-29", sex: Female},
		{name: "check character X", in: "12010119010101003X", want: "12010119010101003X", birth: "1901-01-01", sex: Male},
		{name: "wrong check digit", in: "110101190001010015", why: ReasonCheckDigit},
		{name: "1900-02-30", in: "110101190002300017", why: ReasonBirthDate},
		{name: "17 characters", in: "11010119000101001", why: ReasonLength},

		// Leap days: 1900 is not a leap year (century), 2024 is, 2023 is not.
		{name: "leap day 1900", in: "110101190002290011", why: ReasonBirthDate},
		{name: "leap day 2024", in: "110101202402290016", want: "110101202402290016", birth: "2024-02-29", sex: Male},
		{name: "leap day 2023", in: "110101202302290019", why: ReasonBirthDate},
		{name: "month 13", in: "110101199013010012", why: ReasonBirthDate},
		{name: "day 00", in: "110101199001000012", why: ReasonBirthDate},
		{name: "April 31", in: "110101199004310012", why: ReasonBirthDate},
		{name: "before 1800", in: "110101179912310010", why: ReasonBirthDate},
		{name: "1800-01-01", in: "110101180001010015", want: "110101180001010015", birth: "1800-01-01", sex: Male},

		// Today is 2026-03-01: born today is fine, tomorrow is not.
		{name: "born today", in: "110101202603010017", want: "110101202603010017", birth: "2026-03-01", sex: Male},
		{name: "born tomorrow", in: "110101202603020012", why: ReasonFuture},
		{name: "born next year", in: "110101202701010013", why: ReasonFuture},

		// Province codes.
		{name: "province 00", in: "00010119900101001X", why: ReasonProvince},
		{name: "province 99", in: "990101199001010019", why: ReasonProvince},
		{name: "province 16", in: "160101199001010012", why: ReasonProvince},
		{name: "Taiwan permit 83", in: "830000198001010018", want: "830000198001010018", birth: "1980-01-01", sex: Male},
		{name: "Taiwan 71", in: "710000198001010010", want: "710000198001010010", birth: "1980-01-01", sex: Male},

		// Normalisation and characters.
		{name: "lower-case x", in: "12010119010101003x", want: "12010119010101003X", birth: "1901-01-01", sex: Male},
		{name: "spaces", in: "  110101190001010014\t\n", want: "110101190001010014", birth: "1900-01-01", sex: Male},
		{name: "ideographic space", in: "\u3000110101190001010014\u3000", want: "110101190001010014", birth: "1900-01-01", sex: Male},
		{name: "x inside", in: "1201011901010x0039", why: ReasonCharacters},
		{name: "letter at end", in: "12010119010101003A", why: ReasonCharacters},
		{name: "full-width digits", in: "１１０１０１１９０００１０１００１４", why: ReasonCharacters},
		{name: "inner space", in: "110101 190001010014", why: ReasonLength},
		{name: "empty", in: "", why: ReasonLength},
		{name: "19 characters", in: "1101011900010100140", why: ReasonLength},
		{name: "legacy 15 digits", in: "110101000101001", why: ReasonLegacy15},
		{name: "15 with letter", in: "11010100010100X", why: ReasonLength},
		{name: "Shenzhen", in: "440305199003071236", want: "440305199003071236", birth: "1990-03-07", sex: Male},
		{name: "Shenzhen female", in: "440305199003071244", want: "440305199003071244", birth: "1990-03-07", sex: Female},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ParseIDNumber(tc.in, today)
			if tc.want == "" {
				var ie *IDError
				if !errors.As(err, &ie) {
					t.Fatalf("ParseIDNumber = %v, %v; want *IDError %v", n, err, tc.why)
				}
				if ie.Reason != tc.why {
					t.Errorf("reason %v, want %v", ie.Reason, tc.why)
				}
				if !n.IsZero() {
					t.Errorf("number returned with error")
				}
				assertNoDigitsOf(t, err.Error(), tc.in)
				return
			}
			if err != nil {
				t.Fatalf("ParseIDNumber: %v", err)
			}
			if n.Full() != tc.want {
				t.Errorf("Full = %q, want %q", n.Full(), tc.want)
			}
			if got := n.BirthDate().Format(time.DateOnly); got != tc.birth {
				t.Errorf("BirthDate = %s, want %s", got, tc.birth)
			}
			if n.Sex() != tc.sex {
				t.Errorf("Sex = %v, want %v", n.Sex(), tc.sex)
			}
			if n.AddressCode() != tc.want[:6] {
				t.Errorf("AddressCode = %q", n.AddressCode())
			}
			if want := tc.want[:6] + "********" + tc.want[14:]; n.Masked() != want {
				t.Errorf("Masked = %q, want %q", n.Masked(), want)
			}
		})
	}
}

// assertNoDigitsOf fails if text contains the input or any 6-digit stretch
// of it.
func assertNoDigitsOf(t *testing.T, text, input string) {
	t.Helper()
	in := strings.TrimSpace(input)
	for i := 0; i+6 <= len(in); i++ {
		if strings.Contains(text, in[i:i+6]) {
			t.Errorf("%q contains %q from the input", text, in[i:i+6])
		}
	}
}

func TestIDNumberMasked(t *testing.T) {
	n := mustID(t, "110101190001010014")
	if got := n.Masked(); got != "110101********0014" {
		t.Errorf("Masked = %q", got)
	}
	var zero IDNumber
	if zero.Masked() != "" || zero.Full() != "" || !zero.BirthDate().IsZero() || zero.Sex() != 0 || zero.AddressCode() != "" {
		t.Error("zero IDNumber is not empty")
	}
}

// TestIDNumberNeverPrinted prints a number in every way code is likely to:
// fmt verbs, in structs with exported and unexported fields, pointers, slog
// text and JSON handlers.
func TestIDNumberNeverPrinted(t *testing.T) {
	n := mustID(t, "110101190001010014")
	type claim struct {
		Donor IDNumber
		donor IDNumber
		ptr   *IDNumber
	}
	c := claim{Donor: n, donor: n, ptr: &n}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%20v", "%-20s", "%T"} {
		out = append(out, fmt.Sprintf(verb, n), fmt.Sprintf(verb, c), fmt.Sprintf(verb, &c), fmt.Sprintf(verb, []IDNumber{n}))
	}
	out = append(out, fmt.Sprint(n), fmt.Sprintln(c), n.String(), n.GoString())

	var buf bytes.Buffer
	text := slog.New(slog.NewTextHandler(&buf, nil))
	text.Info("claim", "donor", n, "claim", c, slog.Any("id", n))
	js := slog.New(slog.NewJSONHandler(&buf, nil))
	js.Info("claim", "donor", n, "claim", c, slog.Any("id", n))
	out = append(out, buf.String())

	for _, s := range out {
		if strings.Contains(s, "19000101") || strings.Contains(s, n.Full()) {
			t.Errorf("printed in full: %s", s)
		}
	}
	if got := fmt.Sprintf("%v|%q|%#v|%8.4s|", n, n, n, n); got != `110101********0014|"110101********0014"|personal.IDNumber{"110101********0014"}|    1101|` {
		t.Errorf("formatting: %s", got)
	}
	if !strings.Contains(buf.String(), "110101********0014") {
		t.Errorf("slog does not show the masked number: %s", buf.String())
	}
}

func TestIDNumberEqual(t *testing.T) {
	a := mustID(t, "12010119010101003X")
	b := mustID(t, "12010119010101003x")
	c := mustID(t, "110101190001010014")
	if !a.Equal(b) || a.Equal(c) || a.Equal(IDNumber{}) || !(IDNumber{}).Equal(IDNumber{}) {
		t.Error("Equal")
	}
}

func TestIDReasonLabel(t *testing.T) {
	for r := ReasonLength; r <= ReasonLegacy15; r++ {
		if en := r.Label("en"); en == "" || en != r.String() || strings.HasPrefix(en, "IDReason(") {
			t.Errorf("%d: English label %q", r, en)
		}
		zh := r.Label("zh-CN")
		if zh == r.String() || !strings.Contains(zh, "号码") && !strings.Contains(zh, "日期") && !strings.Contains(zh, "代码") && !strings.Contains(zh, "校验") {
			t.Errorf("%d: Chinese label %q", r, zh)
		}
	}
	if got := IDReason(0).Label("zh"); got != "IDReason(0)" {
		t.Errorf("unknown reason: %q", got)
	}
	err := error(&IDError{Reason: ReasonCheckDigit})
	if err.Error() != "parse id number: check character does not match" {
		t.Errorf("Error() = %q", err.Error())
	}
	if Male.Label("zh") != "男" || Female.Label("zh-CN") != "女" || Female.Label("en") != "female" {
		t.Error("Sex labels")
	}
}

func TestCheckCharacter(t *testing.T) {
	// DOMAIN.md §7, worked example: S = 52, 52 mod 11 = 8, check "4".
	if c, ok := CheckCharacter("11010119000101001"); !ok || c != '4' {
		t.Errorf("CheckCharacter = %c, %v; want 4", c, ok)
	}
	if c, ok := CheckCharacter("12010119010101003"); !ok || c != 'X' {
		t.Errorf("CheckCharacter = %c, %v; want X", c, ok)
	}
	for _, bad := range []string{"", "1101011900010100", "1101011900010100A", "110101190001010014"} {
		if _, ok := CheckCharacter(bad); ok {
			t.Errorf("CheckCharacter(%q) ok", bad)
		}
	}
}

func mustID(t testing.TB, s string) IDNumber {
	t.Helper()
	n, err := ParseIDNumber(s, today)
	if err != nil {
		t.Fatalf("ParseIDNumber: %v", err)
	}
	return n
}

// TestDomainIsPure keeps HTTP, SQL and outside modules out of the package:
// domain packages import it.
func TestDomainIsPure(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		// A dot in the first path element marks a module outside the
		// standard library.
		first, _, _ := strings.Cut(dep, "/")
		if dep == "net/http" || dep == "database/sql" || strings.Contains(first, ".") && dep != "github.com/shishi-health/shishi/personal" {
			t.Errorf("personal depends on %s", dep)
		}
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{
		"110101190001010014", "110101200002290026", "12010119010101003X", "12010119010101003x",
		"110101190001010015", "110101190002300017", "11010119000101001", "110101000101001",
		" 440305199003071236 ", "00010119900101001X", "１１０１０１１９０００１０１００１４", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseIDNumber(s, today)
		if err != nil {
			var ie *IDError
			if !errors.As(err, &ie) || ie.Reason < ReasonLength || ie.Reason > ReasonLegacy15 {
				t.Fatalf("error %v is not an *IDError with a known reason", err)
			}
			// No run of 6 digits of the input appears in the message.
			for run := range strings.FieldsFuncSeq(s, func(r rune) bool { return r < '0' || r > '9' }) {
				for i := 0; i+6 <= len(run); i++ {
					if strings.Contains(err.Error(), run[i:i+6]) {
						t.Fatalf("error %q repeats input digits", err)
					}
				}
			}
			return
		}
		full := n.Full()
		m, err := ParseIDNumber(full, today)
		if err != nil || !m.Equal(n) || m.Full() != full {
			t.Fatalf("Full() %q does not round-trip: %v", full, err)
		}
		masked := n.Masked()
		if masked != full[:6]+"********"+full[14:] || strings.Contains(masked, full[6:14]) {
			t.Fatalf("Masked %q shows the middle of %q", masked, full)
		}
		if fmt.Sprint(n) != masked || fmt.Sprintf("%d", n) != masked {
			t.Fatal("printed unmasked")
		}
		if n.BirthDate().After(today) || n.Sex() == 0 {
			t.Fatal("accessors")
		}
	})
}

func BenchmarkParseIDNumber(b *testing.B) {
	for b.Loop() {
		if _, err := ParseIDNumber("12010119010101003x", today); err != nil {
			b.Fatal(err)
		}
	}
}
