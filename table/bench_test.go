package table

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeBenchCSV writes a registry-like CSV of rows × cols to a file, so
// that the benchmark reads from disk through the streaming path.
func writeBenchCSV(b *testing.B, rows, cols int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for c := range cols {
		if c > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "列%d", c)
	}
	w.WriteByte('\n')
	for r := range rows {
		for c := range cols {
			if c > 0 {
				w.WriteByte(',')
			}
			switch c % 4 {
			case 0:
				fmt.Fprintf(w, "%06d", r%1000000)
			case 1:
				w.WriteString("北京市第一人民医院")
			case 2:
				fmt.Fprintf(w, "%d", r*c)
			default:
				w.WriteString(`"三级, 甲等"`)
			}
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkReadCSV reads 1,000,000 rows × 20 columns.
func BenchmarkReadCSV(b *testing.B) {
	const rows, cols = 1_000_000, 20
	path := writeBenchCSV(b, rows, cols)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r, err := NewReader("bench.csv", f, CSV)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			row, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if len(row) != cols {
				b.Fatalf("row of %d cells", len(row))
			}
			n++
		}
		f.Close()
		if n != rows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkWriteXLSX100k writes 100,000 rows × 22 columns, half numeric.
func BenchmarkWriteXLSX100k(b *testing.B) {
	const rows, cols = 100_000, 22
	numeric := make([]bool, cols)
	header := make([]string, cols)
	for c := range cols {
		numeric[c] = c%2 == 0
		header[c] = fmt.Sprintf("字段%d", c)
	}
	row := make([]string, cols)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := NewWriter(io.Discard, XLSX, "机构", WithNumericColumns(numeric))
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Write(header); err != nil {
			b.Fatal(err)
		}
		for r := range rows {
			for c := range cols {
				if numeric[c] {
					row[c] = fmt.Sprint(r + c)
				} else {
					row[c] = "北京市东城区帅府园1号"
				}
			}
			if err := w.Write(row); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadXLSX20k reads back 20,000 rows × 22 columns written by
// NewXLSXWriter (inline strings, as our exports come back).
func BenchmarkReadXLSX20k(b *testing.B) {
	const rows, cols = 20_000, 22
	var buf bytes.Buffer
	w, err := NewWriter(&buf, XLSX, "机构")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]string, cols)
	for r := range rows + 1 {
		for c := range cols {
			row[c] = fmt.Sprintf("%d-医院", r+c)
		}
		if err := w.Write(row); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := NewReader("bench.xlsx", bytes.NewReader(data), XLSX)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
