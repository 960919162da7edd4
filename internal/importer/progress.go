package importer

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// NewProgressBar returns a Progress function that draws a one-line bar on
// w (a terminal), redrawn in place at most ten times a second. While total
// is negative (not known yet) it shows a count only. The line ends when
// done reaches total.
func NewProgressBar(w io.Writer, label string) func(done, total int) {
	const width = 30
	var last time.Time
	finished := false
	return func(done, total int) {
		if finished {
			return
		}
		end := total >= 0 && done >= total
		now := time.Now()
		if !end && now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		if total < 0 {
			fmt.Fprintf(w, "\r%s %d", label, done)
			return
		}
		done, pct, fill := min(done, total), 100, width
		if total > 0 {
			pct, fill = done*100/total, done*width/total
		}
		fmt.Fprintf(w, "\r%s [%s%s] %3d%% %d/%d", label, strings.Repeat("#", fill),
			strings.Repeat("-", width-fill), pct, done, total)
		if end {
			finished = true
			fmt.Fprintln(w)
		}
	}
}
