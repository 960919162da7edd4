package analysis_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var (
	start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	asOf  = start.AddDate(0, 0, 39*7) // 39 weeks of sales, as in CDNOW's calibration
	clock = func() time.Time { return time.Date(2025, 10, 2, 3, 0, 0, 0, time.UTC) }
)

// gamma draws from Gamma(shape, 1) (Marsaglia & Tsang 2000).
func gamma(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gamma(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// seed fills db with members 1..n buying by the BG/NBD story with
// CDNOW-like parameters (r 0.25, α 4 weeks, a 0.8, b 2.4), spending by
// gamma-gamma (p 6, q 4, γ 15 yuan), each joining in the first 12 weeks.
// Every fifth member also has an anonymous sale beside a voided one.
func seed(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	end := float64(asOf.Sub(start).Hours() / 24 / 7)
	var rows [][]any
	var mrows [][]any
	for i := 1; i <= n; i++ {
		mrows = append(mrows, []any{i, fmt.Sprintf("C%06d", i), 0, 0, 0})
		lambda := gamma(rng, 0.25) / 4
		g1, g2 := gamma(rng, 0.8), gamma(rng, 2.4)
		p := g1 / (g1 + g2)
		nu := gamma(rng, 4) / 15
		at := rng.Float64() * 12
		// The customer may drop out after each repeat purchase, not
		// after the first (Fader, Hardie & Lee 2005).
		for first := true; ; first = false {
			yuan := gamma(rng, 6) / nu
			ms := start.UnixMilli() + int64(at*7*86400000)
			rows = append(rows, []any{int64(i), ms, int64(math.Round(yuan*100)) + 1, "completed"})
			if i%5 == 0 {
				rows = append(rows, []any{nil, ms, int64(1000), "completed"}, []any{int64(i), ms, int64(99999), "voided"})
			}
			if !first && rng.Float64() < p {
				break
			}
			at += rng.ExpFloat64() / lambda
			if at >= end {
				break
			}
		}
	}
	err := db.Write(ctx, func(tx *store.Tx) error {
		// Days in UTC: the draws are in continuous time, and the models'
		// checks below were set on these days (TestAnalysisDaysInZone
		// covers the shops' days).
		sid, err := tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', 'UTC', 0)`)
		if err != nil {
			return err
		}
		if err := tx.InsertRows(ctx, "members", "id, card_no, created_at, updated_at, last_active_at", mrows); err != nil {
			return err
		}
		sales := make([][]any, len(rows))
		for i, r := range rows {
			sales[i] = []any{sid, "T1", fmt.Sprint(i), []byte{byte(i)}, r[0], r[1], r[2], r[3], r[1]}
		}
		return tx.InsertRows(ctx, "sales", "store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, status, created_at", sales)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAnalysisRun(t *testing.T) {
	storetest.Each(t, testRun)
}

func testRun(t *testing.T, db *store.DB) {
	ctx := context.Background()
	seed(t, db, 2000)
	svc := analysis.New(store.NewAnalysis(db), clock)

	var calls, last int
	run, err := svc.Run(ctx, asOf, func(done, total int) { calls++; last = done })
	if err != nil {
		t.Fatal(err)
	}
	buyers := count(t, db, `SELECT COUNT(DISTINCT member_id) FROM sales WHERE status = 'completed' AND member_id IS NOT NULL`)
	if run.Members != buyers || run.Members != 2000 || last != run.Members || calls == 0 {
		t.Fatalf("run scored %d members, %d have bought; progress ended at %d", run.Members, buyers, last)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM member_scores`); n != run.Members {
		t.Errorf("%d scores stored, want %d", n, run.Members)
	}
	d := run.Detail
	t.Logf("BG/NBD %+v, gamma-gamma %+v, %d clusters, %d repeat members", d.BGNBD, d.GammaGamma, len(d.Clusters), d.RepeatMembers)
	if d.BGNBD == nil || d.GammaGamma == nil || len(d.Clusters) < 3 {
		t.Fatalf("models skipped: %q %q %q", d.BGNBDSkipped, d.GammaSkipped, d.ClusterSkipped)
	}
	// Loose bounds around the parameters drawn from: 2,000 members and
	// whole days leave room, but not for a wrong summary.
	if bg := d.BGNBD; bg.R < 0.15 || bg.R > 0.4 || bg.Alpha < 2 || bg.Alpha > 8 || bg.A/(bg.A+bg.B) < 0.15 || bg.A/(bg.A+bg.B) > 0.4 {
		t.Errorf("BG/NBD far from r 0.25, α 4, a/(a+b) 0.25: %+v", bg)
	}
	if gg := d.GammaGamma; gg.P*gg.Gamma/(gg.Q-1) < 15 || gg.P*gg.Gamma/(gg.Q-1) > 45 {
		t.Errorf("gamma-gamma mean spend %v yuan, drawn around 30", gg.P*gg.Gamma/(gg.Q-1))
	}
	total := 0
	for _, n := range d.Segments {
		total += n
	}
	if total != run.Members || d.AsOfDay != "2025-09-30" || d.DayZone != "UTC" || d.DayOffset != 0 {
		t.Errorf("segments count %d members; as-of day %s in %s (%d s)", total, d.AsOfDay, d.DayZone, d.DayOffset)
	}
	for _, s := range run.Scores {
		if s.PAlive == nil || *s.PAlive < 0 || *s.PAlive > 1 || s.Expected90d == nil || *s.Expected90d < 0 ||
			s.CLVFen == nil || *s.CLVFen < 0 || s.Cluster == nil || s.R < 1 || s.R > 5 || s.Segment == "" {
			t.Fatalf("member %d: bad score %+v", s.MemberID, s)
		}
	}

	again, err := svc.Run(ctx, asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == run.ID || len(again.Scores) != len(run.Scores) {
		t.Fatalf("second run %d scored %d", again.ID, len(again.Scores))
	}
	for i, a := range again.Scores {
		b := run.Scores[i]
		a.RunID, b.RunID = 0, 0
		if fmt.Sprint(a.MemberID, a.R, a.F, a.M, a.Segment, a.ValueClass, *a.PAlive, *a.Expected90d, *a.CLVFen, *a.Cluster) !=
			fmt.Sprint(b.MemberID, b.R, b.F, b.M, b.Segment, b.ValueClass, *b.PAlive, *b.Expected90d, *b.CLVFen, *b.Cluster) {
			t.Fatalf("member %d scored differently: %+v, then %+v", a.MemberID, b, a)
		}
	}
	if n := count(t, db, fmt.Sprintf(`SELECT COUNT(*) FROM member_scores WHERE run_id = %d`, again.ID)); n != run.Members {
		t.Errorf("%d scores of the second run", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'done' AND model = 'linli-customer'`); n != 2 {
		t.Errorf("%d runs done, want 2", n)
	}

	// An earlier as-of sees fewer buyers; the others' scores go.
	early, err := svc.Run(ctx, start.AddDate(0, 0, 14), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM member_scores`); n != early.Members || n >= run.Members {
		t.Errorf("%d scores after an earlier run of %d members", n, early.Members)
	}
}

func TestAnalysisSmall(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	seed(t, db, 20)
	run, err := analysis.New(store.NewAnalysis(db), clock).Run(ctx, asOf, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := run.Detail
	if run.Members != 20 || d.BGNBD != nil || d.BGNBDSkipped == "" || d.GammaSkipped == "" || d.ClusterSkipped == "" ||
		d.BGNBDSkipCode != analysis.SkipTooFewBuyers || d.GammaSkipCode != analysis.SkipTooFewBuyers ||
		d.ClusterSkipCode != analysis.SkipTooFewBuyers {
		t.Fatalf("small run: %+v", d)
	}
	for _, s := range run.Scores {
		if s.PAlive != nil || s.CLVFen != nil || s.Cluster != nil || s.Segment == "" {
			t.Fatalf("member %d: %+v", s.MemberID, s)
		}
	}
	var detail string
	if err := db.QueryRow(ctx, `SELECT detail FROM analysis_runs WHERE id = ?`, run.ID).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	t.Logf("detail: %s", detail)
}

// brokenReads fails every read of the sales.
type brokenReads struct{ *store.Analysis }

func (brokenReads) MemberAggregates(context.Context, time.Time, int, func(analysis.Aggregate) error) error {
	return errors.New("disk on fire")
}

func TestAnalysisFailed(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	svc := analysis.New(brokenReads{store.NewAnalysis(db)}, clock)
	if _, err := svc.Run(ctx, asOf, nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("run with failing reads: %v", err)
	}
	var status, msg string
	if err := db.QueryRow(ctx, `SELECT status, error FROM analysis_runs`).Scan(&status, &msg); err != nil {
		t.Fatal(err)
	}
	if status != analysis.StatusFailed || !strings.Contains(msg, "analysis: read purchases: disk on fire") {
		t.Errorf("failed run recorded as %s %q", status, msg)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := analysis.New(store.NewAnalysis(db), clock).Run(cctx, asOf, nil); err == nil {
		t.Error("run on a cancelled context succeeded")
	}
	if n := count(t, db, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'running'`); n != 0 {
		t.Errorf("%d runs left running", n)
	}
	if _, err := svc.Run(ctx, time.Time{}, nil); err == nil {
		t.Error("zero as-of accepted")
	}
}

// TestAnalysisDaysInZone: purchase days are the chain's days. In Shanghai
// a purchase at 23:30 and one at 07:30 the next morning are two visits,
// though both fall on one UTC day.
func TestAnalysisDaysInZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shanghai := time.FixedZone("CST", 8*3600)
		times := []time.Time{
			time.Date(2025, 9, 1, 10, 0, 0, 0, shanghai),
			time.Date(2025, 9, 20, 23, 30, 0, 0, shanghai), // 15:30 UTC
			time.Date(2025, 9, 21, 7, 30, 0, 0, shanghai),  // 23:30 UTC, the same UTC day
		}
		asOf := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC) // 08:00 in Shanghai
		// A chain with no store yet counts in the default zone.
		r, err := analysis.New(store.NewAnalysis(db), clock).Run(ctx, asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Detail.DayZone != linli.DefaultZone {
			t.Errorf("no store: days in %q, want %s", r.Detail.DayZone, linli.DefaultZone)
		}
		run := func(zone string) *analysis.Run {
			t.Helper()
			var sid int64
			err := db.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `DELETE FROM member_scores`); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `DELETE FROM sales`); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `DELETE FROM stores`); err != nil {
					return err
				}
				var err error
				sid, err = tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', ?, 0)`, zone)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			err = db.Write(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO members (id, card_no, created_at, updated_at, last_active_at) VALUES (1, 'C1', 0, 0, 0)
					ON CONFLICT (id) DO NOTHING`); err != nil {
					return err
				}
				for i, at := range times {
					if _, err := tx.Exec(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, sold_at, amount_fen, status, created_at)
						VALUES (?, 'T1', ?, ?, 1, ?, 1000, 'completed', ?)`, sid, fmt.Sprint(i), []byte{byte(i)}, at.UnixMilli(), at.UnixMilli()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			r, err := analysis.New(store.NewAnalysis(db), clock).Run(ctx, asOf, nil)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		for _, c := range []struct {
			zone, dayZone, asOfDay string
			offset, days, recency  int
		}{
			{"Asia/Shanghai", "Asia/Shanghai", "2025-10-01", 8 * 3600, 3, 10},
			{"UTC", "UTC", "2025-09-30", 0, 2, 10},
		} {
			r := run(c.zone)
			d, s := r.Detail, r.Scores[0]
			if d.DayZone != c.dayZone || d.DayOffset != c.offset || d.AsOfDay != c.asOfDay || s.Frequency != c.days || s.RecencyDays != c.recency {
				t.Errorf("store in %s: days in %s (%d s), as of %s; %d purchase days, last %d days before; want %s (%d s), %s, %d, %d",
					c.zone, d.DayZone, d.DayOffset, d.AsOfDay, s.Frequency, s.RecencyDays, c.dayZone, c.offset, c.asOfDay, c.days, c.recency)
			}
		}
	})
}
