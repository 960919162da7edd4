package sales_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// TestLiability: sales in two stores with lots expiring in different
// months, a redemption, a partial refund, an expiry and adjustments; the
// report's total equals the members' balances.
func TestLiability(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		a, b := e.members[0], e.members[1]
		var s2 int64
		if err := db.Write(ctx, func(tx *store.Tx) error {
			var err error
			s2, err = tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S2', 'Second', 'Asia/Shanghai', 0)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r := sales.DefaultRules()
		r.Expiry = loyalty.Months(6)
		r.RedeemFenPerPoint = 2
		if err := e.svc.SetRules(ctx, linli.System, r); err != nil {
			t.Fatal(err)
		}
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, shanghai) }
		commit := func(till sales.Till, in sales.SaleInput) *sales.Sale {
			t.Helper()
			s, err := e.svc.Commit(ctx, linli.System, till, in)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		in := func(receipt string, m, fen int64, at time.Time) sales.SaleInput {
			s := sale(receipt, m, fen)
			s.SoldAt = at
			return s
		}
		// 100 points valid through 15 July (S1), 50 through 1 September (S2),
		// 30 for b that expired on 5 February.
		commit(e.till, in("RA1", a, 10000, day(2025, 1, 15)))
		commit(sales.Till{StoreID: s2, Terminal: "T1"}, in("RA2", a, 5000, day(2025, 3, 1)))
		commit(e.till, in("RB1", b, 3000, day(2024, 8, 5)))
		if _, err := e.svc.Adjust(ctx, linli.System, b, 40, "welcome"); err != nil { // chain, through 10 September
			t.Fatal(err)
		}
		// 30 points (60 fen) from the July lot; the 19.40 in cash earn 19.
		red := commit(e.till, sales.SaleInput{Receipt: "RA3", MemberID: a, SoldAt: start,
			Lines:    []sales.LineInput{{Product: "A1", Quantity: 2}},
			Payments: []sales.PaymentInput{{Method: sales.PayPoints, AmountFen: 60, Points: 30}, {Method: sales.PayCash, AmountFen: 1940}}})
		if red.PointsEarned != 19 {
			t.Fatalf("redemption sale earned %d", red.PointsEarned)
		}
		// Half of it back: 15 points return (expiring with the July lot), 9 of the 19 go.
		f, err := e.svc.Refund(ctx, linli.System, e.till, red.ID, sales.RefundInput{RefundNo: "F1",
			Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}})
		if err != nil || f.PointsReturned != 15 || f.PointsReversed != 9 {
			t.Fatalf("refund %+v %v", f, err)
		}

		total := func(rows []sales.LiabilityRow) (pts, fen int64) {
			for _, r := range rows {
				pts += r.Points
				fen += r.ValueFen
			}
			return pts, fen
		}
		balances := func() int64 { return e.balance(t, a) + e.balance(t, b) }
		// Before the job runs, b's lapsed lot is no liability, though it is
		// still in the balance.
		rows, err := e.svc.Liability(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		if pts, _ := total(rows); pts != balances()-30 {
			t.Errorf("before expiry: %d points, balances %d", pts, balances())
		}
		if n, err := e.svc.Expire(ctx, start); err != nil || n != 30 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if n, err := e.svc.Expire(ctx, start); err != nil || n != 0 {
			t.Fatalf("expire again: %d %v", n, err)
		}
		// Adjustments that never expire.
		r.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryNever}
		if err := e.svc.SetRules(ctx, linli.System, r); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Adjust(ctx, linli.System, a, 5, "sorry"); err != nil {
			t.Fatal(err)
		}

		rep, err := e.svc.LiabilityReport(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		s1 := e.till.StoreID
		want := []sales.LiabilityRow{
			{StoreID: s1, Store: "S1", StoreName: "Shop", Month: "2025-07", Points: 70 + 15, ValueFen: 170},
			{StoreID: s1, Store: "S1", StoreName: "Shop", Month: "2025-09", Points: 10, ValueFen: 20},
			{StoreID: s2, Store: "S2", StoreName: "Second", Month: "2025-09", Points: 50, ValueFen: 100},
			{StoreID: 0, Store: sales.ChainStore, StoreName: sales.ChainStore, Month: "2025-09", Points: 40, ValueFen: 80},
			{StoreID: 0, Store: sales.ChainStore, StoreName: sales.ChainStore, Month: sales.NeverExpires, Points: 5, ValueFen: 10},
		}
		if !reflect.DeepEqual(rep.Rows, want) {
			t.Errorf("rows\n%+v\nwant\n%+v", rep.Rows, want)
		}
		if rep.TotalPoints != 190 || rep.TotalValueFen != 380 || rep.RedeemFenPerPoint != 2 || balances() != 190 {
			t.Errorf("totals %d points %d fen at %d; balances %d", rep.TotalPoints, rep.TotalValueFen, rep.RedeemFenPerPoint, balances())
		}
		rows, err = e.svc.Liability(ctx, start)
		if err != nil || !reflect.DeepEqual(rows, want) {
			t.Errorf("Liability %+v %v", rows, err)
		}
		// In August the July points are gone from the liability.
		rows, err = e.svc.Liability(ctx, day(2025, 8, 1))
		if pts, _ := total(rows); err != nil || pts != 190-85 || rows[0].Month != "2025-09" {
			t.Errorf("in August: %+v %v", rows, err)
		}

		soon, err := e.svc.ExpiringSoon(ctx, 200)
		if err != nil || len(soon) != 2 || soon[0].MemberID != a || soon[0].Points != 85+10+50 || soon[1].MemberID != b ||
			soon[1].Points != 40 || !soon[0].Earliest.Equal(time.Date(2025, 7, 16, 0, 0, 0, 0, shanghai)) {
			t.Errorf("expiring soon %+v %v", soon, err)
		}
		e.check(t)
	})
}

func TestLiabilityEmpty(t *testing.T) {
	e := setup(t, storetest.Open(t), 1)
	rep, err := e.svc.LiabilityReport(ctx, start)
	if err != nil || rep.Rows == nil || len(rep.Rows) != 0 || rep.TotalPoints != 0 || rep.RedeemFenPerPoint != 1 {
		t.Errorf("empty report %+v %v", rep, err)
	}
}
