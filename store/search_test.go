package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/shishi-health/shishi/facility"
	"github.com/shishi-health/shishi/region"
	"github.com/shishi-health/shishi/store"
	"github.com/shishi-health/shishi/store/storetest"
)

// at returns a hospital in region reg.
func at(code, from, name, reg string) facility.Record {
	r := hospital(code, from, name, "none")
	r.Values[facility.Hospitals.Index("region")] = reg
	return r
}

// searchCodes returns the codes Facilities finds for text as of asOf
// within reg, sorted.
func searchCodes(t *testing.T, s *store.Store, reg, asOf, text string) []string {
	t.Helper()
	recs, total, err := s.Facilities(context.Background(), facility.Hospitals, store.Query{Region: reg, AsOf: asOf, Text: text})
	if err != nil {
		t.Fatalf("search %q: %v", text, err)
	}
	if total != len(recs) {
		t.Errorf("search %q: total %d, %d rows", text, total, len(recs))
	}
	var codes []string
	for _, r := range recs {
		codes = append(codes, r.Code)
	}
	slices.Sort(codes)
	return codes
}

// checkSearchIndex asks SQLite to check the FTS5 index against the
// registry table (rank 1: compare with the content).
func checkSearchIndex(t *testing.T, s *store.Store) {
	t.Helper()
	if s.Dialect() != store.SQLite {
		return
	}
	if err := s.ExecForTest(context.Background(),
		`INSERT INTO hospital_versions_search(hospital_versions_search, rank) VALUES ('integrity-check', 1)`); err != nil {
		t.Fatalf("search index out of step with hospital_versions: %v", err)
	}
}

// searchCase is a search as of a date within a region, and the codes it
// should find.
type searchCase struct {
	name, reg, asOf, text string
	want                  []string
}

