package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/demo"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
)

// The bulk demo (linli demo --bulk) writes a million members and tens of
// millions of sales lines in minutes: big batches, drawn on one core while
// the other writes, and only the last day through the tills.
const (
	// demoBulkBatch is the members, or one store's sales, per transaction:
	// the most the member service takes, and what imports use.
	demoBulkBatch = 5000
	// demoBulkLive is how far back a bulk demo's sales go through the tills.
	demoBulkLive = 24 * time.Hour
)

// seedMembersBulk writes the members demoBulkBatch to a transaction, the
// next batch drawn and validated while one is written. The writes go
// through the member service, which seals the personal data.
func seedMembersBulk(ctx context.Context, e *env, c *invocation, a *app.App, g *demo.Generator) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	total := g.Options().Members
	batches := make(chan []member.Input, 2)
	drawn := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := make([]member.Input, 0, demoBulkBatch)
		send := func() error {
			select {
			case batches <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]member.Input, 0, demoBulkBatch)
			return nil
		}
		err := g.Members(func(i int, in member.Input) error {
			in, err := a.Members.Validate(in)
			if err != nil {
				return fmt.Errorf("demo: member %d: %w", i, err)
			}
			batch = append(batch, in)
			if len(batch) == demoBulkBatch {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		drawn <- err
	}()

	bar := progress(e, c.log, "members")
	done := 0
	var werr error
	for batch := range batches {
		if werr != nil {
			continue // let the drawing goroutine finish
		}
		if _, err := a.Members.UpsertBatch(ctx, linli.System, batch, "import"); err != nil {
			werr = fmt.Errorf("demo: write members: %w", err)
			cancel()
			continue
		}
		done += len(batch)
		bar(done, total)
	}
	if err := <-drawn; werr == nil && err != nil {
		return err
	}
	return werr
}

// bulkJob is one store's batch of history and the refunds of its sales.
type bulkJob struct {
	store   int
	sales   []sales.HistorySale
	refunds []sales.HistoryRefund
	lines   int
	members int // members drawn so far, for the progress bar
}

// seedSalesBulk writes the catalogue and months of purchases: everything
// older than demoBulkLive as history, one store's demoBulkBatch sales to a
// transaction while the next batch is drawn, then the last day through
// the tills, then each member who bought in the tier window is moved to
// the tier their history qualifies for, as a history import does.
func seedSalesBulk(ctx context.Context, e *env, c *invocation, a *app.App, g *demo.Generator, stores []*shop.Store, months int) error {
	start := time.Now()
	specs, byCode, err := seedProducts(ctx, a, g)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	now := a.Now()
	cut := now.Add(-demoBulkLive)
	total := g.Options().Members

	var live []demo.SaleSpec
	latest := make(map[int64]time.Time, total)
	jobs := make(chan bulkJob, 2)
	drawn := make(chan error, 1)
	go func() {
		defer close(jobs)
		pending := make([]bulkJob, len(stores))
		for k := range pending {
			pending[k].store = k
		}
		send := func(k int, member int) error {
			j := pending[k]
			if len(j.sales) == 0 {
				return nil
			}
			j.members = member
			select {
			case jobs <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
			pending[k] = bulkJob{store: k}
			return nil
		}
		err := g.Sales(months, func(s demo.SaleSpec) error {
			if id := memberID(s); id != 0 && s.At.After(latest[id]) {
				latest[id] = s.At
			}
			if !s.At.Before(cut) {
				live = append(live, s)
				return nil
			}
			j := &pending[s.Store]
			j.sales = append(j.sales, historySale(s, byCode))
			j.lines += len(s.Lines)
			if r, ok := historyRefund(s, now); ok {
				j.refunds = append(j.refunds, r)
			}
			if len(j.sales) == demoBulkBatch {
				done := s.Member
				if done == demo.WalkIn { // they come after every member
					done = total
				}
				return send(s.Store, done)
			}
			return nil
		})
		for k := range pending {
			if err == nil {
				err = send(k, total)
			}
		}
		drawn <- err
	}()

	bar := progress(e, c.log, "sales (members)")
	history, lines, nRefunds := 0, 0, 0
	var werr error
	for j := range jobs {
		if werr != nil {
			continue
		}
		if werr = writeBulkJob(ctx, a, stores[j.store].ID, j); werr != nil {
			cancel()
			continue
		}
		history += len(j.sales)
		lines += j.lines
		nRefunds += len(j.refunds)
		bar(j.members, total)
	}
	if err := <-drawn; werr == nil && err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	historyTook := time.Since(start)

	tills := time.Now()
	n, err := commitLive(ctx, a, stores, live, now, func(int) {})
	if err != nil {
		return err
	}
	nRefunds += n
	tillsTook := time.Since(tills)

	tiers := time.Now()
	moved, err := a.Sales.Requalify(ctx, latest)
	if err != nil {
		return fmt.Errorf("demo: tiers: %w", err)
	}
	fmt.Fprintf(e.stdout, "Demo sales: %d products, %d sales with %d lines as history over %d months (%s), "+
		"%d through the tills (%s), %d refunds, %d members moved up a tier (%s); %s in all.\n",
		len(specs), history, lines, months, historyTook.Round(time.Millisecond), len(live), tillsTook.Round(time.Millisecond),
		nRefunds, moved, time.Since(tiers).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	return nil
}

// writeBulkJob stores one batch of history, then its refunds.
func writeBulkJob(ctx context.Context, a *app.App, storeID int64, j bulkJob) error {
	if _, err := a.Sales.ImportHistory(ctx, storeID, j.sales); err != nil {
		return fmt.Errorf("demo: write sales: %w", err)
	}
	for _, r := range j.refunds {
		applied, found, err := a.Sales.RefundHistory(ctx, storeID, r)
		if err != nil {
			return fmt.Errorf("demo: write refund: %w", err)
		}
		if !applied || !found {
			return errors.New("demo: refund " + r.RefundNo + " found no sale to take back")
		}
	}
	return nil
}
