package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a one-line progress bar on a terminal for work that takes
// more than a second; on anything else (a log file, a pipe) it stays silent
// so logs are not filled with carriage returns.
type progress struct {
	w       io.Writer
	label   string
	total   int64
	now     func() time.Time
	start   time.Time
	last    time.Time
	drawn   bool
	enabled bool
}

func newProgress(w io.Writer, label string, total int64, now func() time.Time) *progress {
	p := &progress{w: w, label: label, total: total, now: now, start: now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.enabled = true
		}
	}
	return p
}

// update reports done units of total (bytes of a file, records of a
// data set) and, when known, rows; total overrides the one given at start.
func (p *progress) update(done int64, rows int, total ...int64) {
	if !p.enabled {
		return
	}
	if len(total) > 0 && total[0] > 0 {
		p.total = total[0]
	}
	t := p.now()
	if t.Sub(p.start) < time.Second || t.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = t
	p.drawn = true
	elapsed := t.Sub(p.start).Seconds()
	line := p.label
	if p.total > 0 {
		frac := min(float64(done)/float64(p.total), 1)
		const width = 30
		fill := int(frac * width)
		line += fmt.Sprintf(" [%s%s] %3.0f%%", strings.Repeat("#", fill), strings.Repeat(".", width-fill), frac*100)
	}
	if rows > 0 {
		line += fmt.Sprintf(" %d rows (%.0f/s)", rows, float64(rows)/elapsed)
	}
	line += fmt.Sprintf(" %.1fs", elapsed)
	fmt.Fprintf(p.w, "\r%-100s", line)
}

// done ends the bar's line.
func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
