package audit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/shishi-health/shishi/audit"
	"github.com/shishi-health/shishi/table"
)

func TestHeaderAndRow(t *testing.T) {
	e := sample()
	e.Hash = e.ComputeHash()
	for _, lang := range []string{"zh-CN", "en"} {
		if len(audit.Header(lang)) != len(audit.Row(e, lang)) {
			t.Errorf("%s: header and row lengths differ", lang)
		}
	}
	row := audit.Row(e, "zh")
	want := []string{"42", "2025-03-01 16:00:00.123456", "u-1001", "reporter", "410102", "修改", "hospitals/H4101020001",
		`{"ped_beds":10}`, `{"ped_beds":12}`, "req-7", e.Hash}
	if !slices.Equal(row, want) {
		t.Errorf("Row =\n%q\nwant\n%q", row, want)
	}
	if h := audit.Header("en"); h[1] != "Time (Beijing)" || h[10] != "Hash" {
		t.Errorf("Header(en) = %q", h)
	}
}

// TestExportRoundTrip writes a log to .xlsx with package table, as the CLI
// and web do, reads it back, and verifies the chain from the file alone.
func TestExportRoundTrip(t *testing.T) {
	es := chain(300)
	es[3].Before = nil
	es[3].Action = audit.Create
	es[4].After = json.RawMessage(`{"name":"郑州市第一人民医院","note":"含,逗号\"引号\""}`)
	es[5].Object = "=HYPERLINK(\"x\")"
	prev := es[2].Hash
	for i := 3; i < len(es); i++ {
		es[i] = audit.Chain(prev, es[i])
		prev = es[i].Hash
	}
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := table.NewWriter(&buf, table.XLSX, "审计日志")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(audit.Header(lang)); err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				if err := w.Write(audit.Row(e, lang)); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}

			r, err := table.NewReader("audit.xlsx", &buf, table.XLSX)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if !slices.Equal(r.Header(), audit.Header(lang)) {
				t.Fatalf("header %q, want %q", r.Header(), audit.Header(lang))
			}
			var read []audit.Entry
			prev := audit.Genesis
			for i := 0; ; i++ {
				row, _, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if want := audit.Row(es[i], lang); !slices.Equal(row, want) {
					t.Fatalf("row %d = %q, want %q", i+1, row, want)
				}
				e, err := audit.ParseRow(row)
				if err != nil {
					t.Fatal(err)
				}
				e.PrevHash, prev = prev, e.Hash
				read = append(read, e)
			}
			if len(read) != len(es) {
				t.Fatalf("read %d rows, want %d", len(read), len(es))
			}
			if b, n, err := audit.Verify(seq(read)); b != nil || err != nil || n != int64(len(es)) {
				t.Errorf("Verify of the export = %v, %d, %v", b, n, err)
			}
		})
	}
}

func TestParseRowErrors(t *testing.T) {
	e := sample()
	e.Hash = e.ComputeHash()
	good := audit.Row(e, "zh")
	for name, change := range map[string]func([]string) []string{
		"short":      func(r []string) []string { return r[:5] },
		"seq":        func(r []string) []string { r[0] = "x"; return r },
		"zero seq":   func(r []string) []string { r[0] = "0"; return r },
		"time":       func(r []string) []string { r[1] = "2025-03-01"; return r },
		"action":     func(r []string) []string { r[5] = "删除"; return r },
		"before":     func(r []string) []string { r[7] = "{"; return r },
		"after json": func(r []string) []string { r[8] = "beds=12"; return r },
	} {
		if _, err := audit.ParseRow(change(slices.Clone(good))); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzParseRow feeds any cells to ParseRow: it must not panic, and what
// it accepts must come back unchanged through Row.
func FuzzParseRow(f *testing.F) {
	e := sample()
	e.Hash = e.ComputeHash()
	for _, lang := range []string{"zh", "en"} {
		r := audit.Row(e, lang)
		f.Add(r[0], r[1], r[2], r[5], r[7], r[8])
	}
	f.Add("1", "2025-01-01 00:00:00.000000", "", "login", "", "null")
	f.Fuzz(func(t *testing.T, seq, at, actor, action, before, after string) {
		row := []string{seq, at, actor, "role", "410102", action, "obj", before, after, "req", "hash"}
		e, err := audit.ParseRow(row)
		if err != nil {
			return
		}
		back, err := audit.ParseRow(audit.Row(e, "en"))
		if err != nil {
			t.Fatalf("ParseRow(Row(%+v)): %v", e, err)
		}
		if back.Seq != e.Seq || !back.At.Equal(e.At) || back.Action != e.Action ||
			!bytes.Equal(back.Before, e.Before) || !bytes.Equal(back.After, e.After) || back.Actor != e.Actor {
			t.Fatalf("round trip: %+v became %+v", e, back)
		}
		if e.At.Location() != time.UTC {
			t.Errorf("At in %v, want UTC", e.At.Location())
		}
	})
}
