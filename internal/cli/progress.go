package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/linli/linli/internal/importer"
)

// progress reports a long job's progress: a bar redrawn in place when
// stderr is a terminal, otherwise a log line every few seconds, so that
// logs collected by systemd or Docker do not fill with carriage returns.
func progress(e *env, log *slog.Logger, label string) func(done, total int) {
	if f, ok := e.stderr.(*os.File); ok && isTerminal(f) {
		return importer.NewProgressBar(f, label)
	}
	var last time.Time
	return func(done, total int) {
		if total < 0 || (done < total && time.Since(last) < 5*time.Second) {
			return
		}
		last = time.Now()
		log.Info(label, "done", done, "total", total)
	}
}
