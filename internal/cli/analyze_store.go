package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/app"
)

func init() {
	analyzers["store"] = analyzer{
		summary: "score the members on this installation's own sales (RFM, BG/NBD, CLV, clusters) and store the scores",
		run:     runAnalyzeStore,
	}
	analyzeFlags = append(analyzeFlags, func(fs *flag.FlagSet) {
		fs.String("as-of", "", "score as of the end of this UTC day, YYYY-MM-DD; default now (store)")
	})
}

// storeSummary is what `linli analyze store` prints.
type storeSummary struct {
	Run        int64           `json:"run"`
	Model      string          `json:"model"`
	Version    string          `json:"version"`
	Members    int             `json:"members"`
	Duration   string          `json:"duration"`
	DurationMS int64           `json:"duration_ms"`
	Detail     analysis.Detail `json:"detail"`
}

func runAnalyzeStore(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) != 1 {
		return usageError(e, c, "analyze store takes no arguments besides the model")
	}
	var asOf time.Time
	if s := flagString(c.fs, "as-of"); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return usageError(e, c, "--as-of %q: want a date YYYY-MM-DD", s)
		}
		// The end of the day: its sales are in.
		asOf = d.AddDate(0, 0, 1)
	}
	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	if asOf.IsZero() {
		asOf = a.Now()
	}
	start := time.Now()
	last := -1
	run, err := a.Analysis.Run(ctx, asOf, func(done, total int) {
		// A line per tenth is enough to show it moves.
		if pct := done * 10 / max(total, 1); pct != last || done == total {
			last = pct
			fmt.Fprintf(e.stderr, "scores written: %d of %d\n", done, total)
		}
	})
	if err != nil {
		return fail(e, c, err)
	}
	took := time.Since(start)
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	err = enc.Encode(storeSummary{Run: run.ID, Model: run.Model, Version: run.Version, Members: run.Members,
		Duration: took.Round(time.Millisecond).String(), DurationMS: took.Milliseconds(), Detail: run.Detail})
	if err != nil {
		return fail(e, c, err)
	}
	return exitOK
}
