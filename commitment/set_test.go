package commitment

import (
	"strings"
	"testing"
)

func TestBuiltinSetsParse(t *testing.T) {
	sets, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 2 || sets[0].ID != "2025" || sets[1].ID != "2025-2027" {
		t.Fatalf("sets: %v", sets)
	}
	s := sets[0]
	if len(s.Commitments) != 8 {
		t.Errorf("2025 has %d commitments, want the notice's 8", len(s.Commitments))
	}
	// Every deadline of the notice, including the interim ones.
	want := map[string]string{
		"pediatrics-general":          "2025-11-30",
		"psych-sleep-clinics":         "2025-11-30",
		"hotline-12356":               "2025-04-30",
		"lectures":                    "2025-12-31",
		"recognition-items":           "2025-11-30",
		"childcare-per-1000":          "2025-11-30",
		"affordable-new":              "2025-11-30",
		"affordable-targets-reported": "2025-04-10",
		"outpatient-deposit-stopped":  "2025-03-31",
		"inpatient-deposit-quota":     "2025-06-30",
		"dialysis-counties":           "2025-11-30",
		"blood-stations-on-platform":  "2025-12-31",
		"press-conferences":           "2025-12-31",
	}
	for id, d := range want {
		tg, ok := s.Target(id)
		if !ok {
			t.Errorf("no target %s", id)
			continue
		}
		if tg.Deadline != d {
			t.Errorf("%s deadline %s, want %s", id, tg.Deadline, d)
		}
	}
	thresholds := map[string]string{"lectures": "> 5000", "childcare-per-1000": ">= 4.5", "affordable-new": ">= 660000",
		"press-conferences": ">= 20", "pediatrics-general": ">= 100%", "recognition-items": ">= 100%"}
	for id, th := range thresholds {
		tg, _ := s.Target(id)
		if tg.Threshold.String() != th {
			t.Errorf("%s target %s, want %s", id, tg.Threshold, th)
		}
	}
	if tg, _ := s.Target("recognition-items"); tg.Each == nil || tg.Each.String() != "> 200" {
		t.Errorf("recognition each: %v", tg.Each)
	}
	plan := sets[1]
	if tg, ok := plan.Target("ped-primary-care"); !ok || tg.Threshold.Value != 0.9 {
		t.Errorf("action plan primary care target: %+v", tg)
	}
}

