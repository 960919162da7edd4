package sales_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestQueries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		m, other := e.members[0], e.members[1]
		var ids []int64
		for i := range 5 {
			s, err := e.svc.Commit(ctx, linli.System, e.till, sale(fmt.Sprintf("R%d", i), m, 2000))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		if _, err := e.svc.Commit(ctx, linli.System, e.till, sale("X", other, 1000)); err != nil {
			t.Fatal(err)
		}
		// A lot that expires before the sales' lots comes first.
		e.clk.set(start.Add(-24 * time.Hour))
		if _, err := e.svc.Adjust(ctx, linli.System, m, 7, "goodwill"); err != nil {
			t.Fatal(err)
		}

		// Sales, newest first, two at a time.
		var got []int64
		before := int64(0)
		for pages := 0; ; pages++ {
			page, next, err := e.svc.SalesByMember(ctx, m, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if s.MemberID != m || s.AmountFen != 2000 || s.PointsEarned != 20 || len(s.Lines) != 0 {
					t.Errorf("sale %+v", s)
				}
				got = append(got, s.ID)
			}
			if next == 0 {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			before = next
		}
		if fmt.Sprint(got) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
			t.Errorf("sales %v, want %v newest first", got, ids)
		}

		entries, next, err := e.svc.EntriesPage(ctx, m, 0, 4)
		if err != nil || len(entries) != 4 || next == 0 || entries[0].Kind != "adjust" {
			t.Fatalf("first page: %v next %d %v", entries, next, err)
		}
		rest, next, err := e.svc.EntriesPage(ctx, m, next, 4)
		if err != nil || len(rest) != 2 || next != 0 || rest[1].SourceID != ids[0] {
			t.Fatalf("second page: %v next %d %v", rest, next, err)
		}

		lots, err := e.svc.Lots(ctx, m)
		if err != nil || len(lots) != 6 {
			t.Fatalf("lots %v %v", lots, err)
		}
		for i := 1; i < len(lots); i++ {
			if lots[i].ExpiresAt.Before(lots[i-1].ExpiresAt) {
				t.Errorf("lots not first to expire first: %v", lots)
			}
		}

		if _, err := e.svc.Refund(ctx, linli.System, e.till, ids[0], sales.RefundInput{RefundNo: "F1",
			Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}, Reason: "damaged"}); err != nil {
			t.Fatal(err)
		}
		refunds, err := e.svc.RefundsOfSale(ctx, ids[0])
		if err != nil || len(refunds) != 1 {
			t.Fatalf("refunds %v %v", refunds, err)
		}
		r := refunds[0]
		if r.RefundNo != "F1" || r.AmountFen != 1000 || r.PointsReversed != 10 || r.Reason != "damaged" ||
			len(r.Lines) != 1 || r.Lines[0].Quantity != 1 {
			t.Errorf("refund %+v", r)
		}
		if none, err := e.svc.RefundsOfSale(ctx, ids[1]); err != nil || len(none) != 0 {
			t.Errorf("refunds of an unrefunded sale: %v %v", none, err)
		}

		lines, total, err := e.svc.Quote(ctx, []sales.LineInput{{Product: "A1", Quantity: 2}, {Product: "W1", Quantity: 500}})
		if err != nil || len(lines) != 2 || total != 2000+1290 {
			t.Errorf("quote: %v %d %v", lines, total, err)
		}
		if _, _, err := e.svc.Quote(ctx, []sales.LineInput{{Product: "NOPE", Quantity: 1}}); code(err) != "sale.product_unknown" {
			t.Errorf("quote of an unknown product: %v", err)
		}
	})
}
