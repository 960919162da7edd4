package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/demo"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
)

// demoLive is how far back demo sales go through the tills' path, earning
// points and upgrading tiers; older ones are written as history.
const demoLive = 14 * 24 * time.Hour

// demoTerminal is the till the recent demo sales come from.
const demoTerminal = "demo"

// seedSales writes the demo catalogue and months of purchases.
func seedSales(ctx context.Context, e *env, c *invocation, a *app.App, g *demo.Generator, stores []*shop.Store, months int) error {
	start := time.Now()
	specs, byCode, err := seedProducts(ctx, a, g)
	if err != nil {
		return err
	}

	now := a.Now()
	cut := now.Add(-demoLive)
	batches := make([][]sales.HistorySale, len(stores))
	refunds := make([][]sales.HistoryRefund, len(stores))
	var live []demo.SaleSpec
	history, nRefunds := 0, 0
	flush := func(k int) error {
		if len(batches[k]) == 0 {
			return nil
		}
		if _, err := a.Sales.ImportHistory(ctx, stores[k].ID, batches[k]); err != nil {
			return fmt.Errorf("demo: write sales: %w", err)
		}
		history += len(batches[k])
		batches[k] = batches[k][:0]
		for _, r := range refunds[k] {
			if _, _, err := a.Sales.RefundHistory(ctx, stores[k].ID, r); err != nil {
				return fmt.Errorf("demo: write refund: %w", err)
			}
			nRefunds++
		}
		refunds[k] = refunds[k][:0]
		return ctx.Err()
	}
	bar := progress(e, c.log, "sales")
	err = g.Sales(months, func(s demo.SaleSpec) error {
		if !s.At.Before(cut) {
			live = append(live, s)
			return nil
		}
		k := s.Store
		batches[k] = append(batches[k], historySale(s, byCode))
		if r, ok := historyRefund(s, now); ok {
			refunds[k] = append(refunds[k], r)
		}
		if len(batches[k]) == demoBatch {
			return flush(k)
		}
		return nil
	})
	for k := range stores {
		if err == nil {
			err = flush(k)
		}
	}
	if err != nil {
		return err
	}

	n, err := commitLive(ctx, a, stores, live, now, func(done int) {
		if done%500 == 0 || done == len(live) {
			bar(history+done, history+len(live))
		}
	})
	if err != nil {
		return err
	}
	nRefunds += n
	fmt.Fprintf(e.stdout, "Demo sales: %d products, %d sales over %d months (%d through the tills), %d refunds in %s.\n",
		len(specs), history+len(live), months, len(live), nRefunds, time.Since(start).Round(time.Millisecond))
	return nil
}

// seedProducts writes the demo catalogue and returns it, also by code.
func seedProducts(ctx context.Context, a *app.App, g *demo.Generator) ([]demo.ProductSpec, map[string]demo.ProductSpec, error) {
	specs := g.Products()
	ins := make([]catalog.Input, 0, len(specs))
	byCode := make(map[string]demo.ProductSpec, len(specs))
	for _, p := range specs {
		byCode[p.Code] = p
		unit := catalog.UnitPiece
		if p.Weight {
			unit = catalog.UnitWeight
		}
		in, err := catalog.Validate(catalog.Input{Code: p.Code, Barcode: p.Barcode, Name: p.Name, Category: p.Category,
			Brand: p.Brand, Unit: unit, PriceFen: p.PriceFen})
		if err != nil {
			return nil, nil, fmt.Errorf("demo: product %s: %w", p.Code, err)
		}
		ins = append(ins, in)
	}
	if _, err := a.Products.UpsertBatch(ctx, linli.System, ins); err != nil {
		return nil, nil, fmt.Errorf("demo: write products: %w", err)
	}
	return specs, byCode, nil
}

// historySale is s as imported history, priced from the catalogue.
func historySale(s demo.SaleSpec, byCode map[string]demo.ProductSpec) sales.HistorySale {
	h := sales.HistorySale{Receipt: s.Receipt, MemberID: memberID(s), SoldAt: s.At,
		Lines: make([]sales.HistoryLine, 0, len(s.Lines))}
	for _, l := range s.Lines {
		p := byCode[l.Product]
		h.Lines = append(h.Lines, sales.HistoryLine{Product: l.Product, Name: p.Name, Category: p.Category,
			Quantity: l.Quantity, UnitPriceFen: p.PriceFen, AmountFen: l.AmountFen})
	}
	return h
}

// memberID is the member id of s: members are written in index order, so
// member i is id i+1; 0 for a walk-in.
func memberID(s demo.SaleSpec) int64 {
	if s.Member == demo.WalkIn {
		return 0
	}
	return int64(s.Member + 1)
}

