package analysis_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var (
	owner   = linli.Actor{Name: "boss", Role: auth.RoleOwner}
	analyst = linli.Actor{Name: "ana", Role: auth.RoleAnalyst}
	cashier = linli.Actor{Name: "cash", Role: auth.RoleCashier}
)

func TestReports(t *testing.T) {
	storetest.Each(t, testReports)
}

func testReports(t *testing.T, db *store.DB) {
	ctx := context.Background()
	seed(t, db, 600)
	rep := analysis.NewReports(store.NewAnalytics(db), clock)

	// Before any run: empty reports, no audience.
	o, err := rep.Segments(ctx, analyst, analysis.Filter{})
	if err != nil || o.Members != 0 || o.State.Latest != nil {
		t.Fatalf("before a run: %+v, %v", o, err)
	}
	if _, err := rep.CreateAudience(ctx, analyst, analysis.AudienceInput{Name: "x", Source: analysis.SourceChurn}); linli.ErrorKind(err) != linli.KindConflict {
		t.Fatalf("audience without scores: %v", err)
	}

	svc := analysis.New(store.NewAnalysis(db), clock)
	run, err := svc.Run(ctx, asOf, nil)
	if err != nil {
		t.Fatal(err)
	}

	o, err = rep.Segments(ctx, analyst, analysis.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Members != run.Members || o.State.Latest == nil || o.State.Latest.ID != run.ID || o.State.Latest.Detail == nil ||
		o.State.Latest.Percent() != 100 {
		t.Fatalf("overview: %d members, state %+v", o.Members, o.State)
	}
	sum, grid, classes := 0, 0, 0
	for _, s := range o.Segments {
		sum += s.Members
		if s.Members != run.Detail.Segments[s.Key] {
			t.Errorf("segment %s: %d members, the run counted %d", s.Key, s.Members, run.Detail.Segments[s.Key])
		}
		if s.Members > 0 && (s.AvgCLVFen == nil || s.AvgMonetaryFen <= 0 || s.NameZH == "" || s.AdviceEN == "") {
			t.Errorf("segment row %+v", s)
		}
	}
	for _, row := range o.Grid {
		for _, n := range row {
			grid += n
		}
	}
	for _, c := range o.ValueClasses {
		classes += c.Members
	}
	if sum != run.Members || grid != run.Members || classes != run.Members {
		t.Errorf("segments %d, grid %d, classes %d, want %d", sum, grid, classes, run.Members)
	}

	// A store-bound viewer sees the members whose home store is theirs.
	var sid int64
	if err := db.QueryRow(ctx, `SELECT MIN(id) FROM stores`).Scan(&sid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.ExecContext(ctx, db.Rebind(`UPDATE members SET store_id = ? WHERE id % 3 = 0`), sid); err != nil {
		t.Fatal(err)
	}
	inStore := count(t, db, `SELECT COUNT(*) FROM member_scores s JOIN members m ON m.id = s.member_id WHERE m.id % 3 = 0`)
	manager := linli.Actor{Name: "mgr", Role: auth.RoleManager, StoreID: sid}
	for _, c := range []struct {
		who linli.Actor
		f   analysis.Filter
	}{{manager, analysis.Filter{}}, {manager, analysis.Filter{StoreID: sid + 1}}, {owner, analysis.Filter{StoreID: sid}}} {
		o, err := rep.Segments(ctx, c.who, c.f)
		if err != nil {
			t.Fatal(err)
		}
		if o.Members != inStore || o.StoreID != sid {
			t.Fatalf("%s, filter %+v: %d members (store %d), want %d", c.who.Name, c.f, o.Members, o.StoreID, inStore)
		}
	}

	v, err := rep.Value(ctx, analyst, analysis.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	inCLV, inAlive := 0, 0
	for _, b := range v.CLV {
		inCLV += b.Members
	}
	for _, b := range v.PAlive {
		inAlive += b.Members
	}
	if inCLV != run.Members || inAlive != run.Members || len(v.Top) != analysis.TopLimit {
		t.Fatalf("value: %d in the CLV histogram, %d in P(alive), %d top, want %d", inCLV, inAlive, len(v.Top), run.Members)
	}
	var best int64
	for _, s := range run.Scores {
		best = max(best, *s.CLVFen)
	}
	if *v.Top[0].CLVFen != best || !slices.IsSortedFunc(v.Top, func(a, b analysis.Scored) int { return int(*b.CLVFen - *a.CLVFen) }) {
		t.Errorf("top CLV %d, want %d, sorted", *v.Top[0].CLVFen, best)
	}

	// The churn list: P(alive) below the bound, most valuable first.
	p, err := rep.Churn(ctx, analyst, analysis.Filter{PAliveBelow: 0.3}, nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, s := range run.Scores {
		if *s.PAlive < 0.3 {
			want++
		}
	}
	if p.Total != want || want == 0 || len(p.Items) != min(20, want) {
		t.Fatalf("churn: %d of %d, %d items", p.Total, want, len(p.Items))
	}
	seen := map[int64]bool{}
	var last int64 = math.MaxInt64
	for cur := (*analysis.Cursor)(nil); ; {
		page, err := rep.Churn(ctx, analyst, analysis.Filter{PAliveBelow: 0.3}, cur, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if seen[it.MemberID] || it.ValueAtRiskFen > last || *it.PAlive >= 0.3 || len(it.Reasons) < 2 {
				t.Fatalf("churn item %+v after value %d", it, last)
			}
			if it.Frequency > 1 && it.EveryDays <= 0 {
				t.Errorf("member %d bought on %d days but has no usual interval", it.MemberID, it.Frequency)
			}
			seen[it.MemberID], last = true, it.ValueAtRiskFen
		}
		if page.Next == nil {
			break
		}
		cur = page.Next
	}
	if len(seen) != want {
		t.Errorf("paging saw %d of %d", len(seen), want)
	}
	if _, err := rep.Churn(ctx, analyst, analysis.Filter{Segment: "vip"}, nil, 20); linli.ErrorKind(err) != linli.KindInvalid {
		t.Errorf("bad segment: %v", err)
	}
	if _, err := rep.Churn(ctx, analyst, analysis.Filter{PAliveBelow: 2}, nil, 20); linli.ErrorKind(err) != linli.KindInvalid {
		t.Errorf("bad P(alive): %v", err)
	}
	if _, err := rep.Churn(ctx, cashier, analysis.Filter{}, nil, 20); linli.ErrorKind(err) != linli.KindForbidden {
		t.Errorf("cashier reads the churn list: %v", err)
	}

	c, err := rep.Clusters(ctx, analyst, analysis.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Clusters) != len(run.Detail.Clusters) || c.All == nil || c.All.Members != run.Members {
		t.Fatalf("clusters: %+v", c)
	}
	for i, cl := range c.Clusters {
		if cl.Members != run.Detail.Clusters[i].Size || cl.EN == "" || cl.AvgFrequency < 1 {
			t.Errorf("cluster %+v, run says %+v", cl, run.Detail.Clusters[i])
		}
	}

	// Audiences: the churn list saved whole; bad input saves nothing.
	for _, in := range []analysis.AudienceInput{
		{Name: "", Source: analysis.SourceChurn},
		{Name: "x", Source: "mailing"},
		{Name: "x", Source: analysis.SourceSegment},
		{Name: "x", Source: analysis.SourceChurn, PAliveBelow: 1.5},
		{Name: "x", Source: analysis.SourceChurn, MinValueFen: math.MaxInt64 / 2}, // nobody: empty
	} {
		if _, err := rep.CreateAudience(ctx, analyst, in); linli.ErrorKind(err) != linli.KindInvalid {
			t.Errorf("audience %+v: %v", in, err)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audiences`) + count(t, db, `SELECT COUNT(*) FROM audience_members`); n != 0 {
		t.Fatalf("bad input left %d rows", n)
	}
	au, err := rep.CreateAudience(ctx, analyst, analysis.AudienceInput{Name: " 流失挽回 ", Source: analysis.SourceChurn, PAliveBelow: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if au.Members != want || au.Name != "流失挽回" || au.Criteria.RunID != run.ID || !au.Criteria.Churn {
		t.Fatalf("audience %+v, want %d members", au, want)
	}
	seg, err := rep.CreateAudience(ctx, analyst, analysis.AudienceInput{Name: "champions", Source: analysis.SourceSegment, Segment: "champions"})
	if err != nil || seg.Members != run.Detail.Segments["champions"] {
		t.Fatalf("segment audience %+v: %v", seg, err)
	}
	list, next, err := rep.Audiences(ctx, analyst, 0, 1)
	if err != nil || len(list) != 1 || list[0].ID != seg.ID || next != seg.ID {
		t.Fatalf("audiences %+v next %d: %v", list, next, err)
	}
	got, err := rep.Audience(ctx, analyst, au.ID)
	if err != nil || got.Members != want || got.Criteria.PAliveBelow != 0.3 || got.CreatedBy != "ana" {
		t.Fatalf("audience %+v: %v", got, err)
	}
	var ids []int64
	for after := int64(0); ; {
		ms, next, err := rep.AudienceMembers(ctx, analyst, au.ID, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Score == nil || m.Score.MemberID != m.MemberID {
				t.Fatalf("member %+v", m)
			}
			ids = append(ids, m.MemberID)
		}
		if next == 0 {
			break
		}
		after = next
	}
	if len(ids) != want || !slices.IsSorted(ids) {
		t.Fatalf("%d audience members, want %d", len(ids), want)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'audience.create'`); n != 2 {
		t.Errorf("%d audit lines", n)
	}
	if _, err := rep.Audience(ctx, analyst, 999); linli.ErrorKind(err) != linli.KindNotFound {
		t.Errorf("missing audience: %v", err)
	}

	// Erasing a member takes it out; merging moves it to the survivor.
	key, _ := privacy.ParseKey(privacy.NewKey())
	vault, err := privacy.New(key)
	if err != nil {
		t.Fatal(err)
	}
	ms := member.NewService(store.NewMembers(db), vault, clock)
	erased, merged := ids[0], ids[1]
	if err := ms.Erase(ctx, owner, erased, "asked"); err != nil {
		t.Fatal(err)
	}
	var into int64 // a member in no audience
	for _, s := range run.Scores {
		if !slices.Contains(ids, s.MemberID) && s.Segment != "champions" {
			into = s.MemberID
			break
		}
	}
	if err := ms.Merge(ctx, owner, merged, into); err != nil {
		t.Fatal(err)
	}
	got, _ = rep.Audience(ctx, analyst, au.ID)
	rows := count(t, db, `SELECT COUNT(*) FROM audience_members WHERE audience_id = `+itoa(au.ID))
	if got.Members != want-1 || rows != want-1 {
		t.Errorf("after erase and merge: count %d, rows %d, want %d", got.Members, rows, want-1)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audience_members WHERE member_id IN (`+itoa(erased)+`, `+itoa(merged)+`)`); n != 0 {
		t.Errorf("erased or merged member left in %d audiences", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM audience_members WHERE member_id = `+itoa(into)); n != 1 {
		t.Errorf("survivor in %d audiences, want 1", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestRunProgressAndConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seed(t, db, 300)
		now := clock()
		tick := func() time.Time { return now }
		svc := analysis.New(store.NewAnalysis(db), tick)
		rep := analysis.NewReports(store.NewAnalytics(db), tick)

		if _, err := svc.Start(ctx, analyst, asOf); linli.ErrorKind(err) != linli.KindForbidden {
			t.Fatalf("analyst starts a run: %v", err)
		}
		// A run going elsewhere blocks both kinds of start.
		st := store.NewAnalysis(db)
		other, err := st.StartRun(ctx, analysis.Model, analysis.Version, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Start(ctx, owner, asOf); linli.ErrorKind(err) != linli.KindConflict {
			t.Fatalf("second start: %v", err)
		}
		if _, err := svc.Run(ctx, asOf, nil); linli.ErrorKind(err) != linli.KindConflict {
			t.Fatalf("second run: %v", err)
		}
		if err := st.Progress(ctx, other, analysis.Progress{Phase: analysis.PhaseWriting, Done: 5, Total: 10, At: now}); err != nil {
			t.Fatal(err)
		}
		state, err := rep.State(ctx, analyst)
		if err != nil || state.Current == nil || state.Current.ID != other || state.Current.Done != 5 || state.Current.Percent() != 55 {
			t.Fatalf("state while running: %+v %v", state.Current, err)
		}
		// Once it has said nothing for longer than StaleAfter it no longer
		// blocks, and shows as interrupted.
		now = now.Add(analysis.StaleAfter + time.Minute)
		if runs, _ := rep.Runs(ctx, analyst, 5); runs[0].Status != analysis.StatusInterrupted {
			t.Fatalf("stale run shown as %s", runs[0].Status)
		}
		id, err := svc.Start(ctx, owner, asOf)
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		run, err := rep.Run(ctx, analyst, id)
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != analysis.StatusDone || run.StartedBy != "boss" || run.Members != 300 || run.Phase != analysis.PhaseWriting ||
			run.Done != 300 || run.Total != 300 {
			t.Fatalf("background run %+v", run)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM analysis_runs WHERE status = 'failed' AND error = 'interrupted'`); n != 1 {
			t.Errorf("%d runs failed as interrupted", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'analysis.run'`); n != 1 {
			t.Errorf("%d audit lines for the start", n)
		}
		svc.Stop()
		if _, err := svc.Start(ctx, owner, asOf); linli.ErrorKind(err) != linli.KindUnavailable {
			t.Errorf("start after stop: %v", err)
		}
	})
}
