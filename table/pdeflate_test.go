package table

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

func TestParallelDeflate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 3*deflateChunk+17)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte(`<row r="1"><c r="A1" t="inlineStr"><is><t>北京协和医院</t></is></c></row>`), 80_000)
	tests := map[string][]byte{
		"empty":           nil,
		"small":           []byte("hello"),
		"exactly a chunk": text[:deflateChunk],
		"random":          random,
		"sheet XML":       text,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			w := newParallelDeflate(&out)
			// Odd write sizes cross chunk boundaries at arbitrary points.
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(300_000))
				if k, err := w.Write(rest[:n]); err != nil || k != n {
					t.Fatalf("Write = %d, %v", k, err)
				}
				rest = rest[n:]
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(flate.NewReader(&out))
			if err != nil {
				t.Fatalf("inflate: %v", err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("round trip changed %d bytes into %d", len(data), len(got))
			}
		})
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestParallelDeflateWriteError(t *testing.T) {
	w := newParallelDeflate(brokenWriter{})
	data := make([]byte, 8*deflateChunk)
	var err error
	for i := 0; i < 8 && err == nil; i++ {
		_, err = w.Write(data[i*deflateChunk : (i+1)*deflateChunk])
	}
	if cerr := w.Close(); err == nil && cerr == nil {
		t.Fatal("write error lost")
	}
}
