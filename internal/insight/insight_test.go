package insight

import (
	"context"
	"errors"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
)

// fakeSale is one sale of the fake store; lines are product codes whose
// category is their first letter.
type fakeSale struct {
	id, member, store int64
	at                time.Time
	amount            int64
	lines             []string
}

type fakeMember struct {
	id      int64
	store   int64
	gender  string
	year    int
	area    string
	created time.Time
}

// fakeStore keeps sales in memory and answers as the SQL store does.
type fakeStore struct {
	zones   map[int64]string
	sales   []fakeSale
	members []fakeMember
	calls   int
}

func (f *fakeStore) in(r Range, s fakeSale) bool {
	return (r.From.IsZero() || !s.at.Before(r.From)) && s.at.Before(r.To) && (r.StoreID == 0 || s.store == r.StoreID)
}

func (f *fakeStore) Zones(ctx context.Context) (map[int64]string, error) { return f.zones, nil }

func (f *fakeStore) BasketItems(ctx context.Context, r Range, byCategory bool, fn func(int64, string) error) error {
	f.calls++
	for _, s := range f.sales {
		if !f.in(r, s) {
			continue
		}
		for _, l := range s.lines {
			item := l
			if byCategory {
				item = l[:1]
			}
			if err := fn(s.id, item); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeStore) ProductNames(ctx context.Context, codes []string) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range codes {
		out[c] = "name-" + c
	}
	return out, nil
}

func (f *fakeStore) Purchases(ctx context.Context, r Range, fn func(int64, int64, time.Time) error) error {
	f.calls++
	ss := slices.Clone(f.sales)
	slices.SortStableFunc(ss, func(a, b fakeSale) int {
		if a.member != b.member {
			return int(a.member - b.member)
		}
		return a.at.Compare(b.at)
	})
	for _, s := range ss {
		if s.member != 0 && f.in(r, s) {
			if err := fn(s.member, s.store, s.at); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeStore) Joins(ctx context.Context, storeID int64, fn func(int64, time.Time) error) error {
	for _, m := range f.members {
		if storeID == 0 || m.store == storeID {
			if err := fn(m.id, m.created); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeStore) MemberTotals(ctx context.Context, r Range, fn func(MemberTotal) error) error {
	f.calls++
	for _, m := range f.members {
		t := MemberTotal{MemberID: m.id, Gender: m.gender, BirthYear: m.year, Area: m.area}
		for _, s := range f.sales {
			if s.member == m.id && f.in(r, s) {
				t.Sales++
				t.NetFen += s.amount
			}
		}
		if r.StoreID != 0 && m.store != r.StoreID && t.Sales == 0 {
			continue
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) MemberCategories(ctx context.Context, r Range, fn func(int64, string, int64) error) error {
	sums := map[[2]string]int64{}
	var keys [][2]string
	ids := map[string]int64{}
	for _, s := range f.sales {
		if s.member == 0 || !f.in(r, s) {
			continue
		}
		for _, l := range s.lines {
			k := [2]string{string(rune('0' + s.member)), l[:1]}
			ids[k[0]] = s.member
			if _, ok := sums[k]; !ok {
				keys = append(keys, k)
			}
			sums[k] += s.amount / int64(len(s.lines))
		}
	}
	for _, k := range keys {
		if err := fn(ids[k[0]], k[1], sums[k]); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) Visits(ctx context.Context, r Range, fn func(Visit) error) error {
	for _, s := range f.sales {
		if f.in(r, s) {
			if err := fn(Visit{MemberID: s.member, StoreID: s.store, At: s.at, AmountFen: s.amount, Items: len(s.lines)}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeStore) CategoryBuckets(ctx context.Context, stores []int64, bounds []time.Time, fn func(int, string, int64) error) error {
	for i := 0; i+1 < len(bounds); i++ {
		sums := map[string]int64{}
		for _, s := range f.sales {
			if (len(stores) == 0 || slices.Contains(stores, s.store)) && !s.at.Before(bounds[i]) && s.at.Before(bounds[i+1]) {
				for _, l := range s.lines {
					sums[l[:1]] += s.amount / int64(len(s.lines))
				}
			}
		}
		for c, v := range sums {
			if err := fn(i, c, v); err != nil {
				return err
			}
		}
	}
	return nil
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// now is Wednesday 2026-11-18 15:00 in Shanghai.
var now = time.Date(2026, 11, 18, 15, 0, 0, 0, shanghai)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(f *fakeStore) (*Service, *clock) {
	c := &clock{t: now}
	if f.zones == nil {
		f.zones = map[int64]string{1: "Asia/Shanghai", 2: "Asia/Shanghai"}
	}
	return New(f, c.now), c
}

// basketStore: 100 baskets over the last 30 days; A and B together in 20,
// A alone in 10, B alone in 10, C in every fifth.
func basketStore() *fakeStore {
	f := &fakeStore{}
	for i := range 100 {
		var lines []string
		switch {
		case i < 20:
			lines = []string{"A1", "B1"}
		case i < 30:
			lines = []string{"A1"}
		case i < 40:
			lines = []string{"B1"}
		default:
			lines = []string{"D1"}
		}
		if i%5 == 0 {
			lines = append(lines, "C1")
		}
		f.sales = append(f.sales, fakeSale{id: int64(i + 1), member: int64(i%7 + 1), store: 1,
			at: now.AddDate(0, 0, -(i % 30)), amount: 1000, lines: lines})
	}
	return f
}

func TestRules(t *testing.T) {
	f := basketStore()
	s, _ := newService(f)
	ctx := context.Background()
	res, err := s.Rules(ctx, RulesQuery{MinSupport: 0.1, MinConfidence: 0.5, MinLift: -1, Sort: SortLift, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baskets != 100 || res.Items != 4 {
		t.Errorf("baskets %d, items %d; want 100 and 4", res.Baskets, res.Items)
	}
	// A ⇒ B: 20 of the 30 baskets with A; B is in 30 of 100: lift 2.22.
	var ab *Rule
	for i, r := range res.Rules {
		if len(r.LHS) == 1 && r.LHS[0].Key == "A1" && r.RHS.Key == "B1" {
			ab = &res.Rules[i]
		}
	}
	if ab == nil {
		t.Fatalf("no rule A1 ⇒ B1 in %+v", res.Rules)
	}
	if ab.Count != 20 || ab.Support != 0.2 || math.Abs(ab.Confidence-2.0/3) > 1e-12 || math.Abs(ab.Lift-(2.0/3)/0.3) > 1e-12 {
		t.Errorf("A1 ⇒ B1 = %+v", *ab)
	}
	if ab.LHS[0].Name != "name-A1" {
		t.Errorf("lhs name %q", ab.LHS[0].Name)
	}
	if res.Bounds.To != "2026-11-18" || res.Bounds.From != "2026-08-21" || res.Bounds.Zone != "Asia/Shanghai" {
		t.Errorf("bounds %+v", res.Bounds)
	}

	// Filters: an item that no rule holds, a lift nothing reaches.
	for _, q := range []RulesQuery{
		{MinSupport: 0.1, MinConfidence: 0.5, MinLift: -1, Contains: "zzz"},
		{MinSupport: 0.1, MinConfidence: 0.5, MinLift: 100},
	} {
		res, err := s.Rules(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Matched != 0 || len(res.Rules) != 0 || res.Found == 0 {
			t.Errorf("%+v: found %d, matched %d", q, res.Found, res.Matched)
		}
	}
	// The item filter matches names too, case-insensitively.
	res, err = s.Rules(ctx, RulesQuery{MinSupport: 0.1, MinConfidence: 0.5, MinLift: -1, Contains: "NAME-b"})
	if err != nil || res.Matched == 0 {
		t.Fatalf("by name: %v, %+v", err, res)
	}
	for _, r := range res.Rules {
		if !ruleHas(r, "b1") {
			t.Errorf("rule without B1: %+v", r)
		}
	}
	// Mining ran once for the three queries with the same thresholds.
	if f.calls != 1 {
		t.Errorf("baskets read %d times, want 1 (cached)", f.calls)
	}

	// Sorted by support, descending; the limit cuts.
	res, err = s.Rules(ctx, RulesQuery{MinSupport: 0.05, MinConfidence: 0, MinLift: 0, Sort: SortSupport, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rules) != 3 || res.Matched <= 3 {
		t.Fatalf("limit: %d rules of %d", len(res.Rules), res.Matched)
	}
	for i := 1; i < len(res.Rules); i++ {
		if res.Rules[i].Support > res.Rules[i-1].Support {
			t.Errorf("not by support: %+v", res.Rules)
		}
	}

	// Categories: A ⇒ B as well.
	res, err = s.Rules(ctx, RulesQuery{Level: LevelCategory, MinConfidence: 0.5, MinLift: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.MinSupport != DefaultCategorySupport || res.MinLift != DefaultCategoryLift {
		t.Errorf("category defaults %v, %v", res.MinSupport, res.MinLift)
	}
	found := false
	for _, r := range res.Rules {
		found = found || r.RHS.Key == "B" && len(r.LHS) == 1 && r.LHS[0].Key == "A"
	}
	if !found {
		t.Errorf("no category rule A ⇒ B: %+v", res.Rules)
	}
}

func TestRulesCacheExpires(t *testing.T) {
	f := basketStore()
	s, c := newService(f)
	ctx := context.Background()
	q := RulesQuery{MinSupport: 0.1, MinLift: -1}
	first, err := s.Rules(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(CacheTTL - time.Second)
	if _, err := s.Rules(ctx, q); err != nil {
		t.Fatal(err)
	}
	if f.calls != 1 {
		t.Fatalf("read %d times within the TTL", f.calls)
	}
	// Past the TTL the last result is answered at once and a fresh one
	// computed for the next request.
	c.t = c.t.Add(2 * time.Second)
	stale, err := s.Rules(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !stale.Bounds.Computed.Equal(first.Bounds.Computed) {
		t.Errorf("past the TTL: computed at %v, want the first result's %v", stale.Bounds.Computed, first.Bounds.Computed)
	}
	s.cache.refreshes.Wait()
	if f.calls != 2 {
		t.Errorf("read %d times after the TTL, want 2", f.calls)
	}
	fresh, err := s.Rules(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !fresh.Bounds.Computed.Equal(c.t) || f.calls != 2 {
		t.Errorf("after the refresh: computed at %v, want %v; %d reads", fresh.Bounds.Computed, c.t, f.calls)
	}
	// Beyond MaxStale a result is computed before it is answered.
	c.t = c.t.Add(MaxStale + time.Second)
	late, err := s.Rules(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !late.Bounds.Computed.Equal(c.t) || f.calls != 3 {
		t.Errorf("beyond MaxStale: computed at %v, want %v; %d reads", late.Bounds.Computed, c.t, f.calls)
	}
	s.cache.refreshes.Wait()
	if f.calls != 3 {
		t.Errorf("%d reads, want 3", f.calls)
	}
}

// A refresh that fails keeps the stale result, which the next request gets
// (and refreshes) again.
func TestCacheRefreshFails(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	c := cache{ttl: time.Minute, stale: time.Hour, now: func() time.Time { return now }, m: map[string]*entry{}}
	ctx := context.Background()
	if v, err := c.get(ctx, "k", func(ctx context.Context) (any, error) { return 1, nil }); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	now = now.Add(2 * time.Minute)
	boom := func(ctx context.Context) (any, error) { return nil, errors.New("boom") }
	for range 2 {
		if v, err := c.get(ctx, "k", boom); err != nil || v != 1 {
			t.Fatalf("stale answer: %v, %v", v, err)
		}
		c.refreshes.Wait()
	}
	if v, err := c.get(ctx, "k", func(ctx context.Context) (any, error) { return 2, nil }); err != nil || v != 1 {
		t.Fatalf("stale answer: %v, %v", v, err)
	}
	c.refreshes.Wait()
	if v, err := c.get(ctx, "k", boom); err != nil || v != 2 {
		t.Fatalf("refreshed answer: %v, %v", v, err)
	}
}

// A failed computation is not cached: the next call tries again.
func TestCacheForgetsErrors(t *testing.T) {
	c := cache{ttl: time.Minute, stale: time.Hour, now: time.Now, m: map[string]*entry{}}
	calls := 0
	fail := func(ctx context.Context) (any, error) { calls++; return nil, errors.New("boom") }
	for range 2 {
		if _, err := c.get(context.Background(), "k", fail); err == nil {
			t.Fatal("no error")
		}
	}
	if calls != 2 {
		t.Errorf("%d calls, want 2", calls)
	}
	v, err := c.get(context.Background(), "k", func(ctx context.Context) (any, error) { return 7, nil })
	if err != nil || v != 7 {
		t.Errorf("%v, %v", v, err)
	}
	// The cache stays bounded.
	for i := range 3 * cacheSize {
		c.get(context.Background(), keyOf(i), func(ctx context.Context) (any, error) { return i, nil })
	}
	if len(c.m) > cacheSize {
		t.Errorf("%d entries", len(c.m))
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		query, code, field string
		parse              func(url.Values) error
	}{
		{"from=2026-13-01", "insight.date_invalid", "from", rules},
		{"to=yesterday", "insight.date_invalid", "to", rules},
		{"min_support=0", "insight.number_invalid", "min_support", rules},
		{"min_support=abc", "insight.number_invalid", "min_support", rules},
		{"min_confidence=1.5", "insight.number_invalid", "min_confidence", rules},
		{"min_lift=-1", "insight.number_invalid", "min_lift", rules},
		{"level=brand", "insight.choice_invalid", "level", rules},
		{"sort=name", "insight.choice_invalid", "sort", rules},
		{"limit=0", "insight.number_invalid", "limit", rules},
		{"store_id=x", "insight.store_invalid", "store_id", rules},
		{"item=" + strings.Repeat("x", 101), "insight.item_too_long", "item", rules},
		{"months=1", "insight.number_invalid", "months", func(v url.Values) error { _, err := ParseLifecycleQuery(v); return err }},
		{"weeks=4", "insight.number_invalid", "weeks", func(v url.Values) error { _, err := ParseForecastQuery(v); return err }},
		{"horizon=27", "insight.number_invalid", "horizon", func(v url.Values) error { _, err := ParseForecastQuery(v); return err }},
		{"from=2026-1-1", "insight.date_invalid", "from", func(v url.Values) error { _, err := ParseGroupsQuery(v); return err }},
		{"to=x", "insight.date_invalid", "to", func(v url.Values) error { _, err := ParseHabitsQuery(v); return err }},
	} {
		v, _ := url.ParseQuery(c.query)
		err := c.parse(v)
		e, ok := linli.AsError(err)
		if !ok || e.Kind != linli.KindInvalid || e.Code != c.code || len(e.Fields) == 0 || e.Fields[0].Field != c.field {
			t.Errorf("%s: %v, want %s on %s", c.query, err, c.code, c.field)
		}
	}
	v, _ := url.ParseQuery("min_support=0.3%25&min_confidence=0.1&level=category&sort=support&limit=5")
	q, err := ParseRulesQuery(v)
	if err != nil || math.Abs(q.MinSupport-0.003) > 1e-12 || q.Level != LevelCategory || q.Limit != 5 {
		t.Errorf("good query: %+v, %v", q, err)
	}
}

func rules(v url.Values) error { _, err := ParseRulesQuery(v); return err }

func TestPeriodErrors(t *testing.T) {
	s, _ := newService(basketStore())
	ctx := context.Background()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		q    RulesQuery
		code string
	}{
		{RulesQuery{Period: Period{From: day("2026-11-10"), To: day("2026-11-01")}}, "insight.period_reversed"},
		{RulesQuery{Period: Period{From: day("2020-01-01"), To: day("2026-11-01")}}, "insight.period_too_long"},
		{RulesQuery{StoreID: 9}, "insight.store_unknown"},
		{RulesQuery{MinSupport: 0.00001}, "insight.number_invalid"},
	} {
		_, err := s.Rules(ctx, c.q)
		if e, ok := linli.AsError(err); !ok || e.Code != c.code {
			t.Errorf("%+v: %v, want %s", c.q, err, c.code)
		}
	}
	// A day period: from and to the same day holds that day's sales.
	res, err := s.Rules(ctx, RulesQuery{Period: Period{From: day("2026-11-18"), To: day("2026-11-18")}, MinSupport: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Baskets != 4 { // i = 0, 30, 60, 90
		t.Errorf("one day: %d baskets, want 4", res.Baskets)
	}
}

func TestScopeStore(t *testing.T) {
	for _, c := range []struct {
		asked, scope, want int64
		ok                 bool
	}{
		{0, 0, 0, true}, {2, 0, 2, true}, {0, 3, 3, true}, {3, 3, 3, true}, {2, 3, 0, false},
	} {
		got, err := ScopeStore(c.asked, c.scope)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ScopeStore(%d, %d) = %d, %v", c.asked, c.scope, got, err)
		}
		if err != nil && linli.ErrorKind(err) != linli.KindForbidden {
			t.Errorf("kind %v", linli.ErrorKind(err))
		}
	}
}

func TestLifecycle(t *testing.T) {
	f := &fakeStore{}
	// Member 1 buys every week for two years: loyal. Member 2 bought once
	// 200 days ago: lapsed. Member 3 registered a month ago and never
	// bought: prospect. Member 4 first bought this month: new.
	for d := 0; d < 730; d += 7 {
		f.sales = append(f.sales, fakeSale{member: 1, store: 1, at: now.AddDate(0, 0, -d), amount: 100})
	}
	f.sales = append(f.sales, fakeSale{member: 2, store: 1, at: now.AddDate(0, 0, -200), amount: 100},
		fakeSale{member: 4, store: 2, at: now.AddDate(0, 0, -3), amount: 100})
	for i, created := range []time.Time{now.AddDate(-3, 0, 0), now.AddDate(-1, 0, 0), now.AddDate(0, -1, 0), now.AddDate(0, 0, -5)} {
		f.members = append(f.members, fakeMember{id: int64(i + 1), store: 1, created: created})
	}
	s, _ := newService(f)
	res, err := s.Lifecycle(context.Background(), LifecycleQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Months) != LifecycleMonths || res.Months[11].Month != "2026-11" || res.Months[0].Month != "2025-12" {
		t.Fatalf("months %+v", res.Months)
	}
	if len(res.Transitions) != LifecycleMonths-1 {
		t.Errorf("%d transitions", len(res.Transitions))
	}
	last := res.Months[11].Counts
	want := map[string]int{"loyal": 1, "lapsed": 1, "prospect": 1, "new": 1}
	for k, v := range want {
		if last[k] != v {
			t.Errorf("%s = %d, want %d (%v)", k, last[k], v, last)
		}
	}
	// Every member is counted once per month, and the flows into a month
	// add up to its counts.
	for i, m := range res.Months {
		sum := 0
		for _, c := range m.Counts {
			sum += c
		}
		if sum != res.Members {
			t.Errorf("%s: %d members counted, want %d", m.Month, sum, res.Members)
		}
		if i == 0 {
			continue
		}
		into := map[string]int{}
		for _, fl := range res.Transitions[i-1].Flows {
			into[fl.To] += fl.Count
		}
		for k, c := range m.Counts {
			if k != "absent" && into[k] != c {
				t.Errorf("%s: %d flow into %s, count %d", m.Month, into[k], k, c)
			}
		}
	}
	if res.Stages[0].Key != "absent" || res.Stages[4].ZH != "忠诚客户" {
		t.Errorf("stages %+v", res.Stages)
	}
}

func TestGroups(t *testing.T) {
	f := &fakeStore{members: []fakeMember{
		{id: 1, store: 1, gender: "F", year: 1990, area: "幸福里"},
		{id: 2, store: 1, gender: "M", year: 1960, area: "幸福里"},
		{id: 3, store: 2, gender: "", year: 0, area: ""},
	}}
	f.sales = []fakeSale{
		{member: 1, store: 1, at: now.AddDate(0, 0, -1), amount: 3000, lines: []string{"A1", "B1"}},
		{member: 1, store: 1, at: now.AddDate(0, 0, -10), amount: 1000, lines: []string{"A1"}},
		{member: 2, store: 2, at: now.AddDate(0, 0, -2), amount: 500, lines: []string{"C1"}},
		{member: 2, store: 1, at: now.AddDate(-2, 0, 0), amount: 9999, lines: []string{"C1"}}, // before the period
	}
	s, _ := newService(f)
	res, err := s.Groups(context.Background(), GroupsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Members != 3 || res.Total.Buyers != 2 || res.Total.Sales != 3 || res.Total.RevenueFen != 4500 {
		t.Errorf("total %+v", res.Total)
	}
	// Age from the birth year: 2026 − 1990 = 36, 2026 − 1960 = 66.
	byKey := func(gs []Group, key string) Group {
		for _, g := range gs {
			if g.Key == key {
				return g
			}
		}
		t.Fatalf("no group %s", key)
		return Group{}
	}
	if g := byKey(res.Age, "35_44"); g.Members != 1 || g.RevenueFen != 4000 || g.AvgPerSale != 2000 || g.Frequency != 2 {
		t.Errorf("35–44: %+v", g)
	}
	if g := byKey(res.Age, "65_plus"); g.Members != 1 || g.RevenueFen != 500 {
		t.Errorf("65+: %+v", g)
	}
	if g := byKey(res.Gender, "female"); g.ZH != "女" || len(g.TopCategories) != 2 || g.TopCategories[0].Category != "A" {
		t.Errorf("female: %+v", g)
	}
	if g := res.Area[0]; g.Key != "幸福里" || g.Members != 2 || res.Area[len(res.Area)-1].Key != "unknown" {
		t.Errorf("areas %+v", res.Area)
	}
	// One store: its members and those who bought there.
	res, err = s.Groups(context.Background(), GroupsQuery{StoreID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Members != 2 || res.Total.RevenueFen != 500 {
		t.Errorf("store 2: %+v", res.Total)
	}
}

func TestHabits(t *testing.T) {
	f := &fakeStore{zones: map[int64]string{1: "Asia/Shanghai", 2: "Europe/Berlin"}}
	// Three sales on Monday 2026-11-16 at 09:xx Shanghai time, one at
	// 09:30 Berlin time in store 2 (which reads as 09:00 on the chain's
	// clock), and one anonymous at 20:00 with 13 items.
	mon := time.Date(2026, 11, 16, 9, 10, 0, 0, shanghai)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	f.sales = []fakeSale{
		{member: 1, store: 1, at: mon, amount: 1000, lines: []string{"A1"}},
		{member: 1, store: 1, at: mon.Add(20 * time.Minute), amount: 2000, lines: []string{"A1", "B1"}},
		{member: 2, store: 1, at: mon.Add(40 * time.Minute), amount: 3000, lines: []string{"B1", "B2", "C1"}},
		{member: 2, store: 2, at: time.Date(2026, 11, 16, 9, 30, 0, 0, berlin), amount: 500, lines: []string{"C1"}},
		{member: 0, store: 1, at: time.Date(2026, 11, 17, 20, 0, 0, 0, shanghai), amount: 9000, lines: slices.Repeat([]string{"D1"}, 13)},
	}
	s, _ := newService(f)
	res, err := s.Habits(context.Background(), HabitsQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Visits != 5 || res.AmountFen != 15500 {
		t.Errorf("visits %d, amount %d", res.Visits, res.AmountFen)
	}
	if res.Heat[time.Monday][9] != 4 || res.Heat[time.Tuesday][20] != 1 {
		t.Errorf("heat Monday 9:00 %d, Tuesday 20:00 %d", res.Heat[time.Monday][9], res.Heat[time.Tuesday][20])
	}
	if len(res.Peaks) == 0 || res.Peaks[0].Weekday != 1 || res.Peaks[0].Hour != 9 {
		t.Errorf("peaks %+v", res.Peaks)
	}
	// Sizes: 1 item twice, 2 once, 3 once, 13 once.
	want := map[int]int64{1: 2, 2: 1, 3: 1, 13: 1}
	for _, b := range res.Sizes {
		if b.Visits != want[b.Min] {
			t.Errorf("band %d–%d: %d visits, want %d", b.Min, b.MaxItems, b.Visits, want[b.Min])
		}
	}
	if res.Members != 2 || res.Dayparts[0].Key != "morning" || res.Dayparts[0].Members != 2 {
		t.Errorf("members %d, dayparts %+v", res.Members, res.Dayparts)
	}
	if len(res.Categories) == 0 || res.Categories[0].Share <= 0 {
		t.Errorf("categories %+v", res.Categories)
	}
	sum := 0.0
	for _, c := range res.Categories {
		sum += c.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares add up to %v", sum)
	}
}

func TestForecast(t *testing.T) {
	f := &fakeStore{}
	// Two categories over 60 weeks: A grows slowly with noise, B is
	// constant.
	monday := time.Date(2026, 11, 16, 10, 0, 0, 0, shanghai)
	for w := 1; w <= 60; w++ {
		at := monday.AddDate(0, 0, -7*w)
		amount := int64(100000 + 500*(60-w) + (w%3)*3000)
		f.sales = append(f.sales, fakeSale{store: 1, at: at, amount: amount, lines: []string{"A1"}},
			fakeSale{store: 1, at: at.Add(time.Hour), amount: 5000, lines: []string{"B1"}})
	}
	s, _ := newService(f)
	res, err := s.Forecast(context.Background(), ForecastQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Weeks) != DefaultHistoryWeeks || len(res.Ahead) != DefaultHorizon || res.Ahead[0] != "2026-11-16" ||
		res.Weeks[len(res.Weeks)-1] != "2026-11-09" || res.Bounds.To != "2026-11-15" {
		t.Fatalf("weeks %v … ahead %v, bounds %+v", res.Weeks[len(res.Weeks)-1], res.Ahead, res.Bounds)
	}
	if len(res.Categories) != 2 || res.Categories[0].Category != "A" {
		t.Fatalf("categories %+v", res.Categories)
	}
	a := res.Categories[0]
	if a.History[len(a.History)-1] != 100000+500*59+3000 {
		t.Errorf("last week %d", a.History[len(a.History)-1])
	}
	for i := range a.Mean {
		if !(a.Lower95[i] <= a.Lower80[i] && a.Lower80[i] <= a.Mean[i] && a.Mean[i] <= a.Upper80[i] && a.Upper80[i] <= a.Upper95[i]) {
			t.Errorf("week %d: %d ≤ %d ≤ %d ≤ %d ≤ %d", i, a.Lower95[i], a.Lower80[i], a.Mean[i], a.Upper80[i], a.Upper95[i])
		}
	}
	if a.MASE == nil || a.BaselineMASE == nil || a.Origins == 0 || res.Baseline != "naive" {
		t.Errorf("hold-out: %+v, baseline %s", a, res.Baseline)
	}
	// A constant series cannot be scaled: no MASE, but a forecast.
	if b := res.Categories[1]; b.MASE != nil || b.Mean[0] != 5000 {
		t.Errorf("constant: %+v", b)
	}
	one, err := s.Forecast(context.Background(), ForecastQuery{Category: "B"})
	if err != nil || len(one.Categories) != 1 || one.Categories[0].Category != "B" {
		t.Errorf("one category: %v %+v", err, one)
	}
	if _, err := s.Forecast(context.Background(), ForecastQuery{Category: "Z"}); linli.ErrorKind(err) != linli.KindInvalid {
		t.Errorf("unknown category: %v", err)
	}
}

// Callers asking for a result being computed wait for it; when the
// computation they waited for was cancelled, they compute it themselves.
func TestCacheWaits(t *testing.T) {
	c := cache{ttl: time.Minute, stale: time.Hour, now: time.Now, m: map[string]*entry{}}
	started, release := make(chan struct{}), make(chan struct{})
	calls := 0
	slow := func(ctx context.Context) (any, error) {
		calls++
		close(started)
		<-release
		return "first", nil
	}
	done := make(chan any)
	go func() { v, _ := c.get(context.Background(), "k", slow); done <- v }()
	<-started
	go func() {
		v, _ := c.get(context.Background(), "k", func(context.Context) (any, error) { return "second", nil })
		done <- v
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	if a, b := <-done, <-done; a != "first" || b != "first" || calls != 1 {
		t.Errorf("got %v and %v after %d computations, want first twice after 1", a, b, calls)
	}

	ctx, cancel := context.WithCancel(context.Background())
	started = make(chan struct{})
	go func() {
		c.get(ctx, "c", func(ctx context.Context) (any, error) { close(started); <-ctx.Done(); return nil, ctx.Err() })
	}()
	<-started
	go func() {
		v, err := c.get(context.Background(), "c", func(context.Context) (any, error) { return "mine", nil })
		if err != nil {
			done <- err
			return
		}
		done <- v
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if v := <-done; v != "mine" {
		t.Errorf("after the first caller gave up: %v", v)
	}
}

// TestWarm: Warm computes the pages' default analyses once, which the
// pages then find; it leaves results it holds, however old, to be
// refreshed when looked at, and computes the new day's.
func TestWarm(t *testing.T) {
	f := basketStore()
	s, c := newService(f)
	ctx := context.Background()
	n, err := s.Warm(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * len(warmers); n != want { // the chain and its two stores
		t.Fatalf("warmed %d, want %d", n, want)
	}
	calls := f.calls
	q, _ := ParseRulesQuery(url.Values{})
	q.StoreID = 1
	if _, err := s.Rules(ctx, q); err != nil {
		t.Fatal(err)
	}
	fq, _ := ParseForecastQuery(url.Values{})
	if _, err := s.Forecast(ctx, fq); err != nil {
		t.Fatal(err)
	}
	if f.calls != calls {
		t.Errorf("the pages read the store %d times after Warm", f.calls-calls)
	}
	c.t = c.t.Add(CacheTTL + time.Minute)
	if n, err := s.Warm(ctx); n != 0 || err != nil {
		t.Errorf("second warm: %d, %v", n, err)
	}
	s.cache.refreshes.Wait()
	if f.calls != calls {
		t.Errorf("a warm of stale results read the store %d times", f.calls-calls)
	}
	// The next day in Shanghai: the periods that end today move (those of
	// whole weeks or months may not).
	c.t = c.t.Add(12 * time.Hour)
	if n, err := s.Warm(ctx); n == 0 || n > 3*len(warmers) || err != nil {
		t.Errorf("next day's warm: %d, %v", n, err)
	}
	if n, err := s.Warm(ctx); n != 0 || err != nil {
		t.Errorf("next day's second warm: %d, %v", n, err)
	}

	// A chain too big for half the cache: the chain's analyses only.
	f = basketStore()
	f.zones = map[int64]string{}
	for id := range int64(10) {
		f.zones[id+1] = "Asia/Shanghai"
	}
	s, _ = newService(f)
	if n, err := s.Warm(ctx); n != len(warmers) || err != nil {
		t.Errorf("ten stores: warmed %d, %v", n, err)
	}
}
