package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store/storetest"
)

// TestSalesSurviveKill is the acceptance test for sales: tills send sales
// to the real binary, which is killed with SIGKILL mid-way and restarted.
// Every acknowledged sale is there exactly once (a resend is answered with
// the same sale), no receipt is there twice, and `linli check` is clean.
// On both engines: on PostgreSQL the kill cuts the sale committers'
// pipelined transactions mid-way.
func TestSalesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a sales load against it; skipped with -short")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "linli")
	build := exec.Command("go", "build", "-o", bin, "github.com/linli/linli/cmd/linli")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { salesSurviveKill(t, bin, "") })
	t.Run("postgres", func(t *testing.T) {
		t.Setenv(storetest.EnvPostgres, testPostgres)
		salesSurviveKill(t, bin, storetest.PostgresURL(t))
	})
}

func salesSurviveKill(t *testing.T, bin, dbURL string) {
	const (
		terminals = 8
		load      = 1500 * time.Millisecond
		minAcks   = 100              // acknowledged sales before the kill
		maxLoad   = 20 * time.Second // the longest the load waits for them
	)
	dir := filepath.Join(t.TempDir(), "data")
	env := append(os.Environ(), "LINLI_SECRET_KEY="+testKey, "LINLI_DATA_DIR="+dir, "LINLI_LOG_LEVEL=warn",
		"LINLI_DATABASE_URL="+dbURL)
	linliCmd := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		return cmd
	}
	if out, err := linliCmd("demo", "--no-serve", "--members", "200", "--data-dir", dir, "--password", "demo-pass-1").CombinedOutput(); err != nil {
		t.Fatalf("linli demo: %v\n%s", err, out)
	}

	// Products, points to spend and a till key, written before any server runs.
	ctx := context.Background()
	a := openAppOn(t, dir, dbURL)
	var storeID int64
	if err := a.DB.QueryRow(ctx, `SELECT id FROM stores ORDER BY id LIMIT 1`).Scan(&storeID); err != nil {
		t.Fatal(err)
	}
	prices := map[string]int64{}
	for i := range 12 {
		p, err := a.Products.Create(ctx, linli.System, catalog.Input{Code: fmt.Sprintf("P%02d", i),
			Name: fmt.Sprintf("商品%d", i), Category: "杂货", PriceFen: int64(150 + 97*i)})
		if err != nil {
			t.Fatal(err)
		}
		prices[p.Code] = p.PriceFen
	}
	codes := make([]string, 0, len(prices))
	for c := range prices {
		codes = append(codes, c)
	}
	rows, err := a.DB.Query(ctx, `SELECT id FROM members ORDER BY id LIMIT 60`)
	if err != nil {
		t.Fatal(err)
	}
	var members []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		members = append(members, id)
	}
	rows.Close()
	if len(members) < 20 {
		t.Fatalf("the demo made %d members", len(members))
	}
	rich := members[:20] // these may pay with points
	for _, m := range rich {
		if _, err := a.Sales.Adjust(ctx, linli.System, m, 100_000, "crash test"); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := a.Auth.CreateAPIKey(ctx, linli.System, "till", storeID, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	base := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: terminals}}
	serve := func() (*exec.Cmd, chan error) {
		t.Helper()
		cmd := linliCmd("serve", "--addr", addr, "--data-dir", dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			select {
			case err := <-exited:
				t.Fatalf("linli serve ended: %v\n%s", err, out.String())
			default:
			}
			if resp, err := client.Get(base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return cmd, exited
				}
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("not ready after 30 s:\n%s", out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	post := func(body []byte) (int, []byte, error) {
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/pos/sales", bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	// The load: every terminal goroutine sends distinct receipts until the kill.
	type acked struct {
		body []byte
		sale sales.Sale
	}
	var (
		mu       sync.Mutex
		acks     = map[string]acked{}
		sent     atomic.Int64
		refused  = map[string]int{}
		stopping atomic.Bool
		wg       sync.WaitGroup
	)
	soldAt := time.Now().Add(-time.Minute).UTC()
	srv, exited := serve()
	for g := range terminals {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 42))
			for i := 0; !stopping.Load(); i++ {
				in := sales.SaleInput{Receipt: fmt.Sprintf("G%d-%06d", g, i), SoldAt: soldAt}
				var total int64
				for range 3 + r.IntN(8) {
					c := codes[r.IntN(len(codes))]
					q := int64(1 + r.IntN(3))
					in.Lines = append(in.Lines, sales.LineInput{Product: c, Quantity: q})
					total += q * prices[c]
				}
				switch k := r.IntN(4); {
				case k == 0:
					in.MemberID = rich[r.IntN(len(rich))]
					p := int64(1 + r.IntN(100))
					in.Payments = append(in.Payments, sales.PaymentInput{Method: sales.PayPoints, AmountFen: p, Points: p})
					total -= p
				case k == 1:
					in.MemberID = members[r.IntN(len(members))]
				}
				in.Payments = append(in.Payments, sales.PaymentInput{Method: sales.PayMobile, AmountFen: total})
				body, _ := json.Marshal(in)
				sent.Add(1)
				code, resp, err := post(body)
				if err != nil {
					continue // in flight at the kill: may or may not be stored
				}
				mu.Lock()
				if code/100 == 2 {
					var s sales.Sale
					if err := json.Unmarshal(resp, &s); err != nil || s.ID == 0 {
						t.Errorf("%s: answer %s: %v", in.Receipt, resp, err)
					}
					acks[in.Receipt] = acked{body: body, sale: s}
				} else {
					refused[fmt.Sprintf("%d %s", code, strings.TrimSpace(string(resp)))]++
				}
				mu.Unlock()
			}
		})
	}
	// Kill after the load time, or later on a machine too busy to have
	// acknowledged minAcks by then: the kill must come mid-way through a
	// real load, not before it has begun.
	began := time.Now()
	for {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if elapsed := time.Since(began); elapsed >= load && n >= minAcks || elapsed >= maxLoad {
			break
		}
	}
	if err := srv.Process.Kill(); err != nil { // SIGKILL: no clean-up of any kind
		t.Fatal(err)
	}
	stopping.Store(true)
	<-exited
	wg.Wait()
	if len(refused) > 0 {
		t.Errorf("refused during the load: %v", refused)
	}
	t.Logf("sent %d sales, %d acknowledged before the kill", sent.Load(), len(acks))
	if len(acks) < minAcks {
		t.Fatalf("only %d sales acknowledged in %s", len(acks), time.Since(began).Round(time.Millisecond))
	}

	// Restarted, the server answers every acknowledged receipt with its sale.
	srv, exited = serve()
	for receipt, ack := range acks {
		code, resp, err := post(ack.body)
		if err != nil {
			t.Fatal(err)
		}
		var s sales.Sale
		if code/100 != 2 || json.Unmarshal(resp, &s) != nil || s.ID != ack.sale.ID || s.AmountFen != ack.sale.AmountFen ||
			s.PointsEarned != ack.sale.PointsEarned || s.PointsRedeemed != ack.sale.PointsRedeemed {
			t.Errorf("%s resent after the restart: %d %s, first answer sale %d", receipt, code, resp, ack.sale.ID)
		}
	}
	if err := srv.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("linli serve after SIGINT: %v", err)
	}

	// Each receipt is stored at most once; the acknowledged ones all are.
	a = openAppOn(t, dir, dbURL)
	var n, distinct int
	if err := a.DB.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT receipt_no) FROM sales WHERE store_id = ? AND terminal = 'T1'`,
		storeID).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != distinct || n < len(acks) || int64(n) > sent.Load() {
		t.Errorf("%d sales with %d distinct receipts; %d acknowledged, %d sent", n, distinct, len(acks), sent.Load())
	}
	t.Logf("%d sales stored: %d acknowledged, %d in flight at the kill", n, len(acks), n-len(acks))
	a.Close()

	out, err := linliCmd("check", "--data-dir", dir).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok: no violations" {
		t.Errorf("linli check: %v\n%s", err, out)
	}
}
