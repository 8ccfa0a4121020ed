package facility

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestParseDate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2025-03-31", "2025-03-31"},
		{" 2025/3/1 ", "2025-03-01"},
		{"2025.11.30", "2025-11-30"},
		{"2024-02-29", "2024-02-29"},
		{"2025-02-29", ""},
		{"2025-13-01", ""},
		{"1899-12-31", ""},
		{"20250101", ""},
		{"", ""},
	}
	for _, c := range cases {
		got, err := ParseDate(c.in)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseValue(t *testing.T) {
	h := Hospitals
	regions := func(code string, _ RegionRule) (Message, bool) {
		return Message{EN: "unknown region code"}, code == "410102"
	}
	cases := []struct {
		field, in string
		want      any
		err       string
	}{
		{"grade", "三级", "3", ""},
		{"grade", "level 2", "2", ""},
		{"grade", "2", "2", ""},
		{"grade", "特级", nil, "must be one of"},
		{"grade", "", nil, "required"},
		{"ped_beds", "12", int64(12), ""},
		{"ped_beds", "12.0", int64(12), ""},
		{"ped_beds", "十二", nil, "not a whole number"},
		{"ped_beds", "-1", nil, "below 0"},
		{"ped_beds", "", int64(0), ""},
		{"ped_beds", "99999", nil, "exceed"},
		{"psych_clinic", "是", true, ""},
		{"psych_clinic", "No", false, ""},
		{"psych_clinic", "maybe", nil, "yes or no"},
		{"region", "410102", "410102", ""},
		{"region", "410199", nil, "unknown region"},
		{"name", strings.Repeat("院", 201), nil, "200 characters"},
	}
	for _, c := range cases {
		got, m := ParseValue(h.Field(c.field), c.in, regions)
		if c.err != "" {
			if m == nil || !strings.Contains(m.EN, c.err) {
				t.Errorf("%s %q: error %v, want %q", c.field, c.in, m, c.err)
			}
			continue
		}
		if m != nil || got != c.want {
			t.Errorf("%s %q = %v (%T), %v; want %v", c.field, c.in, got, got, m, c.want)
		}
	}
}

func TestChildcareRules(t *testing.T) {
	c := Childcare
	r := c.Zero("C1", "2025-01-01")
	r.Values[c.Index("name")] = "某县托育园"
	r.Values[c.Index("region")] = "410102"
	r.Values[c.Index("slots")] = int64(50)
	r.Values[c.Index("affordable_slots")] = int64(60)
	errs := c.Validate(r)
	if len(errs) != 2 || errs[0].Field != "affordable_slots" || errs[1].Field != "certified_on" {
		t.Fatalf("errors %v, want affordable_slots > slots and missing certification", errs)
	}
	r.Values[c.Index("affordable_slots")] = int64(50)
	r.Values[c.Index("certified_on")] = "2025-02-01"
	if errs := c.Validate(r); len(errs) != 0 {
		t.Fatalf("valid record rejected: %v", errs)
	}
}

func version(from, name, ped string, closed bool) Record {
	r := Hospitals.Zero("H1", from)
	r.Values[Hospitals.Index("name")] = name
	r.Values[Hospitals.Index("pediatrics")] = ped
	r.Closed = closed
	return r
}

func TestPlan(t *testing.T) {
	h := History{version("2024-01-01", "甲", "none", false), version("2025-06-01", "甲", "own", false)}
	cases := []struct {
		name    string
		rec     Record
		change  Change
		fields  []string
		replace bool
	}{
		{"unknown code", version("2024-01-01", "甲", "none", false), Unchanged, nil, false},
		{"same as in effect", version("2024-05-01", "甲", "none", false), Unchanged, nil, false},
		{"same as later", version("2025-07-01", "甲", "own", false), Unchanged, nil, false},
		{"change", version("2025-07-01", "乙", "own", false), Changed, []string{"name"}, false},
		{"replace", version("2025-06-01", "甲", "alliance", false), Changed, []string{"pediatrics"}, true},
		{"before first", version("2023-01-01", "甲", "none", false), Changed, nil, false},
		{"close", version("2025-09-01", "甲", "own", true), Changed, []string{"closed"}, false},
	}
	if c, _, _ := Hospitals.Plan(nil, version("2024-01-01", "甲", "none", false)); c != New {
		t.Errorf("empty history: %v, want new", c)
	}
	for _, c := range cases[1:] {
		change, diff, replace := Hospitals.Plan(h, c.rec)
		var fields []string
		for _, d := range diff {
			fields = append(fields, d.Field)
		}
		if change != c.change || !slices.Equal(fields, c.fields) || replace != c.replace {
			t.Errorf("%s: %v %v %v, want %v %v %v", c.name, change, fields, replace, c.change, c.fields, c.replace)
		}
	}
}

func TestHistorySince(t *testing.T) {
	h := History{
		version("2024-01-01", "甲", "none", false),
		version("2025-03-01", "甲", "own", false),
		version("2025-09-01", "甲县医院", "own", false),
		version("2025-12-01", "甲县医院", "own", true),
	}
	since := h.Since("2025-10-01")
	if got := since[Hospitals.Index("pediatrics")]; got != "2025-03-01" {
		t.Errorf("pediatrics since %s, want 2025-03-01", got)
	}
	if got := since[Hospitals.Index("name")]; got != "2025-09-01" {
		t.Errorf("name since %s, want 2025-09-01", got)
	}
	if got := since[Hospitals.Index("grade")]; got != "2024-01-01" {
		t.Errorf("grade since %s, want 2024-01-01", got)
	}
	if _, ok := h.AsOf("2025-12-01"); ok {
		t.Error("closed facility still in effect")
	}
	if _, ok := h.AsOf("2023-12-31"); ok {
		t.Error("facility in effect before its first version")
	}
}

// TestDomainIsPure keeps HTTP and SQL out of the domain packages.
func TestDomainIsPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skip("go list not available:", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "net/http" || dep == "database/sql" {
			t.Errorf("facility depends on %s", dep)
		}
	}
}

// FuzzParseValue feeds any cell text to every field of every registry.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"三级", "12", "-1", "是", "2025/3/1", "410102", "", "1e9", "９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, sc := range Registries() {
			for _, fd := range sc.Fields {
				v, m := ParseValue(fd, text, nil)
				if m == nil && v == nil {
					t.Fatalf("%s.%s %q: no value and no error", sc.Name, fd.Key, text)
				}
				if m == nil {
					_ = FormatValue(fd, v, "zh")
				}
			}
		}
		if d, err := ParseDate(text); err == nil {
			if again, err := ParseDate(d); err != nil || again != d {
				t.Fatalf("ParseDate(%q) = %q does not parse back", text, d)
			}
		}
	})
}
