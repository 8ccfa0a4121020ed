package table

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// readResult is everything a Reader returned for one file.
type readResult struct {
	header []string
	rows   [][]string
	lines  []int
	errs   []error
}

// readAll reads a whole file, collecting row errors the way the importer
// does (keep going after a row error).
func readAll(t testing.TB, name string, data []byte, f Format) (readResult, error) {
	t.Helper()
	r, err := NewReader(name, bytes.NewReader(data), f)
	if err != nil {
		return readResult{}, err
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	res := readResult{header: r.Header()}
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("Next does not terminate")
		}
		row, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err != nil {
			res.errs = append(res.errs, err)
			continue
		}
		res.rows = append(res.rows, row)
		res.lines = append(res.lines, line)
	}
}

// writeAll writes rows with a Writer and returns the file.
func writeAll(t testing.TB, f Format, rows [][]string, opts ...Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, "机构", opts...)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	for _, row := range rows {
		if err := w.Write(row); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes()
}
