package store_test

import (
	"context"
	"fmt"
	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"slices"
	"testing"
	"time"

	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// analysisSale is one hand-made sale: member 0 is anonymous.
type analysisSale struct {
	member      int64
	day         int
	hour        int
	amount, ref int64
	status      string
}

func TestAnalysisAggregates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		const d0 = 20000 // 2024-10-04
		sales := []analysisSale{
			{1, d0, 9, 1000, 0, "completed"},
			{1, d0, 18, 500, 0, "completed"},        // same day: one purchase day
			{1, d0 + 3, 10, 2000, 300, "completed"}, // partly refunded: counts net
			{1, d0 + 5, 10, 9999, 0, "voided"},      // not counted
			{1, d0 + 6, 10, 700, 700, "refunded"},   // refunded in full: not counted
			{2, d0 + 1, 23, 800, 0, "completed"},    // 23:00 UTC is still d0+1
			{2, d0 + 10, 1, 5000, 0, "completed"},   // after as-of
			{0, d0 + 2, 10, 3000, 0, "completed"},   // anonymous
			{3, d0 + 2, 10, 400, 0, "voided"},       // only voided: absent
			{4, d0 + 4, 10, 600, 600, "completed"},  // nets to nothing: not a purchase
			{5, d0 + 1, 10, 100, 0, "completed"},
			{5, d0 + 7, 10, 250, 0, "completed"},
		}
		seedAnalysisSales(t, db, 5, sales)

		a := store.NewAnalysis(db)
		asOf := time.Unix(int64(d0+8)*86400, 0).UTC()
		aggregates := func(offset int) []analysis.Aggregate {
			var got []analysis.Aggregate
			if err := a.MemberAggregates(ctx, asOf, offset, func(g analysis.Aggregate) error {
				got = append(got, g)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := aggregates(0)
		want := []analysis.Aggregate{
			{MemberID: 1, FirstDay: d0, LastDay: d0 + 3, Days: 2, NetFen: 3200, FirstDayFen: 1500},
			{MemberID: 2, FirstDay: d0 + 1, LastDay: d0 + 1, Days: 1, NetFen: 800, FirstDayFen: 800},
			{MemberID: 5, FirstDay: d0 + 1, LastDay: d0 + 7, Days: 2, NetFen: 350, FirstDayFen: 100},
		}
		if !slices.Equal(got, want) {
			t.Errorf("aggregates:\n got %+v\nwant %+v", got, want)
		}
		// In Shanghai (UTC+8) 18:00 UTC is 02:00 the next day, a visit of
		// its own, and 23:00 UTC is the next morning.
		shanghai := []analysis.Aggregate{
			{MemberID: 1, FirstDay: d0, LastDay: d0 + 3, Days: 3, NetFen: 3200, FirstDayFen: 1000},
			{MemberID: 2, FirstDay: d0 + 2, LastDay: d0 + 2, Days: 1, NetFen: 800, FirstDayFen: 800},
			{MemberID: 5, FirstDay: d0 + 1, LastDay: d0 + 7, Days: 2, NetFen: 350, FirstDayFen: 100},
		}
		if got := aggregates(8 * 3600); !slices.Equal(got, shanghai) {
			t.Errorf("aggregates in UTC+8:\n got %+v\nwant %+v", got, shanghai)
		}
		c := got[0].Customer(analysis.AsOfDay(asOf, 0))
		if c.X != 1 || c.TX != 3.0/7 || c.T != 1 || c.Zbar != 17 {
			t.Errorf("member 1 summary: %+v", c)
		}

		// Scores: a run replaces a batch's id range and drops the rest.
		at := time.Date(2024, 10, 12, 3, 0, 0, 0, time.UTC)
		run1, err := a.StartRun(ctx, "m", "1", at)
		if err != nil {
			t.Fatal(err)
		}
		p := 0.5
		clvFen := int64(12345)
		k := 2
		score := func(id, run int64) analysis.Score {
			return analysis.Score{MemberID: id, RunID: run, Model: "m", Version: "1", FittedAt: at, R: 5, F: 1, M: 3,
				Segment: "new", ValueClass: "low", RecencyDays: 1, Frequency: 1, MonetaryFen: 800,
				PAlive: &p, Expected90d: &p, CLVFen: &clvFen, Cluster: &k}
		}
		if err := a.ReplaceScores(ctx, []analysis.Score{score(1, run1), score(2, run1), score(5, run1)}); err != nil {
			t.Fatal(err)
		}
		// One run of a model at a time: the first ends before the second starts.
		if _, err := a.StartRun(ctx, "m", "1", at); linli.ErrorKind(err) != linli.KindConflict {
			t.Fatalf("second run while one is going: %v", err)
		}
		if err := a.FinishRun(ctx, run1, analysis.StatusDone, at, 3, []byte("{}"), ""); err != nil {
			t.Fatal(err)
		}
		run2, err := a.StartRun(ctx, "m", "1", at)
		if err != nil {
			t.Fatal(err)
		}
		bare := score(1, run2)
		bare.PAlive, bare.Expected90d, bare.CLVFen, bare.Cluster = nil, nil, nil, nil
		if err := a.ReplaceScores(ctx, []analysis.Score{bare}); err != nil {
			t.Fatal(err)
		}
		if err := a.ReplaceScores(ctx, []analysis.Score{score(5, run2), score(1, run2)}); err == nil {
			t.Error("unsorted batch accepted")
		}
		if err := a.ReplaceScores(ctx, []analysis.Score{score(5, run2)}); err != nil {
			t.Fatal(err)
		}
		n, err := a.DropStaleScores(ctx, run2)
		if err != nil || n != 1 {
			t.Errorf("drop stale: %d, %v; want member 2 dropped", n, err)
		}
		rows, err := db.Query(ctx, `SELECT member_id, run_id, segment, p_alive, clv_fen, cluster FROM member_scores ORDER BY member_id`)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var id, run int64
			var seg string
			var pa *float64
			var cf, cl *int64
			if err := rows.Scan(&id, &run, &seg, &pa, &cf, &cl); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%d %d %s %v %v %v", id, run-run2, seg, deref(pa), deref(cf), deref(cl)))
		}
		rows.Close()
		if want := []string{"1 0 new <nil> <nil> <nil>", "5 0 new 0.5 12345 2"}; !slices.Equal(lines, want) {
			t.Errorf("scores:\n got %q\nwant %q", lines, want)
		}

		if err := a.FinishRun(ctx, run2, analysis.StatusDone, at.Add(time.Second), 2, []byte(`{"members":2}`), ""); err != nil {
			t.Fatal(err)
		}
		var status, detail string
		var members int
		var fin int64
		if err := db.QueryRow(ctx, `SELECT status, members, detail, finished_at FROM analysis_runs WHERE id = ?`, run2).
			Scan(&status, &members, &detail, &fin); err != nil {
			t.Fatal(err)
		}
		if status != "done" || members != 2 || detail != `{"members":2}` || fin != store.Millis(at.Add(time.Second)) {
			t.Errorf("run: %s %d %s %d", status, members, detail, fin)
		}

		// A merged member's score goes with the merge.
		if err := store.NewMembers(db).MergeMembers(ctx, 5, 1, member.Audit{Actor: linli.System, Action: "member.merge", EntityID: 1}); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM member_scores WHERE member_id = 5`).Scan(&left); err != nil || left != 0 {
			t.Errorf("merged member's score: %d left (%v)", left, err)
		}
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// seedAnalysisSales creates a store, members 1..members and the sales.
func seedAnalysisSales(t *testing.T, db *store.DB, members int, sales []analysisSale) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		sid, err := tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', 'Asia/Shanghai', 0)`)
		if err != nil {
			return err
		}
		for i := 1; i <= members; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO members (id, card_no, created_at, updated_at, last_active_at) VALUES (?, ?, 0, 0, 0)`,
				i, fmt.Sprintf("C%d", i)); err != nil {
				return err
			}
		}
		for i, s := range sales {
			var member any
			if s.member != 0 {
				member = s.member
			}
			at := (int64(s.day)*24 + int64(s.hour)) * 3600 * 1000
			if _, err := tx.Exec(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, sold_at,
				amount_fen, refunded_fen, status, created_at) VALUES (?, 'T1', ?, ?, ?, ?, ?, ?, ?, ?)`,
				sid, fmt.Sprint(i), []byte{byte(i)}, member, at, s.amount, s.ref, s.status, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
