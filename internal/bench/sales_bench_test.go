package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/router"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

const (
	terminals = 32
	lines     = 10
	members   = 500
	warmup    = 300
	secretKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
)

// count is how many sales one run commits (LINLI_BENCH_SALES, default 5000).
func count(b *testing.B) int {
	n := 5000
	if s := os.Getenv("LINLI_BENCH_SALES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("LINLI_BENCH_SALES=%q", s)
		}
		n = v
	}
	return n
}

// BenchmarkSalesHTTP commits sales of 10 lines, each for a member (so each
// earns points), from 32 terminals at once over HTTP on loopback, through
// the whole stack: router, API-key authentication, validation, pricing,
// earning, and the sale's transaction (grouped with others on SQLite, see
// store.WriteGrouped). In the same run, 32 goroutines
// commit the bare equivalent straight to the same database (one
// transaction: a sale row, 10 line rows, a payment, a ledger entry), so
// the two rates compare under one machine's mood. Run it with -benchtime 1x;
// one run commits LINLI_BENCH_SALES sales (default 5000). LINLI_BENCH_SYNC
// (e.g. FULL or OFF) overrides SQLite's own synchronous setting on the
// writer, to measure what durability costs; the product runs NORMAL and
// syncs the WAL itself before answering.
func BenchmarkSalesHTTP(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSales(b, "") })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("LINLI_TEST_POSTGRES")
		if base == "" {
			b.Skip("set LINLI_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) for PostgreSQL")
		}
		benchSales(b, pgSchema(b, base))
	})
}

// pgSchema makes a throw-away schema and returns a URL that uses it.
func pgSchema(b *testing.B, base string) string {
	db, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	r := make([]byte, 6)
	rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			b.Errorf("drop schema %s: %v", schema, err)
		}
		db.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

type fixture struct {
	a       *app.App
	srv     *httptest.Server
	store   int64
	tokens  []string
	members []int64
	codes   []string
	prices  []int64
	// bodies holds the timed sales' requests, encoded before the clock
	// starts, and answers a buffer per terminal: the load generator does
	// as little as it can, since at a real chain it runs on the tills.
	bodies  map[int][]byte
	answers [terminals]bytes.Buffer
}

// encode makes the request bodies of sales [from, to) ahead.
func (f *fixture) encode(from, to int) {
	f.bodies = make(map[int][]byte, to-from)
	for i := from; i < to; i++ {
		f.bodies[i] = f.sale(i)
	}
}

func setup(b *testing.B, pgURL string) *fixture {
	b.Helper()
	// Requests are logged as in production, but to nowhere.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	b.Cleanup(func() { slog.SetDefault(prev) })

	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL, cfg.SecretKey = b.TempDir(), pgURL, secretKey
	a, err := app.Open(ctx, cfg, app.Migrate)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	if sync := os.Getenv("LINLI_BENCH_SYNC"); sync != "" && a.DB.Dialect == store.SQLite {
		// Only to measure the trade-off: the writer is one connection, so the
		// pragma holds for every write of the run.
		if _, err := a.DB.W.ExecContext(ctx, `PRAGMA synchronous=`+sync); err != nil {
			b.Fatal(err)
		}
		b.Logf("synchronous=%s", sync)
	}
	app.TuneServer(os.Getenv) // as linli serve does
	f := &fixture{a: a}
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		b.Fatal(err)
	}
	f.store = st.ID
	for i := range 40 {
		p, err := a.Products.Create(ctx, linli.System, catalog.Input{Code: fmt.Sprintf("690%010d", i),
			Name: fmt.Sprintf("商品%d", i), Category: "粮油", PriceFen: int64(199 + 37*i)})
		if err != nil {
			b.Fatal(err)
		}
		f.codes, f.prices = append(f.codes, p.Code), append(f.prices, p.PriceFen)
	}
	for i := range members {
		m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明",
			Phone: fmt.Sprintf("139%08d", (i*7+12345)%100_000_000), StoreID: st.ID})
		if err != nil {
			b.Fatal(err)
		}
		f.members = append(f.members, m.ID)
	}
	for i := range terminals {
		tok, _, err := a.Auth.CreateAPIKey(ctx, linli.System, fmt.Sprintf("till %d", i), st.ID, fmt.Sprintf("T%02d", i))
		if err != nil {
			b.Fatal(err)
		}
		f.tokens = append(f.tokens, tok)
	}
	h, err := router.New(a)
	if err != nil {
		b.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	b.Cleanup(f.srv.Close)
	return f
}