func TestSearchText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		closed := at("H0007", "2025-06-01", "关闭的医院", "410122")
		closed.Closed = true
		put := func(recs ...facility.Record) {
			t.Helper()
			tx, err := s.BeginImport(ctx, facility.Hospitals)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Apply(ctx, recs); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// The first import loads an empty registry: triggers dropped,
		// index rebuilt at commit.
		put(
			at("H0001", "2024-01-01", "中牟县人民医院", "410122"),
			at("H0002", "2024-01-01", "中牟县中医院", "410122"),
			at("H0003", "2024-01-01", "郑州市第一人民医院", "410102"),
			at("h0004", "2024-01-01", "北京协和医院", "110101"),
			at("X-01_a", "2024-01-01", `100%_医院"引号"`, "410102"),
			at("H0005", "2024-01-01", "和县人民医院", "340523"),
			at("H0006", "2024-01-01", "旧名医院", "410102"),
			at("H0006", "2025-01-01", "新名称医院", "410102"),
			at("H0007", "2024-01-01", "关闭的医院", "410122"),
			closed,
		)
		checkSearchIndex(t, s)
		cases := []searchCase{
			{"county name", "", "2025-12-31", "中牟县", []string{"H0001", "H0002"}},
			{"two characters", "", "2025-12-31", "中牟", []string{"H0001", "H0002"}},
			{"two-character county", "", "2025-12-31", "和县", []string{"H0005"}},
			{"one character", "", "2025-12-31", "协", []string{"h0004"}},
			{"long name", "", "2025-12-31", "郑州市第一人民医院", []string{"H0003"}},
			{"shared part", "", "2025-12-31", "人民医院", []string{"H0001", "H0003", "H0005"}},
			{"within a province", "410000", "2025-12-31", "人民医院", []string{"H0001", "H0003"}},
			{"within a county", "410122", "2025-12-31", "医院", []string{"H0001", "H0002"}},
			{"code prefix", "", "2025-12-31", "H000", []string{"H0001", "H0002", "H0003", "H0005", "H0006", "h0004"}},
			{"code prefix in lower case", "", "2025-12-31", "h0001", []string{"H0001"}},
			{"whole code", "", "2025-12-31", "H0003", []string{"H0003"}},
			{"code with - and _", "", "2025-12-31", "X-01_", []string{"X-01_a"}},
			{"LIKE wildcards are literal", "", "2025-12-31", "100%_", []string{"X-01_a"}},
			{"% alone", "", "2025-12-31", "%", []string{"X-01_a"}},
			{"FTS query syntax is literal", "", "2025-12-31", `"引号"`, []string{"X-01_a"}},
			{"old name before the rename", "", "2024-06-01", "旧名医院", []string{"H0006"}},
			{"old name after the rename", "", "2025-12-31", "旧名医院", nil},
			{"new name", "", "2025-12-31", "新名称", []string{"H0006"}},
			{"closed", "", "2025-12-31", "关闭的", nil},
			{"before closing", "", "2025-01-01", "关闭的", []string{"H0007"}},
			{"nothing", "", "2025-12-31", "zzzzzz", nil},
		}
		check := func(stage string) {
			t.Helper()
			for _, c := range cases {
				if got := searchCodes(t, s, c.reg, c.asOf, c.text); !slices.Equal(got, c.want) {
					t.Errorf("%s: %s: %q as of %s in %q: got %v, want %v", stage, c.name, c.text, c.asOf, c.reg, got, c.want)
				}
			}
		}
		check("first load")

		// Every later write goes through the triggers: a new facility, a
		// rename in a new version, a version replaced in place, a purge.
		put(at("H0008", "2025-01-01", "中牟县妇幼保健院", "410122"))
		put(at("H0003", "2025-03-01", "郑州市第一人民医院（新院区）", "410102"))
		put(at("H0002", "2024-01-01", "中牟县中西医结合医院", "410122"))
		if err := s.Purge(ctx, facility.Hospitals, "H0005"); err != nil {
			t.Fatal(err)
		}
		checkSearchIndex(t, s)
		cases = append(cases[:0:0], cases...)
		for i, c := range cases {
			switch c.name {
			case "county name", "two characters":
				cases[i].want = []string{"H0001", "H0002", "H0008"}
			case "two-character county":
				cases[i].want = nil
			case "shared part":
				cases[i].want = []string{"H0001", "H0003"}
			case "code prefix":
				cases[i].want = []string{"H0001", "H0002", "H0003", "H0006", "H0008", "h0004"}
			}
		}
		cases = append(cases,
			searchCase{"new facility", "", "2025-12-31", "妇幼保健", []string{"H0008"}},
			searchCase{"renamed in a new version", "", "2025-12-31", "新院区", []string{"H0003"}},
			searchCase{"before the new version", "", "2025-01-01", "新院区", nil},
			searchCase{"replaced in place", "", "2024-06-01", "中西医结合", []string{"H0002"}},
			searchCase{"old name replaced in place", "", "2024-06-01", "中牟县中医院", nil},
		)
		check("later writes")
	})
}

// TestSearchMatchesScan compares the indexed search with a plain reading of
// the rule (a code prefix, or a part of the name) on random names and
// texts of one to four characters, from an alphabet small enough that
// texts match often.
func TestSearchMatchesScan(t *testing.T) {
	alphabet := []rune(`中牟县人民医院卫生a1%_"`)
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	var recs []facility.Record
	names := map[string]string{}
	for i := range 300 {
		code := fmt.Sprintf("C%03d", i)
		names[code] = word(2 + rng.IntN(8))
		recs = append(recs, at(code, "2024-01-01", names[code], "410102"))
	}
	var texts []string
	for range 120 {
		texts = append(texts, word(1+rng.IntN(4)))
	}
	texts = append(texts, "C0", "c01", "C299", "C3")
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tx, err := s.BeginImport(ctx, facility.Hospitals)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Apply(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			var want []string
			for code, name := range names {
				if strings.HasPrefix(code, strings.ToUpper(text)) || strings.Contains(name, text) {
					want = append(want, code)
				}
			}
			slices.Sort(want)
			if got := searchCodes(t, s, "", "2025-01-01", text); !slices.Equal(got, want) {
				t.Errorf("%q: got %v, want %v", text, got, want)
			}
		}
	})
}

func TestSearchCountCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var recs []facility.Record
		for i := range 5 {
			recs = append(recs, at(fmt.Sprintf("H%d", i), "2024-01-01", "中牟县医院", "410122"))
		}
		recs = append(recs, at("H9", "2024-01-01", "郑州市医院", "410102"))
		tx, err := s.BeginImport(ctx, facility.Hospitals)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Apply(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		// want is the number of matches: the total must be it when it is
		// within the cap, and above the cap (and not above it) otherwise.
		for _, c := range []struct {
			text               string
			limit, offset, cap int
			wantRows, want     int
		}{
			{"中牟县", 2, 0, 0, 2, 5},
			{"中牟县", 2, 0, 3, 2, 5},
			{"中牟县", 2, 0, 10, 2, 5},
			{"中牟", 2, 0, 3, 2, 5},
			{"中牟", 2, 4, 3, 1, 5}, // the last page
			{"中牟", 2, 6, 3, 0, 5}, // past the end
			{"郑州市", 20, 0, 3, 1, 1},
			{"医院", 0, 0, 3, 6, 6}, // no limit: every row, whatever the cap
		} {
			recs, total, err := s.Facilities(ctx, facility.Hospitals, store.Query{AsOf: "2025-01-01", Text: c.text, Limit: c.limit, Offset: c.offset, CountCap: c.cap})
			if err != nil {
				t.Fatal(err)
			}
			ok := total == c.want
			if c.cap > 0 && c.want > c.cap {
				ok = total > c.cap && total <= c.want
			}
			if len(recs) != c.wantRows || !ok {
				t.Errorf("%q limit %d offset %d cap %d: %d rows, total %d; want %d, %d matches", c.text, c.limit, c.offset, c.cap, len(recs), total, c.wantRows, c.want)
			}
		}
	})
}

func TestWriteCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		last := int64(-1)
		step := func(what string, raised bool) {
			t.Helper()
			n, err := s.WriteCount(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got := last < 0 || n > last; last >= 0 && got != raised {
				t.Errorf("%s: write count %d after %d; raised: %v, want %v", what, n, last, got, raised)
			}
			last = n
		}
		step("start", false)
		if _, err := s.Put(ctx, facility.Hospitals, hospital("H1", "2024-01-01", "甲县人民医院", "none")); err != nil {
			t.Fatal(err)
		}
		step("a new facility", true)
		if _, err := s.Put(ctx, facility.Hospitals, hospital("H1", "2024-01-01", "甲县人民医院", "none")); err != nil {
			t.Fatal(err)
		}
		step("an unchanged record", false)
		if _, err := s.Put(ctx, facility.Hospitals, hospital("H1", "2025-01-01", "甲县人民医院", "own")); err != nil {
			t.Fatal(err)
		}
		step("a new version", true)
		if err := s.CloseFacility(ctx, facility.Hospitals, "H1", "2025-06-01"); err != nil {
			t.Fatal(err)
		}
		step("closing", true)
		tx, err := s.BeginImport(ctx, facility.Childcare)
		if err != nil {
			t.Fatal(err)
		}
		r := facility.Childcare.Zero("C1", "2024-01-01")
		r.Values[facility.Childcare.Index("name")] = "托育园"
		r.Values[facility.Childcare.Index("region")] = "410102"
		if _, err := tx.Apply(ctx, []facility.Record{r}); err != nil {
			t.Fatal(err)
		}
		tx.Rollback()
		step("a dry run", false)
		if err := s.Purge(ctx, facility.Hospitals, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("purge of a missing facility: %v", err)
		}
		step("a purge of nothing", false)
		if err := s.Purge(ctx, facility.Hospitals, "H1"); err != nil {
			t.Fatal(err)
		}
		step("a purge", true)
		if err := s.PutPopulationFigures(ctx, []region.Figure{{Code: "410102", Value: 1000, Year: 2024}}, "2025-01-01T00:00:00Z"); err != nil {
			t.Fatal(err)
		}
		step("population figures", true)
	})
}

// TestWriteCountAcrossProcesses checks that a write through another store
// on the same SQLite file, as `shishi import` makes while the server runs,
// raises the count the first store reads.
func TestWriteCountAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *store.Store {
		s, err := store.Open(ctx, store.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	server, cli := open(), open()
	before, err := server.WriteCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, facility.Hospitals, hospital("H1", "2024-01-01", "甲县人民医院", "none")); err != nil {
		t.Fatal(err)
	}
	if after, err := server.WriteCount(ctx); err != nil || after <= before {
		t.Errorf("write count %d after another store's write, %d before (%v)", after, before, err)
	}
}
