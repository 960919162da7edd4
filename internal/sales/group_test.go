package sales_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
	"github.com/linli/linli/internal/tier"
)

// Many terminals selling to a few members at once: the sales commit in
// groups (store.Sales.WriteSale), each member at most once per
// group. Tiers upgrade on the qualifying sale from the group's reads plus
// the sale's own writes, so the final tier is what the totals qualify for,
// and every balance is the sum of its sales' points.
func TestConcurrentSalesInGroups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 0)
		ms := e.addMembers(t, 6)
		cfg := tier.Default()
		for i := range cfg.Tiers {
			cfg.Tiers[i].PointsMultiplier = 1000 // earning does not depend on the order
			cfg.Tiers[i].MinVisits = 0
		}
		cfg.Tiers[1].MinSpendFen, cfg.Tiers[2].MinSpendFen, cfg.Tiers[3].MinSpendFen = 30_000, 80_000, 150_000
		if err := e.svc.SetTierConfig(ctx, linli.System, cfg); err != nil {
			t.Fatal(err)
		}
		e.clk.set(start.Add(time.Hour))
		const workers, each = 16, 12
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				till := e.till
				till.Terminal = fmt.Sprintf("T%d", w)
				for i := range each {
					m := ms[(w+i)%len(ms)]
					in := sale(fmt.Sprintf("R%d-%d", w, i), m, 5000)
					in.SoldAt = start.Add(time.Duration(i) * time.Minute)
					if _, err := e.svc.Commit(ctx, linli.System, till, in); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		e.check(t)
		spend := map[int64]int64{}
		for w := range workers {
			for i := range each {
				spend[ms[(w+i)%len(ms)]] += 5000
			}
		}
		for _, m := range ms {
			// 1 point per yuan.
			if b := e.balance(t, m); b != spend[m]/100 {
				t.Errorf("member %d: balance %d, want %d", m, b, spend[m]/100)
			}
			st, err := e.svc.MemberTier(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if want := tier.Qualify(cfg, tier.Activity{SpendFen: spend[m], Points: spend[m] / 100}).Code; st.Tier.Code != want {
				t.Errorf("member %d: tier %s after %d fen, want %s", m, st.Tier.Code, spend[m], want)
			}
			h, err := e.svc.TierHistory(ctx, m, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range h {
				if c.SourceID == 0 {
					t.Errorf("member %d: upgrade to %s without its sale", m, c.To)
				}
			}
		}
		groups, grouped, alone := store.NewSales(db).SaleGroupStats()
		t.Logf("%d groups, %d sales in groups, %d alone", groups, grouped, alone)
		if grouped < workers*each/2 {
			t.Errorf("only %d of %d sales committed in groups (%d alone)", grouped, workers*each, alone)
		}
	})
}

// A group whose statement fails (here: a receipt taken behind the
// service's back) runs its sales again one by one: the others commit, the
// one at fault gets its own answer.
func TestSaleGroupFallsBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 0)
		ms := e.addMembers(t, 8)
		st := store.NewSales(db)
		first, err := e.svc.Commit(ctx, linli.System, e.till, sale("TAKEN", ms[0], 3000))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(ms))
		for i, m := range ms {
			wg.Go(func() {
				receipt := fmt.Sprintf("G%d", i)
				if i == 0 {
					receipt = "TAKEN"
				}
				s := &sales.Sale{StoreID: e.till.StoreID, Terminal: e.till.Terminal, Receipt: receipt, SoldAt: start,
					AmountFen: 1000, Status: sales.StatusCompleted, MemberID: m,
					Lines:    []sales.Line{{LineNo: 1, Product: "A1", Name: "Rice", Unit: "piece", Quantity: 1, UnitPriceFen: 1000, AmountFen: 1000}},
					Payments: []sales.Payment{{Method: sales.PayCash, AmountFen: 1000}}}
				errs[i] = st.WriteSale(ctx, sales.SaleHint{MemberID: m}, func(tx sales.Tx) error {
					if _, _, err := tx.LockMember(ctx, m, start); err != nil {
						return err
					}
					_, err := tx.InsertSale(ctx, s, []byte("h"), "{}", start)
					return err
				})
			})
		}
		wg.Wait()
		if !errors.Is(errs[0], sales.ErrDuplicate) {
			t.Fatalf("taken receipt: %v, want ErrDuplicate", errs[0])
		}
		for i, err := range errs[1:] {
			if err != nil {
				t.Fatalf("sale %d: %v", i+1, err)
			}
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM sales WHERE receipt_no LIKE 'G%'`).Scan(&n); err != nil || n != len(ms)-1 {
			t.Fatalf("%d grouped sales stored (%v), want %d", n, err, len(ms)-1)
		}
		if got, _ := e.svc.GetSale(ctx, first.ID); got == nil || got.AmountFen != 3000 {
			t.Fatalf("first sale changed: %+v", got)
		}
		// A hint that names the receipt lets the group answer the repeat
		// itself: fn does not run, nothing runs alone.
		_, _, alone := st.SaleGroupStats()
		ran := false
		err = st.WriteSale(ctx, sales.SaleHint{StoreID: e.till.StoreID, Terminal: e.till.Terminal, Receipt: "TAKEN", MemberID: ms[1]},
			func(tx sales.Tx) error { ran = true; return nil })
		if _, _, after := st.SaleGroupStats(); !errors.Is(err, sales.ErrDuplicate) || ran || after != alone {
			t.Fatalf("repeat named in the hint: %v, fn ran %v, %d ran alone", err, ran, after-alone)
		}
		e.check(t)
	})
}