// sale is the i-th request body: 10 lines, a member, one mobile payment.
func (f *fixture) sale(i int) []byte {
	in := sales.SaleInput{Receipt: fmt.Sprintf("R%07d", i), MemberID: f.members[i*7%len(f.members)],
		SoldAt: time.Now().Add(-time.Minute)}
	var total int64
	for j := range lines {
		k := (i + j*3) % len(f.codes)
		q := int64(1 + (i+j)%3)
		in.Lines = append(in.Lines, sales.LineInput{Product: f.codes[k], Quantity: q})
		total += q * f.prices[k]
	}
	in.Payments = []sales.PaymentInput{{Method: sales.PayMobile, AmountFen: total}}
	body, _ := json.Marshal(in)
	return body
}

// post sends sale i from terminal term and waits for its answer.
func (f *fixture) post(client *http.Client, term, i int) error {
	body, ok := f.bodies[i]
	if !ok {
		body = f.sale(i)
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/pos/sales", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+f.tokens[term])
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	msg := &f.answers[term]
	msg.Reset()
	_, err = msg.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("sale %d: %w", i, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("sale %d: %d %s", i, resp.StatusCode, msg)
	}
	return nil
}

// run spreads sales [from, to) over the terminals and returns each one's
// latency and the wall time.
func (f *fixture) run(b *testing.B, client *http.Client, from, to int) ([]time.Duration, time.Duration) {
	var next atomic.Int64
	next.Store(int64(from))
	lat := make([]time.Duration, to-from)
	var wg sync.WaitGroup
	start := time.Now()
	for term := range terminals {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				t0 := time.Now()
				if err := f.post(client, term, i); err != nil {
					b.Error(err)
					return
				}
				lat[i-from] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start)
}

// paced sends sales [from, from+n) on a schedule of rate a second, sale j
// due at j/rate and sent by terminal j mod 32, and returns each one's
// latency counted from when it was due: a sale that waits for its
// terminal's previous answer counts the wait, so a server that falls
// behind shows it (no coordinated omission).
func (f *fixture) paced(b *testing.B, client *http.Client, from, n int, rate float64) ([]time.Duration, time.Duration) {
	lat := make([]time.Duration, n)
	step := time.Duration(float64(time.Second) / rate)
	start := time.Now().Add(10 * time.Millisecond)
	var wg sync.WaitGroup
	for term := range terminals {
		wg.Go(func() {
			for j := term; j < n; j += terminals {
				due := start.Add(time.Duration(j) * step)
				time.Sleep(time.Until(due))
				if err := f.post(client, term, from+j); err != nil {
					b.Error(err)
					return
				}
				lat[j] = time.Since(due)
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start)
}

// bare commits n equivalent transactions straight to the database from 32
// goroutines and returns the wall time.
func (f *fixture) bare(b *testing.B, n int) time.Duration {
	ctx := context.Background()
	db := f.a.DB
	var next atomic.Int64
	var wg sync.WaitGroup
	hash := make([]byte, 32)
	start := time.Now()
	for term := range terminals {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				now := time.Now().UnixMilli()
				m := f.members[i*7%len(f.members)]
				err := db.Write(ctx, func(tx *store.Tx) error {
					id, err := tx.InsertID(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, cashier,
						channel, pickup_status, sold_at, amount_fen, discount_fen, points_earned, points_redeemed, status, created_at)
						VALUES (?, ?, ?, ?, ?, '', 'store', '', ?, ?, 0, ?, 0, 'completed', ?)`,
						f.store, fmt.Sprintf("B%02d", term), fmt.Sprintf("B%07d", i), hash, m, now, 12345, 12, now)
					if err != nil {
						return err
					}
					rows := make([][]any, lines)
					for j := range rows {
						k := (i + j*3) % len(f.codes)
						rows[j] = []any{id, j + 1, nil, f.codes[k], "商品", "粮油", "piece", 1, f.prices[k], 0, f.prices[k], 1}
					}
					if err := tx.InsertRows(ctx, "sale_lines", `sale_id, line_no, product_id, product_code, name, category, unit,
						quantity, unit_price_fen, discount_fen, amount_fen, points`, rows); err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `INSERT INTO sale_payments (sale_id, seq, method, amount_fen, points) VALUES (?, 1, 'mobile', ?, 0)`,
						id, 12345); err != nil {
						return err
					}
					_, err = tx.Exec(ctx, `INSERT INTO points_entries (member_id, delta, kind, source, source_id, rule, operator, reason, at)
						VALUES (?, 12, 'earn', 'sale', ?, 'base_rate', '', '', ?)`, m, id, now)
					return err
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// warm sets up the server and a client for the terminals and sends the
// warm-up sales (connections, caches, prepared statements).
func warm(b *testing.B, pgURL string) (*fixture, *http.Client) {
	f := setup(b, pgURL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: terminals, MaxConnsPerHost: terminals}}
	b.Cleanup(client.CloseIdleConnections)
	f.run(b, client, 0, warmup)
	return f, client
}

// timed sets up the server, warms it, encodes n sales and times send
// alone: the sales' latencies, the wall time, and the CPU used by this
// process (Linli and the client) and by PostgreSQL.
func timed(b *testing.B, pgURL string, n int, send func(f *fixture, client *http.Client) ([]time.Duration, time.Duration)) (
	f *fixture, lat []time.Duration, wall, cpu, pg time.Duration) {
	f, client := warm(b, pgURL)
	f.encode(warmup, warmup+n)

	b.ResetTimer()
	stop := profile(b)
	cpu0, pg0 := cpuTime(), postgresCPU()
	lat, wall = send(f, client)
	cpu, pg = cpuTime()-cpu0, postgresCPU()-pg0
	stop()
	b.StopTimer()
	return f, lat, wall, cpu, pg
}

func benchSales(b *testing.B, pgURL string) {
	n := count(b)
	f, lat, wall, cpu, pg := timed(b, pgURL, n, func(f *fixture, client *http.Client) ([]time.Duration, time.Duration) {
		return f.run(b, client, warmup, warmup+n)
	})
	rate := float64(n) / wall.Seconds()
	cpu0, pg0 := cpuTime(), postgresCPU()
	bareRate := float64(n) / f.bare(b, n).Seconds()
	bareCPU, barePG := cpuTime()-cpu0, postgresCPU()-pg0
	b.ReportMetric(float64(wall.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(rate, "sales/s")
	reportLatency(b, lat, false)
	b.ReportMetric(bareRate, "bare-tx/s")
	b.ReportMetric(rate/bareRate, "ratio")
	// CPU per sale, client included, is steadier than rates on a shared machine.
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/sale")
	b.ReportMetric(float64(bareCPU.Microseconds())/float64(n), "bare-cpu-us/tx")
	if pgURL != "" && pg > 0 {
		// The server's CPU, on the same cores (see postgresCPU).
		b.ReportMetric(float64(pg.Microseconds())/float64(n), "pg-cpu-us/sale")
		b.ReportMetric(float64(barePG.Microseconds())/float64(n), "bare-pg-cpu-us/tx")
	}
	f.checkStored(b, warmup+2*n)
}

// profile writes a CPU profile of the timed sales alone (not the set-up,
// the warm-up or the bare run) to LINLI_BENCH_CPUPROFILE, if set; the
// returned func stops it.
func profile(b *testing.B) func() {
	path := os.Getenv("LINLI_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// reportLatency reports the percentiles of lat (sorted here), the tail
// too when asked.
func reportLatency(b *testing.B, lat []time.Duration, tail bool) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	if tail {
		b.ReportMetric(pct(0.999), "p99.9-ms")
		b.ReportMetric(pct(1), "max-ms")
	}
}

func (f *fixture) checkStored(b *testing.B, want int) {
	var stored int
	if err := f.a.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM sales`).Scan(&stored); err != nil {
		b.Fatal(err)
	}
	if stored != want {
		b.Errorf("%d sales stored, want %d", stored, want)
	}
}

// BenchmarkSalesPaced measures the till's latency at a given rate rather
// than at the most the server can take: the same sales and terminals as
// BenchmarkSalesHTTP, but sent on a schedule (LINLI_BENCH_RATE sales a
// second; default the rate goals, 3,000 on SQLite and 1,500 on
// PostgreSQL), each sale's latency counted from when it was due. In the
// closed loop of BenchmarkSalesHTTP every terminal sends again the moment
// its answer comes, so the latency there is the queue in front of a
// saturated server: 32 terminals at R sales a second wait 32/R on average
// whatever the server does. Run it with -benchtime 1x.
func BenchmarkSalesPaced(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPaced(b, "", 3000) })
	b.Run("postgres", func(b *testing.B) {
		base := os.Getenv("LINLI_TEST_POSTGRES")
		if base == "" {
			b.Skip("set LINLI_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) for PostgreSQL")
		}
		benchPaced(b, pgSchema(b, base), 1500)
	})
}

func benchPaced(b *testing.B, pgURL string, rate float64) {
	if s := os.Getenv("LINLI_BENCH_RATE"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			b.Fatalf("LINLI_BENCH_RATE=%q", s)
		}
		rate = v
	}
	n := count(b)
	f, lat, wall, cpu, pg := timed(b, pgURL, n, func(f *fixture, client *http.Client) ([]time.Duration, time.Duration) {
		return f.paced(b, client, warmup, n, rate)
	})
	b.ReportMetric(float64(wall.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(rate, "offered/s")
	b.ReportMetric(float64(n)/wall.Seconds(), "sales/s")
	reportLatency(b, lat, true)
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/sale")
	if pgURL != "" && pg > 0 {
		b.ReportMetric(float64(pg.Microseconds())/float64(n), "pg-cpu-us/sale")
	}
	f.checkStored(b, warmup+n)
}
