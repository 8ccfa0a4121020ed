package region

import (
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestSplitRecord(t *testing.T) {
	tests := []struct {
		line    string
		want    []string
		wantErr string
	}{
		{"a,b,c", []string{"a", "b", "c"}, ""},
		{"a,,", []string{"a", "", ""}, ""},
		{`110000,北京市,"x, y",2020`, []string{"110000", "北京市", "x, y", "2020"}, ""},
		{`"say ""hi""",b`, []string{`say "hi"`, "b"}, ""},
		{`a,""`, []string{"a", ""}, ""},
		{`"a",`, []string{"a", ""}, ""},
		{`a,b"c`, nil, "field 2: quote inside an unquoted field"},
		{`a,"b`, nil, "field 2: quote not closed"},
		{`"a"b,c`, nil, "field 1: text after closing quote"},
	}
	for _, tc := range tests {
		got, err := splitRecord(tc.line, nil)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("splitRecord(%q) error = %v, want %q", tc.line, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("splitRecord(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
}

// TestEmbeddedFilesParse reads the embedded files with encoding/csv and
// checks that the tree holds every field the hand-written reader took from
// them.
func TestEmbeddedFilesParse(t *testing.T) {
	tree := loadTree(t)
	divs, err := csv.NewReader(strings.NewReader(divisionsCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range divs[1:] {
		d, ok := tree.Get(r[0])
		parent := r[3]
		if parent == "" {
			parent = CountryCode
		}
		if !ok || d.Name != r[1] || d.Level.String() != r[2] || d.Parent != parent || d.NameEn != r[4] {
			t.Errorf("Get(%s) = %+v, %v; file has %q", r[0], d, ok, r)
		}
	}
	pops, err := csv.NewReader(strings.NewReader(populationCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(pops)-1 != 3196 {
		t.Errorf("population.csv has %d rows, want 3196", len(pops)-1)
	}
	for _, r := range pops[1:] {
		p := tree.Population(r[0])
		if p.Source != Census || p.Note != r[4] || p.Year != 2020 || strconv.FormatInt(p.Value, 10) != r[2] {
			t.Errorf("Population(%s) = %+v; file has %q", r[0], p, r)
		}
	}
}

// FuzzSplitRecord checks the hand-written reader against encoding/csv on
// single lines.
func FuzzSplitRecord(f *testing.F) {
	for _, s := range []string{"a,b", `"a,b",c`, `"a""b"`, `a"b`, `"a`, `"a"b`, ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if line == "" || strings.ContainsAny(line, "\r\n") {
			return
		}
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		want, wantErr := r.Read()
		got, err := splitRecord(line, nil)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("splitRecord(%q) = %q, %v; encoding/csv: %q, %v", line, got, err, want, wantErr)
		}
		if err == nil && !slices.Equal(got, want) {
			t.Fatalf("splitRecord(%q) = %q; encoding/csv: %q", line, got, want)
		}
	})
}
