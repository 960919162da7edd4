package bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/store"
)

// BenchmarkAnalyzeStore runs the whole-store analysis (what `linli analyze
// store` does) on the SQLite data directory named by LINLI_BENCH_STORE,
// such as one made by `linli demo --bulk --members 1000000 --sales-lines
// 30000000 --no-serve`. It reports the time of each phase — reading the
// per-member aggregates, scoring, writing the scores — and the peak
// resident memory of the process. The run's scores replace the stored
// ones, as a real run's would.
func BenchmarkAnalyzeStore(b *testing.B) {
	dir := os.Getenv("LINLI_BENCH_STORE")
	if dir == "" {
		b.Skip("LINLI_BENCH_STORE names no data directory (see docs/PERFORMANCE.md)")
	}
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile)); err != nil {
		b.Fatalf("LINLI_BENCH_STORE: %v", err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dir, "", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// As `linli analyze store` does, bring the schema up to date first.
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		b.Fatal(err)
	}
	var read, write time.Duration
	var members int
	for b.Loop() {
		t := &timedAnalysis{Store: store.NewAnalysis(db)}
		start := time.Now()
		run, err := analysis.New(t, linli.SystemClock).Run(ctx, time.Now(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d members in %s: aggregates %s, scoring %s, writing %s",
			run.Members, time.Since(start).Round(time.Millisecond), t.read.Round(time.Millisecond),
			(time.Since(start) - t.read - t.write).Round(time.Millisecond), t.write.Round(time.Millisecond))
		read, write, members = read+t.read, write+t.write, run.Members
	}
	n := float64(b.N)
	b.ReportMetric(float64(members), "members")
	b.ReportMetric(read.Seconds()/n, "read-s")
	b.ReportMetric(write.Seconds()/n, "write-s")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MiB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
}

// timedAnalysis adds up the time spent reading aggregates (the query and
// its rows, with what the caller does per row) and writing scores.
type timedAnalysis struct {
	analysis.Store
	read, write time.Duration
}

func (t *timedAnalysis) MemberAggregates(ctx context.Context, before time.Time, offset int, fn func(analysis.Aggregate) error) error {
	start := time.Now()
	defer func() { t.read += time.Since(start) }()
	return t.Store.MemberAggregates(ctx, before, offset, fn)
}

func (t *timedAnalysis) ReplaceScores(ctx context.Context, batch []analysis.Score) error {
	start := time.Now()
	defer func() { t.write += time.Since(start) }()
	return t.Store.ReplaceScores(ctx, batch)
}

func (t *timedAnalysis) DropStaleScores(ctx context.Context, runID int64) (int64, error) {
	start := time.Now()
	defer func() { t.write += time.Since(start) }()
	return t.Store.DropStaleScores(ctx, runID)
}
