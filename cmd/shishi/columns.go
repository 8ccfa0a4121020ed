package main

import (
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// writeColumns writes rows as left-aligned columns two spaces apart.
// text/tabwriter counts a Chinese character as one column, but terminals
// draw it two wide, so names like 中牟县 would push every later column
// out of line.
func writeColumns(w io.Writer, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], termWidth(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-termWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// termWidth is how many terminal columns s takes: East Asian wide and
// fullwidth characters take two.
func termWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