func TestParseErrors(t *testing.T) {
	head := "id: x\ntitle: t\nfrom: 2025-01-01\nto: 2025-12-31\n"
	target := func(body string) string {
		return head + "commitments:\n  - no: 1\n    id: c\n    title: c\n    targets:\n      - id: t1\n        title: t\n" + body
	}
	tests := []struct {
		name, file, want string
	}{
		{"empty", "", "x.yaml: the file is empty"},
		{"syntax", "id: [", "x.yaml:1: did not find expected node content"},
		{"unknown key", head + "deadlin: 2025-01-01\n", "x.yaml:5: field deadlin not found"},
		{"no commitments", head, "declares no commitments"},
		{"bad kind", target("        kind: pie\n        registry: hospitals\n"), `x.yaml:12: target t1: unknown kind "pie"`},
		{"bad date", target("        kind: share\n        registry: hospitals\n        match: psych_clinic\n        target: \">= 100%\"\n        deadline: 2025-13-01\n"), `x.yaml:16: target t1: deadline "2025-13-01" is not a date`},
		{"bad cel", target("        kind: share\n        registry: hospitals\n        match: grade ==\n        target: \">= 1\"\n        deadline: 2025-05-01\n"), "x.yaml:14: target t1: match: column 9: Syntax error"},
		{"cel not bool", target("        kind: share\n        registry: hospitals\n        match: grade\n        target: \">= 1\"\n        deadline: 2025-05-01\n"), "not a yes/no condition"},
		{"unknown field", target("        kind: share\n        registry: hospitals\n        match: colour == \"red\"\n        target: \">= 1\"\n        deadline: 2025-05-01\n"), "undeclared reference to 'colour'"},
		{"bad registry", target("        kind: share\n        registry: zoos\n        match: x\n"), `registry "zoos"`},
		{"undeclared figure", target("        kind: total\n        figure: nothing\n"), `figure "nothing" is not declared`},
		{"bad threshold", target("        kind: total\n        registry: childcare\n        sum: slots\n        target: lots\n        deadline: 2025-05-01\n"), `"lots" is not a comparison`},
		{"sum not a number", target("        kind: total\n        registry: childcare\n        sum: name\n"), `sum "name" is not a number field`},
		{"deadline outside", target("        kind: total\n        registry: childcare\n        sum: slots\n        target: \">= 1\"\n        deadline: 2026-05-01\n"), "outside the set's period"},
		{"bad register", head + "figures:\n  - {code: talks, title: t, period: month, level: prefecture, register: podcasts}\n", `x.yaml:6: figure talks: register "podcasts" (want lectures or conferences)`},
		{"register level", head + "figures:\n  - {code: talks, title: t, period: month, level: prefecture, register: lectures, aggregate: latest}\n", "a register's count is a flow"},
		{"bad units", target("        kind: coverage\n        registry: hospitals\n        units: {of: planets}\n"), `units.of "planets"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.file))
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in   string
		op   Op
		v    float64
		fail bool
	}{
		{">= 100%", AtLeast, 1, false},
		{"> 5000", Above, 5000, false},
		{"4.5", AtLeast, 4.5, false},
		{"<= 0", AtMost, 0, false},
		{"== 1", Equal, 1, false},
		{"< 3", Below, 3, false},
		{">= 660,000", AtLeast, 660000, false},
		{"many", 0, 0, true},
		{">= NaN", 0, 0, true},
	}
	for _, tc := range tests {
		th, err := ParseThreshold(tc.in)
		if (err != nil) != tc.fail || (!tc.fail && (th.Op != tc.op || th.Value != tc.v)) {
			t.Errorf("ParseThreshold(%q) = %+v, %v", tc.in, th, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"2025.yaml", "2025-2027.yaml"} {
		data, err := builtinFiles.ReadFile("sets/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("id: x\ntitle: t\nfrom: 2025-01-01\nto: 2025-12-31\ncommitments: []\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err == nil && (s == nil || len(s.Commitments) == 0) {
			t.Fatalf("no error and no commitments")
		}
	})
}

func TestFigureCatalog(t *testing.T) {
	sets, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := FigureCatalog(sets)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := Find(sets, "2025")
	// Every figure of the file is reported but those counted from a
	// register: the lecture log and the press conferences held.
	var reported int
	registers := map[string]string{}
	for _, f := range s.Figures {
		if f.Register == "" {
			reported++
		} else {
			registers[f.Code] = f.Register
		}
	}
	if len(cat.Kinds) != reported || len(cat.Checks) != len(s.Checks) {
		t.Errorf("catalog has %d kinds and %d checks, the file %d reported and %d", len(cat.Kinds), len(cat.Checks), reported, len(s.Checks))
	}
	if registers["lectures"] != RegisterLectures || registers["press_conferences"] != RegisterConferences || len(registers) != 2 {
		t.Errorf("figures from registers: %v", registers)
	}
	for code := range registers {
		if _, ok := cat.Kind(code); ok {
			t.Errorf("%s is counted from a register but reportable", code)
		}
	}
	k, ok := cat.Kind("affordable_slots_target")
	if !ok || k.DueOn != "04-10" {
		t.Errorf("affordable_slots_target: %+v", k)
	}
	// Every figure a target reads is declared, and every level figure is
	// read as the latest value.
	for _, code := range []string{"recognition_items", "affordable_slots_target", "inpatient_deposit_hospitals", "inpatient_deposit_compliant"} {
		if f, ok := s.Figure(code); !ok || !f.Latest {
			t.Errorf("%s is not a level figure: %+v", code, f)
		}
	}
}
