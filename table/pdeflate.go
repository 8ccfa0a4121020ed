package table

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"runtime"
)

// deflateChunk is the unit of parallel compression. Each chunk is
// compressed on its own, losing the dictionary at its start; at 1 MiB the
// file grows by well under 1%.
const deflateChunk = 1 << 20

// parallelDeflate is a raw DEFLATE writer that compresses chunks on all
// CPUs, the way pigz does: every chunk but the last ends with a sync flush
// (an empty stored block, not final), so their concatenation is one valid
// DEFLATE stream. The zip writer computes the CRC and sizes itself.
type parallelDeflate struct {
	out     io.Writer
	buf     []byte
	pending []chan deflateResult
	free    chan *flate.Writer // compressors to reuse
	bufs    chan []byte        // chunk buffers to reuse
	err     error
}

type deflateResult struct {
	data []byte
	err  error
}

func newParallelDeflate(out io.Writer) *parallelDeflate {
	return &parallelDeflate{
		out:  out,
		buf:  make([]byte, 0, deflateChunk),
		free: make(chan *flate.Writer, runtime.GOMAXPROCS(0)+1),
		bufs: make(chan []byte, runtime.GOMAXPROCS(0)+1),
	}
}

func (p *parallelDeflate) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n := len(b)
	for len(b) > 0 {
		k := min(len(b), deflateChunk-len(p.buf))
		p.buf = append(p.buf, b[:k]...)
		b = b[k:]
		if len(p.buf) == deflateChunk {
			p.dispatch(false)
			if p.err != nil {
				return 0, p.err
			}
		}
	}
	return n, nil
}

func (p *parallelDeflate) dispatch(final bool) {
	data := p.buf
	select {
	case p.buf = <-p.bufs:
	default:
		p.buf = make([]byte, 0, deflateChunk)
	}
	ch := make(chan deflateResult, 1)
	go func() { ch <- p.compress(data, final) }()
	p.pending = append(p.pending, ch)
	// Keep at most one chunk per CPU in flight, so memory stays bounded.
	for len(p.pending) > runtime.GOMAXPROCS(0) {
		p.drainOne()
	}
}

func (p *parallelDeflate) compress(data []byte, final bool) deflateResult {
	var out bytes.Buffer
	out.Grow(len(data) / 4)
	var w *flate.Writer
	select {
	case w = <-p.free:
		w.Reset(&out)
	default:
		var err error
		if w, err = flate.NewWriter(&out, flate.BestSpeed); err != nil {
			return deflateResult{err: err}
		}
	}
	_, err := w.Write(data)
	if err == nil && final {
		err = w.Close()
	} else if err == nil {
		err = w.Flush()
	}
	select {
	case p.free <- w:
	default:
	}
	select {
	case p.bufs <- data[:0]:
	default:
	}
	return deflateResult{data: out.Bytes(), err: err}
}

func (p *parallelDeflate) drainOne() {
	r := <-p.pending[0]
	p.pending = p.pending[1:]
	if p.err != nil {
		return
	}
	if r.err != nil {
		p.err = fmt.Errorf("deflate: %w", r.err)
		return
	}
	if _, err := p.out.Write(r.data); err != nil {
		p.err = err
	}
}

func (p *parallelDeflate) Close() error {
	p.dispatch(true)
	for len(p.pending) > 0 {
		p.drainOne()
	}
	return p.err
}