// historyRefund is the refund of s, when it has one due before now.
func historyRefund(s demo.SaleSpec, now time.Time) (sales.HistoryRefund, bool) {
	if !s.Refund || !s.RefundAt.Before(now) {
		return sales.HistoryRefund{}, false
	}
	return sales.HistoryRefund{Receipt: s.Receipt, RefundNo: s.RefundNo, Product: s.Lines[s.RefundLine].Product,
		Quantity: s.RefundQty, AmountFen: s.RefundFen, At: s.RefundAt}, true
}

// commitLive puts recent sales through the tills in time order per member,
// as they happened, so points, lots and tier upgrades come out as they
// would live. Members are split among a few workers: the writes
// serialise, but pricing and rule reads overlap. done is called with the
// number committed so far, under a lock. It returns the refunds made.
func commitLive(ctx context.Context, a *app.App, stores []*shop.Store, live []demo.SaleSpec, now time.Time, done func(int)) (int, error) {
	sortByTime(live)
	const workers = 4
	var mu sync.Mutex
	committed, nRefunds := 0, 0
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range live {
				// A member's sales stay in order on one worker; walk-ins
				// have no order to keep.
				owner := s.Member
				if owner == demo.WalkIn {
					owner = i
				}
				if owner%workers != w {
					continue
				}
				n, err := commitDemo(ctx, a, stores, s, i, now)
				if err != nil {
					errs[w] = err
					return
				}
				mu.Lock()
				nRefunds += n
				committed++
				done(committed)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return nRefunds, errors.Join(errs...)
}

func sortByTime(ss []demo.SaleSpec) {
	slices.SortStableFunc(ss, func(a, b demo.SaleSpec) int { return a.At.Compare(b.At) })
}

// commitDemo puts one recent sale through the till and refunds it when
// its refund is due; it returns the number of refunds made.
func commitDemo(ctx context.Context, a *app.App, stores []*shop.Store, s demo.SaleSpec, i int, now time.Time) (int, error) {
	actor := linli.System
	till := sales.Till{StoreID: stores[s.Store].ID, Terminal: demoTerminal}
	in := sales.SaleInput{Receipt: s.Receipt, MemberID: memberID(s), SoldAt: s.At, Channel: sales.ChannelStore}
	for _, l := range s.Lines {
		in.Lines = append(in.Lines, sales.LineInput{Product: l.Product, Quantity: l.Quantity})
	}
	method := sales.PayMobile
	if i%4 == 0 {
		method = sales.PayCash
	}
	total := s.AmountFen()
	// About one sale in eight spends points when the member has some: up
	// to 5 yuan of the bill, the rest paid as usual.
	if i%8 == 3 && in.MemberID != 0 {
		pays, err := demoPointsPayment(ctx, a, in.MemberID, total)
		if err != nil {
			return 0, err
		}
		in.Payments = pays
	}
	if len(in.Payments) == 0 {
		in.Payments = []sales.PaymentInput{{Method: method, AmountFen: total}}
	} else if paid := in.Payments[0].AmountFen; paid < total {
		in.Payments = append(in.Payments, sales.PaymentInput{Method: method, AmountFen: total - paid})
	}
	sale, err := a.Sales.Commit(ctx, actor, till, in)
	if err != nil {
		return 0, fmt.Errorf("demo: sale %s: %w", s.Receipt, err)
	}
	if !s.Refund || !s.RefundAt.Before(now) {
		return 0, nil
	}
	ri := sales.RefundInput{RefundNo: s.RefundNo, Reason: "demo",
		Lines: []sales.RefundLineInput{{LineNo: sale.Lines[s.RefundLine].LineNo, Quantity: s.RefundQty}}}
	if _, err := a.Sales.Refund(ctx, actor, till, sale.ID, ri); err != nil {
		return 0, fmt.Errorf("demo: refund %s: %w", s.RefundNo, err)
	}
	return 1, nil
}

// demoPointsPayment is a points tender for up to 5 yuan of total, or none
// when the member holds fewer than 100 points.
func demoPointsPayment(ctx context.Context, a *app.App, memberID, total int64) ([]sales.PaymentInput, error) {
	bal, err := a.Sales.Balance(ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("demo: balance of member %d: %w", memberID, err)
	}
	rules, err := a.Sales.Rules(ctx)
	if err != nil {
		return nil, err
	}
	rate := rules.RedeemFenPerPoint
	pts := min(bal, 500/rate, total/rate)
	if bal < 100 || pts <= 0 {
		return nil, nil
	}
	return []sales.PaymentInput{{Method: sales.PayPoints, AmountFen: pts * rate, Points: pts}}, nil
}
