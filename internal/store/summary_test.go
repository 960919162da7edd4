package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// TestSalesSummary sums a period's sales: net of refunds, voided ones left
// out, members' part apart, by store, the period's end excluded.
func TestSalesSummary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		day := func(d int) time.Time { return insT0.AddDate(0, 0, d) }
		seedInsights(t, db, []insightSale{
			{member: 1, store: 1, at: day(0), amount: 1000},
			{member: 1, store: 1, at: day(0).Add(time.Hour), amount: 800, ref: 300},
			{member: 0, store: 1, at: day(0).Add(2 * time.Hour), amount: 400},
			{member: 2, store: 2, at: day(0).Add(3 * time.Hour), amount: 600},
			{member: 0, store: 2, at: day(0).Add(4 * time.Hour), amount: 999, status: "voided"},
			{member: 1, store: 1, at: day(1), amount: 5000}, // the next period
			{member: 1, store: 1, at: day(-1), amount: 7000},
		})
		st := store.NewSales(db)
		ctx := context.Background()
		for _, c := range []struct {
			store int64
			want  sales.Summary
		}{
			{0, sales.Summary{Sales: 4, NetFen: 2500, MemberSales: 3, MemberNetFen: 2100}},
			{1, sales.Summary{Sales: 3, NetFen: 1900, MemberSales: 2, MemberNetFen: 1500}},
			{2, sales.Summary{Sales: 1, NetFen: 600, MemberSales: 1, MemberNetFen: 600}},
			{3, sales.Summary{}},
		} {
			got, err := st.SalesSummary(ctx, c.store, day(0), day(1))
			if err != nil || got != c.want {
				t.Errorf("store %d: %+v %v, want %+v", c.store, got, err, c.want)
			}
		}
		s := sales.Summary{Sales: 4, NetFen: 2500, MemberNetFen: 2100}
		if s.AvgFen() != 625 || s.MemberSharePM() != 840 || (sales.Summary{}).AvgFen() != 0 || (sales.Summary{}).MemberSharePM() != 0 {
			t.Errorf("average %d, members' share %d‰", s.AvgFen(), s.MemberSharePM())
		}
	})
}
