package personal

import "fmt"

// FindingKind is the kind of personal data ContainsPersonalData found.
type FindingKind int

// The kinds of findings.
const (
	FoundIDNumber FindingKind = iota + 1 // a full resident identity number
	FoundMobile                          // a full mobile number
)

// String returns "id-number" or "mobile".
func (k FindingKind) String() string {
	switch k {
	case FoundIDNumber:
		return "id-number"
	case FoundMobile:
		return "mobile"
	}
	return fmt.Sprintf("FindingKind(%d)", int(k))
}

// Finding is one piece of personal data in a text: what it is and where, in
// bytes, never the value itself, so that findings can be reported as they
// are.
type Finding struct {
	Kind   FindingKind
	Offset int // byte offset of the first character
	Length int // in bytes, separators included
}

// String reports kind and offset: "id-number at byte 27".
func (f Finding) String() string {
	return fmt.Sprintf("%s at byte %d", f.Kind, f.Offset)
}

// ContainsPersonalData scans free text, such as log lines, for full
// identity numbers and full mobile numbers and returns where they are, in
// order. Masked values (110101********0014, 138****1234) are not findings.
//
// An identity number is a run of exactly 18 ASCII digits, or 17 digits and X
// (either case), with a valid province code and a real birth date, whose
// check character matches. A run of 17 digits and X is reported even with a
// wrong check character: X marks it as an identity number, mistyped or not.
// An 18-digit run with a wrong check character is not reported: that is what
// one in eleven random numbers does (order ids, timestamps), and a mistyped
// number among them cannot be told apart.
//
// A mobile number is exactly 11 digits 1[3-9]…, possibly written 3-4-4 with
// spaces or hyphens, or preceded by 86. To keep hex strings (hashes, trace
// ids) from matching by chance, a mobile number must not touch an ASCII
// letter; Chinese text around it is fine (电话13800138000 is found). Digits
// in other scripts (full-width ０-９) are not looked at.
func ContainsPersonalData(text string) []Finding {
	var out []Finding
	i := 0
	for i < len(text) {
		if !isDigit(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && isDigit(text[j]) {
			j++
		}
		if f, ok := scanRun(text, i, j); ok {
			out = append(out, f)
			j = f.Offset + f.Length
		}
		i = j
	}
	return out
}

// scanRun looks at the maximal digit run text[i:j].
func scanRun(text string, i, j int) (Finding, bool) {
	run := text[i:j]
	switch {
	case len(run) == 18 && looksLikeID(run):
		return Finding{FoundIDNumber, i, 18}, true
	case len(run) == 17 && j < len(text) && (text[j] == 'X' || text[j] == 'x') && looksLikeID(run+"X"):
		return Finding{FoundIDNumber, i, 18}, true
	case len(run) == 11 && isMobile(run) && !letterAt(text, i-1) && !letterAt(text, j):
		return Finding{FoundMobile, i, 11}, true
	case len(run) == 13 && run[:2] == "86" && isMobile(run[2:]) && !letterAt(text, i-1) && !letterAt(text, j):
		return Finding{FoundMobile, i, 13}, true
	case len(run) == 3 && isMobile(run+"00000000"):
		// 138 0013 8000 or 138-0013-8000: the same separator twice.
		if j+10 > len(text) {
			return Finding{}, false
		}
		sep := text[j]
		if (sep != ' ' && sep != '-') || text[j+5] != sep ||
			!allDigits(text[j+1:j+5]) || !allDigits(text[j+6:j+10]) ||
			digitAt(text, j+10) || letterAt(text, j+10) || letterAt(text, i-1) {
			return Finding{}, false
		}
		return Finding{FoundMobile, i, 13}, true
	}
	return Finding{}, false
}

// looksLikeID checks an 18-character candidate (17 digits and a digit or X)
// as ParseIDNumber does, except for the future: a scanner has no today, and
// a number from the future in a log is still a number. A wrong check
// character passes when it is X.
func looksLikeID(s string) bool {
	if !isProvinceCode(s[:2]) {
		return false
	}
	if _, _, _, ok := birthDate(s[6:14]); !ok {
		return false
	}
	return s[17] == 'X' || checkCharacter(s[:17]) == s[17]
}

func letterAt(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i] | 0x20
	return 'a' <= c && c <= 'z'
}

func digitAt(s string, i int) bool {
	return i >= 0 && i < len(s) && isDigit(s[i])
}
