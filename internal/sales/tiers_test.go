package sales_test

import (
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
	"github.com/linli/linli/internal/tier"
)

func (e *env) tier(t *testing.T, m int64) *sales.TierStatus {
	t.Helper()
	st, err := e.svc.MemberTier(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *env) commit(t *testing.T, in sales.SaleInput) *sales.Sale {
	t.Helper()
	s, err := e.svc.Commit(ctx, linli.System, e.till, in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) history(t *testing.T, m int64) []sales.TierChange {
	t.Helper()
	h, err := e.svc.TierHistory(ctx, m, 0)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTierUpgradeAndReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		m := e.members[0]
		if st := e.tier(t, m); st.Tier.Code != "regular" || !st.Since.IsZero() || st.Next.Code != "silver" ||
			st.SpendLeftFen != 200_000 || st.VisitsLeft != 12 || st.PointsLeft != 0 {
			t.Fatalf("new member: %+v", st)
		}
		s1 := e.commit(t, sale("R1", m, 150_000))
		if st := e.tier(t, m); st.Tier.Code != "regular" || st.Activity != (tier.Activity{SpendFen: 150_000, Points: 1500, Visits: 1}) ||
			st.SpendLeftFen != 50_000 || st.VisitsLeft != 11 {
			t.Fatalf("after ¥1,500: %+v", st)
		}
		// The qualifying sale upgrades but earns at the old tier.
		s2 := e.commit(t, sale("R2", m, 60_000))
		if s2.PointsEarned != 600 {
			t.Errorf("qualifying sale earned %d, want 600 (×1)", s2.PointsEarned)
		}
		st := e.tier(t, m)
		if st.Tier.Code != "silver" || !st.Since.Equal(start) || st.Next.Code != "gold" || st.SpendLeftFen != 800_000-210_000 {
			t.Fatalf("after ¥2,100: %+v", st)
		}
		h := e.history(t, m)
		if len(h) != 1 || h[0].From != "regular" || h[0].To != "silver" || h[0].Reason != sales.TierUpgrade || h[0].SourceID != s2.ID {
			t.Fatalf("history %+v, want the upgrade by sale %d", h, s2.ID)
		}
		// The next sale earns ×1.2.
		s3 := e.commit(t, sale("R3", m, 10_000))
		if s3.PointsEarned != 120 || s3.Lines[0].Points != 120 {
			t.Errorf("next sale earned %d, want 120 (×1.2)", s3.PointsEarned)
		}
		// A repeat of the receipt answers the same and changes nothing.
		if again := e.commit(t, sale("R3", m, 10_000)); again.ID != s3.ID || again.PointsEarned != 120 {
			t.Errorf("repeat: %+v", again)
		}
		// Refunds lower the window but the tier holds until the review.
		for i, id := range []int64{s1.ID, s2.ID} {
			if _, err := e.svc.Refund(ctx, linli.System, e.till, id, sales.RefundInput{RefundNo: "F" + string(rune('1'+i)), All: true}); err != nil {
				t.Fatal(err)
			}
		}
		st = e.tier(t, m)
		if st.Tier.Code != "silver" || st.Qualifies.Code != "regular" || st.Activity.SpendFen != 10_000 || st.Activity.Visits != 1 {
			t.Fatalf("after refunds: %+v", st)
		}
		if len(e.history(t, m)) != 1 {
			t.Error("a refund changed the tier")
		}
		// The upgrade counts as a review: not due for 30 days.
		if res, err := e.svc.Review(ctx, start.Add(29*24*time.Hour)); err != nil || res != (sales.ReviewResult{}) {
			t.Errorf("early review %+v %v", res, err)
		}
		at := start.Add(30 * 24 * time.Hour)
		e.clk.set(at)
		res, err := e.svc.Review(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if res != (sales.ReviewResult{Reviewed: 1, Downgraded: 1}) {
			t.Errorf("review %+v", res)
		}
		h = e.history(t, m)
		if len(h) != 2 || h[0].Reason != sales.TierDowngrade || h[0].From != "silver" || h[0].To != "regular" || !h[0].At.Equal(at) {
			t.Fatalf("history after review %+v", h)
		}
		if st := e.tier(t, m); st.Tier.Code != "regular" {
			t.Errorf("after review: %s", st.Tier.Code)
		}
		// The member's last sale was at ×1.2, which the till's side
		// remembers to earn before the transaction: the downgrade still counts.
		if s4 := e.commit(t, sale("R4", m, 10_000)); s4.PointsEarned != 100 || s4.Lines[0].Points != 100 {
			t.Errorf("sale after the downgrade earned %d, want 100 (×1)", s4.PointsEarned)
		}
		// Nothing left to review.
		if res, err := e.svc.Review(ctx, at); err != nil || res != (sales.ReviewResult{}) {
			t.Errorf("second review %+v %v", res, err)
		}
		e.check(t)
	})
}

func TestTierDormancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		cfg := tier.Default()
		cfg.DormantAfterDays = 90
		cfg.Tiers[1].MinVisits = 0 // silver by spend only
		if err := e.svc.SetTierConfig(ctx, linli.System, cfg); err != nil {
			t.Fatal(err)
		}
		bad := cfg
		bad.WindowDays = 0
		if err := e.svc.SetTierConfig(ctx, linli.System, bad); linli.ErrorCode(err) != "tier.window_invalid" {
			t.Errorf("bad config: %v", err)
		}
		if got, err := e.svc.TierConfig(ctx); err != nil || got.DormantAfterDays != 90 || got.Tiers[1].MinVisits != 0 {
			t.Fatalf("stored config %+v %v", got, err)
		}
		quiet, busy := e.members[0], e.members[1]
		e.commit(t, sale("Q1", quiet, 900_000)) // gold at once
		e.commit(t, sale("B1", busy, 250_000))  // silver
		if st := e.tier(t, quiet); st.Tier.Code != "gold" {
			t.Fatalf("quiet: %s", st.Tier.Code)
		}
		day := func(n int) time.Time { return start.Add(time.Duration(n) * 24 * time.Hour) }
		e.clk.set(day(80))
		in := sale("B2", busy, 1000)
		in.SoldAt = day(80)
		e.commit(t, in)
		// Day 100: the quiet member is dormant; the busy one still
		// qualifies for silver over the year and keeps it.
		e.clk.set(day(100))
		res, err := e.svc.Review(ctx, day(100))
		if err != nil {
			t.Fatal(err)
		}
		if res != (sales.ReviewResult{Reviewed: 2, Dormant: 1}) {
			t.Errorf("review %+v", res)
		}
		if h := e.history(t, quiet); len(h) != 2 || h[0].Reason != sales.TierDormant || h[0].From != "gold" || h[0].To != "regular" {
			t.Errorf("quiet history %+v", h)
		}
		if st := e.tier(t, busy); st.Tier.Code != "silver" || !st.Since.Equal(start) {
			t.Errorf("busy: %+v", st)
		}
		var reviewed int64
		if err := db.QueryRow(ctx, `SELECT reviewed_at FROM member_tiers WHERE member_id = ?`, busy).Scan(&reviewed); err != nil ||
			reviewed != store.Millis(day(100)) {
			t.Errorf("reviewed_at %d %v", reviewed, err)
		}
		if res, err := e.svc.Review(ctx, day(110)); err != nil || res != (sales.ReviewResult{}) {
			t.Errorf("review before due %+v %v", res, err)
		}
		e.check(t)
	})
}

// A merge keeps the survivor's tier, or gives a survivor at the lowest tier
// the merged member's, with its history; the next sale counts both
// members' sales.
func TestTierMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		a, b := e.members[0], e.members[1]
		// b reaches silver (¥2,000) with one big sale.
		e.commit(t, sale("R1", b, 200_000))
		if got := e.tier(t, b).Tier.Code; got != "silver" {
			t.Fatalf("b is %s", got)
		}
		if err := store.NewMembers(db).MergeMembers(ctx, b, a, member.Audit{Actor: linli.System, Action: "member.merge", EntityID: a}); err != nil {
			t.Fatal(err)
		}
		if got := e.tier(t, a); got.Tier.Code != "silver" || got.Activity.SpendFen != 200_000 {
			t.Errorf("survivor after merge: %+v", got)
		}
		if h := e.history(t, a); len(h) != 1 || h[0].To != "silver" {
			t.Errorf("survivor's history %+v", h)
		}
		e.check(t)
	})
}
