package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestCheckOnDemo(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "demo", "--no-serve", "--members", "20", "--data-dir", dir, "--password", "demo-pass-1")
	r := mustRun(t, "check", "--data-dir", dir)
	if strings.TrimSpace(r.stdout) != "ok: no violations" {
		t.Errorf("check on a fresh demo: %s", r)
	}
	if r := run(t, "check", "extra", "--data-dir", dir); r.code != exitUsage {
		t.Errorf("check with an argument: %s", r)
	}
	if r := run(t, "check", "--help"); r.code != 0 || !strings.Contains(r.stdout, "-data-dir") || !strings.Contains(r.stdout, "ok: no violations") {
		t.Errorf("check --help: %s", r)
	}
}

func TestCheckAndStatsWithSales(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	ctx := context.Background()
	a := openApp(t, dir)
	s := stats(t, dir)
	if s.Sales != 0 || s.Lines != 0 || s.RevenueFen != 0 || s.Refunds != 0 || s.MembersWithPoints != 0 || s.PointsOutstanding != 0 {
		t.Errorf("stats on an empty database: %+v", s)
	}
	st, err := a.Shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	var members []int64
	for _, phone := range []string{"13800000001", "13800000002", "13800000003"} {
		m, err := a.Members.Create(ctx, linli.System, member.Input{Name: "王小明", Phone: phone, StoreID: st.ID})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, m.ID)
	}
	till := sales.Till{StoreID: st.ID, Terminal: "POS-01"}
	sell := func(receipt string, memberID, qty int64) *sales.Sale {
		t.Helper()
		s, err := a.Sales.Commit(ctx, linli.System, till, sales.SaleInput{
			Receipt: receipt, MemberID: memberID, SoldAt: a.Now().Add(-time.Minute),
			Lines: []sales.LineInput{
				{Product: "X1", Name: "酱油", Quantity: qty, UnitPriceFen: 1000},
				{Product: "X2", Name: "盐", Quantity: 1, UnitPriceFen: 500},
			},
			Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: qty*1000 + 500}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := sell("R1", members[0], 2) // 2500 fen
	sell("R2", members[1], 1)          // 1500 fen
	sell("R3", 0, 3)                   // 3500 fen, anonymous
	if _, err := a.Sales.Refund(ctx, linli.System, till, first.ID, sales.RefundInput{RefundNo: "F1",
		Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	b0, _ := a.Sales.Balance(ctx, members[0])
	b1, _ := a.Sales.Balance(ctx, members[1])
	s = stats(t, dir)
	if s.Sales != 3 || s.Lines != 6 || s.RevenueFen != 2500+1500+3500-1000 || s.Refunds != 1 ||
		s.MembersWithPoints != 2 || s.PointsOutstanding != b0+b1 || b0 <= 0 || b1 <= 0 {
		t.Errorf("stats %+v (balances %d, %d)", s, b0, b1)
	}
	raw := mustRun(t, "stats", "--data-dir", dir).stdout
	for _, k := range []string{`"sales": 3`, `"lines": 6`, `"revenue_fen"`, `"refunds": 1`, `"members_with_points": 2`, `"points_outstanding"`, `"members": 3`} {
		if !strings.Contains(raw, k) {
			t.Errorf("stats lacks %s:\n%s", k, raw)
		}
	}
	if r := mustRun(t, "check", "--data-dir", dir); !strings.Contains(r.stdout, "ok: no violations") {
		t.Errorf("check: %s", r)
	}

	// A cached balance that disagrees with the entries is reported.
	if err := a.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE member_points SET balance = balance + 7 WHERE member_id = ?`, members[1])
		return err
	}); err != nil {
		t.Fatal(err)
	}
	r := run(t, "check", "--data-dir", dir)
	if r.code != exitFail || strings.Contains(r.stdout, "ok:") || !strings.Contains(r.stdout, "member=") || !strings.Contains(r.stderr, "violation") {
		t.Errorf("check on a broken ledger: %s", r)
	}
}

// testPostgres is read before TestMain clears the LINLI_ variables.
var testPostgres = os.Getenv(storetest.EnvPostgres)

// The sums are NUMERIC on PostgreSQL; stats must still read them.
func TestStatsSalesKeysOnPostgres(t *testing.T) {
	t.Setenv(storetest.EnvPostgres, testPostgres)
	db := storetest.OpenPostgres(t)
	ctx := context.Background()
	st, err := shop.New(store.NewShops(db), linli.SystemClock).Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	svc := sales.New(store.NewSales(db), linli.SystemClock)
	till := sales.Till{StoreID: st.ID, Terminal: "POS-01"}
	sale, err := svc.Commit(ctx, linli.System, till, sales.SaleInput{Receipt: "R1", SoldAt: time.Now().Add(-time.Minute),
		Lines:    []sales.LineInput{{Product: "X1", Name: "酱油", Quantity: 3, UnitPriceFen: 1000}},
		Payments: []sales.PaymentInput{{Method: sales.PayCash, AmountFen: 3000}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Refund(ctx, linli.System, till, sale.ID, sales.RefundInput{RefundNo: "F1",
		Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	s, err := countAll(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect != "postgres" || s.Sales != 1 || s.Lines != 1 || s.RevenueFen != 2000 || s.Refunds != 1 || s.PointsOutstanding != 0 {
		t.Errorf("stats %+v", s)
	}
}
