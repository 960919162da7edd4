package store_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/demo"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/store"
)

// benchKey is fixed so that a cached benchmark database stays readable.
const benchKey = "6c696e6c692d62656e63686d61726b2d6b65792d6e6f742d666f722d75736521"

// BenchmarkFindByPhone measures the till's lookup by phone on a database of
// LINLI_BENCH_MEMBERS demo members (default 1,000,000). Building that
// database takes a minute; set LINLI_BENCH_DIR to keep it between runs.
// It reports the p50 and p99 latency of single lookups.
func BenchmarkFindByPhone(b *testing.B) {
	_, svc, gen, n := benchMembers(b)
	rng := rand.New(rand.NewPCG(1, 2))
	latencies(b, func() {
		phone := gen.Member(rng.IntN(n)).Phone
		m, err := svc.FindByPhone(context.Background(), linli.System, phone, member.View{})
		if err != nil || m == nil {
			b.Fatalf("lookup %s: %v", phone, err)
		}
	})
}

// BenchmarkIdentify measures what the till's identify call does (find by
// phone, then the points balance) on the members of BenchmarkFindByPhone
// with LINLI_BENCH_ENTRIES ledger entries (default 20,000,000) spread
// over them. Seeding the entries takes a few minutes and a few GB; keep
// them with LINLI_BENCH_DIR.
func BenchmarkIdentify(b *testing.B) {
	db, svc, gen, n := benchMembers(b)
	entries := 20_000_000
	if v, err := strconv.Atoi(os.Getenv("LINLI_BENCH_ENTRIES")); err == nil && v > 0 {
		entries = v
	}
	ctx := context.Background()
	var have int
	db.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM points_entries`).Scan(&have)
	if have < entries {
		b.Logf("seeding %d ledger entries", entries-have)
		start := time.Now()
		var lo, hi int64
		if err := db.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM members`).Scan(&lo, &hi); err != nil {
			b.Fatal(err)
		}
		// Entries go to members in turn, as earnings of 1–100 points over a
		// year; batches of a million keep each transaction's journal small.
		for from := have; from < entries; from += 1_000_000 {
			to := min(entries, from+1_000_000)
			err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `WITH RECURSIVE c(x) AS (SELECT ? UNION ALL SELECT x + 1 FROM c WHERE x < ?)
					INSERT INTO points_entries (id, member_id, delta, kind, source, source_id, rule, at)
					SELECT x, ? + x % (? - ? + 1), 1 + x % 100, 'earn', 'sale', x, 'base_rate', 1735689600000 + x * 1577
					FROM c`, from+1, to, lo, hi, lo)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO member_points (member_id, balance, updated_at)
				SELECT member_id, SUM(delta), MAX(at) FROM points_entries GROUP BY member_id
				ON CONFLICT (member_id) DO UPDATE SET balance = excluded.balance, updated_at = excluded.updated_at`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded in %s", time.Since(start).Round(time.Second))
	}
	sales := store.NewSales(db)
	rng := rand.New(rand.NewPCG(3, 4))
	latencies(b, func() {
		phone := gen.Member(rng.IntN(n)).Phone
		m, err := svc.FindByPhone(ctx, linli.System, phone, member.View{})
		if err != nil || m == nil {
			b.Fatalf("lookup %s: %v", phone, err)
		}
		if _, err := sales.Balance(ctx, m.ID); err != nil {
			b.Fatal(err)
		}
	})
}

// latencies runs op b.N times and reports the p50 and p99 latency.
func latencies(b *testing.B, op func()) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		op()
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// benchMembers opens (and seeds on first use) the database of
// LINLI_BENCH_MEMBERS demo members.
func benchMembers(b *testing.B) (*store.DB, *member.Service, *demo.Generator, int) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("LINLI_BENCH_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	dir := os.Getenv("LINLI_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else {
		dir = filepath.Join(dir, "phone-"+strconv.Itoa(n))
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dir, "", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		b.Fatal(err)
	}
	key, _ := privacy.ParseKey(benchKey)
	v, _ := privacy.New(key)
	svc := member.NewService(store.NewMembers(db), v, nil)
	gen := demo.New(demo.Options{Members: n, Stores: 1})
	var have int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&have)
	if have < n {
		b.Logf("seeding %d members into %s", n, dir)
		start := time.Now()
		batch := make([]member.Input, 0, 2000)
		flush := func() {
			if _, err := svc.UpsertBatch(ctx, linli.System, batch, "import"); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
		err := gen.Members(func(i int, in member.Input) error {
			if i < have {
				return nil
			}
			in.StoreID, in.ReferrerID = 0, 0
			batch = append(batch, in)
			if len(batch) == cap(batch) {
				flush()
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		flush()
		b.Logf("seeded in %s", time.Since(start).Round(time.Second))
	}
	return db, svc, gen, n
}

// BenchmarkUpsertBatch imports 20,000 demo members into a fresh SQLite
// database in batches of 1,000 and reports members per second: the write
// path under imports and the demo generator.
func BenchmarkUpsertBatch(b *testing.B) {
	const n = 20_000
	ctx := context.Background()
	key, _ := privacy.ParseKey(benchKey)
	v, _ := privacy.New(key)
	gen := demo.New(demo.Options{Members: n, Stores: 1})
	var ins []member.Input
	gen.Members(func(_ int, in member.Input) error {
		in.StoreID, in.ReferrerID = 0, 0
		ins = append(ins, in)
		return nil
	})
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := store.Open(ctx, b.TempDir(), "", store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
			b.Fatal(err)
		}
		svc := member.NewService(store.NewMembers(db), v, nil)
		b.StartTimer()
		t := time.Now()
		for i := 0; i < n; i += 1000 {
			if _, err := svc.UpsertBatch(ctx, linli.System, ins[i:i+1000], "import"); err != nil {
				b.Fatal(err)
			}
		}
		total += time.Since(t)
		db.Close()
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "members/s")
}
