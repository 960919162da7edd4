package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/linli/linli/internal/insight"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// insightLine is a hand-made sale line: product code, category, amount and
// whether it was refunded in full.
type insightLine struct {
	code, cat string
	amount    int64
	refunded  bool
}

type insightSale struct {
	member, store int64 // member 0: anonymous
	at            time.Time
	amount, ref   int64
	status        string
	lines         []insightLine
}

var insT0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai

// seedInsights writes two stores, four members (the fourth merged, the
// third erased) and the sales.
func seedInsights(t *testing.T, db *store.DB, sales []insightSale) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *store.Tx) error {
		for i, tz := range []string{"Asia/Shanghai", "Asia/Shanghai"} {
			if _, err := tx.Exec(ctx, `INSERT INTO stores (id, code, name, timezone, created_at) VALUES (?, ?, ?, ?, 0)`,
				i+1, fmt.Sprintf("S%d", i+1), fmt.Sprintf("Shop %d", i+1), tz); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			id, store int64
			gender    string
			year      any
			area      string
			status    string
		}{
			{1, 1, "F", 1990, "幸福里", "active"},
			{2, 1, "M", 1960, "阳光城", "inactive"},
			{3, 2, "", nil, "", "erased"},
			{4, 2, "F", 1980, "幸福里", "merged"},
		} {
			if _, err := tx.Exec(ctx, `INSERT INTO members (id, card_no, gender, birth_year, area, store_id, status, created_at, updated_at, last_active_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`, m.id, fmt.Sprintf("C%d", m.id), m.gender, m.year, m.area, m.store, m.status,
				store.Millis(insT0.AddDate(-1, 0, int(m.id)))); err != nil {
				return err
			}
		}
		for _, p := range [][2]string{{"A", "苹果"}, {"B", "面包"}, {"C", "牛奶"}} {
			if _, err := tx.Exec(ctx, `INSERT INTO products (code, name, price_fen, created_at, updated_at) VALUES (?, ?, 100, 0, 0)`, p[0], p[1]); err != nil {
				return err
			}
		}
		for i, s := range sales {
			var member any
			if s.member != 0 {
				member = s.member
			}
			status := s.status
			if status == "" {
				status = "completed"
			}
			id, err := tx.InsertID(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, sold_at,
				amount_fen, refunded_fen, status, created_at) VALUES (?, 'T1', ?, ?, ?, ?, ?, ?, ?, 0)`,
				s.store, fmt.Sprint(i), []byte{byte(i)}, member, store.Millis(s.at), s.amount, s.ref, status)
			if err != nil {
				return err
			}
			for j, l := range s.lines {
				var rq, rf int64
				if l.refunded {
					rq, rf = 1, l.amount
				}
				if _, err := tx.Exec(ctx, `INSERT INTO sale_lines (sale_id, line_no, product_code, name, category, quantity,
					unit_price_fen, amount_fen, refunded_qty, refunded_fen) VALUES (?, ?, ?, '', ?, 1, ?, ?, ?, ?)`,
					id, j+1, l.code, l.cat, l.amount, l.amount, rq, rf); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func insightSales() []insightSale {
	day := func(d int) time.Time { return insT0.AddDate(0, 0, d) }
	return []insightSale{
		{member: 1, store: 1, at: day(0), amount: 1000, lines: []insightLine{{"A", "X", 500, false}, {"B", "Y", 500, false}}},
		{member: 1, store: 1, at: day(1), amount: 800, ref: 300, lines: []insightLine{{"A", "X", 300, true}, {"C", "Y", 500, false}}},
		{member: 2, store: 2, at: day(2), amount: 600, lines: []insightLine{{"B", "Y", 600, false}}},
		{member: 0, store: 1, at: day(3), amount: 400, lines: []insightLine{{"A", "X", 100, false}, {"C", "Y", 300, false}}},
		{member: 2, store: 1, at: day(4), amount: 999, status: "voided", lines: []insightLine{{"A", "X", 999, false}}},
		{member: 2, store: 1, at: day(5), amount: 700, ref: 700, status: "refunded", lines: []insightLine{{"A", "X", 700, true}}},
		{member: 1, store: 1, at: day(-400), amount: 700, lines: []insightLine{{"A", "X", 700, false}}},
		{member: 1, store: 1, at: day(20), amount: 100, lines: []insightLine{{"B", "Y", 100, false}}}, // after the range
	}
}

func TestInsightStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		seedInsights(t, db, insightSales())
		st := store.NewInsights(db)
		r := insight.Range{From: insT0, To: insT0.AddDate(0, 0, 10)}

		zones, err := st.Zones(ctx)
		if err != nil || len(zones) != 2 || zones[1] != "Asia/Shanghai" {
			t.Errorf("zones %v, %v", zones, err)
		}

		baskets := func(r insight.Range, byCat bool) [][]string {
			t.Helper()
			var out [][]string
			last := int64(-1)
			err := st.BasketItems(ctx, r, byCat, func(sale int64, item string) error {
				if sale != last {
					out = append(out, nil)
					last = sale
				}
				out[len(out)-1] = append(out[len(out)-1], item)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range out {
				slices.Sort(b)
			}
			return out
		}
		// Voided and wholly refunded sales and lines refunded in full are
		// not in any basket; sales come in time order.
		if got, want := baskets(r, false), [][]string{{"A", "B"}, {"C"}, {"B"}, {"A", "C"}}; !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("product baskets %v, want %v", got, want)
		}
		if got, want := baskets(r, true), [][]string{{"X", "Y"}, {"Y"}, {"Y"}, {"X", "Y"}}; !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("category baskets %v, want %v", got, want)
		}
		if got := baskets(insight.Range{From: r.From, To: r.To, StoreID: 2}, false); len(got) != 1 || got[0][0] != "B" {
			t.Errorf("store 2 baskets %v", got)
		}

		names, err := st.ProductNames(ctx, []string{"A", "C", "Z"})
		if err != nil || !maps.Equal(names, map[string]string{"A": "苹果", "C": "牛奶"}) {
			t.Errorf("names %v, %v", names, err)
		}

		// Purchases from the first sale on, by member and time.
		type buy struct {
			member, store int64
			at            time.Time
		}
		var buys []buy
		err = st.Purchases(ctx, insight.Range{To: r.To}, func(m, s int64, at time.Time) error {
			buys = append(buys, buy{m, s, at})
			return nil
		})
		want := []buy{{1, 1, insT0.AddDate(0, 0, -400)}, {1, 1, insT0}, {1, 1, insT0.AddDate(0, 0, 1)}, {2, 2, insT0.AddDate(0, 0, 2)}}
		if err != nil || !slices.EqualFunc(buys, want, func(a, b buy) bool { return a.member == b.member && a.store == b.store && a.at.Equal(b.at) }) {
			t.Errorf("purchases %v, %v; want %v", buys, err, want)
		}
		buys = nil
		if err := st.Purchases(ctx, insight.Range{From: insT0, To: r.To, StoreID: 2}, func(m, s int64, at time.Time) error {
			buys = append(buys, buy{m, s, at})
			return nil
		}); err != nil || len(buys) != 1 || buys[0].member != 2 {
			t.Errorf("store 2 purchases %v, %v", buys, err)
		}

		var joined []int64
		if err := st.Joins(ctx, 0, func(m int64, at time.Time) error {
			joined = append(joined, m)
			if !at.Equal(insT0.AddDate(-1, 0, int(m))) {
				t.Errorf("member %d joined %v", m, at)
			}
			return nil
		}); err != nil || !slices.Equal(joined, []int64{1, 2, 3}) {
			t.Errorf("joins %v, %v", joined, err)
		}

		var totals []insight.MemberTotal
		collect := func(x insight.MemberTotal) error { totals = append(totals, x); return nil }
		if err := st.MemberTotals(ctx, r, collect); err != nil {
			t.Fatal(err)
		}
		wantTotals := []insight.MemberTotal{
			{MemberID: 1, Gender: "F", BirthYear: 1990, Area: "幸福里", Sales: 2, NetFen: 1500},
			{MemberID: 2, Gender: "M", BirthYear: 1960, Area: "阳光城", Sales: 1, NetFen: 600},
		}
		if !slices.Equal(totals, wantTotals) {
			t.Errorf("totals %+v, want %+v", totals, wantTotals)
		}
		// Store 2: nobody registered there is active, member 2 bought there.
		totals = nil
		if err := st.MemberTotals(ctx, insight.Range{From: r.From, To: r.To, StoreID: 2}, collect); err != nil {
			t.Fatal(err)
		}
		if len(totals) != 1 || totals[0].MemberID != 2 || totals[0].NetFen != 600 {
			t.Errorf("store 2 totals %+v", totals)
		}

		cats := map[string]int64{}
		if err := st.MemberCategories(ctx, r, func(m int64, c string, a int64) error {
			cats[fmt.Sprintf("%d/%s", m, c)] += a
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int64{"1/X": 500, "1/Y": 1000, "2/Y": 600}; !maps.Equal(cats, want) {
			t.Errorf("member categories %v, want %v", cats, want)
		}

		var visits []insight.Visit
		if err := st.Visits(ctx, r, func(v insight.Visit) error { visits = append(visits, v); return nil }); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(visits, func(a, b insight.Visit) int { return a.At.Compare(b.At) })
		type vk struct {
			member, amount int64
			items          int
		}
		var got []vk
		for _, v := range visits {
			got = append(got, vk{v.MemberID, v.AmountFen, v.Items})
		}
		if want := []vk{{1, 1000, 2}, {1, 500, 1}, {2, 600, 1}, {0, 400, 2}}; !slices.Equal(got, want) {
			t.Errorf("visits %v, want %v", got, want)
		}

		buckets := map[string]int64{}
		bounds := []time.Time{insT0, insT0.AddDate(0, 0, 2), insT0.AddDate(0, 0, 10)}
		if err := st.CategoryBuckets(ctx, nil, bounds, func(b int, c string, a int64) error {
			buckets[fmt.Sprintf("%d/%s", b, c)] += a
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if want := map[string]int64{"0/X": 500, "0/Y": 1000, "1/X": 100, "1/Y": 900}; !maps.Equal(buckets, want) {
			t.Errorf("buckets %v, want %v", buckets, want)
		}
		clear(buckets)
		if err := st.CategoryBuckets(ctx, []int64{2}, bounds, func(b int, c string, a int64) error {
			buckets[fmt.Sprintf("%d/%s", b, c)] += a
			return nil
		}); err != nil || !maps.Equal(buckets, map[string]int64{"1/Y": 600}) {
			t.Errorf("store 2 buckets %v, %v", buckets, err)
		}

		// A short range, a small part of all sales, reads the lines through
		// the range's sales on SQLite: the same sums.
		short := insight.Range{From: insT0, To: insT0.AddDate(0, 0, 1)}
		clear(cats)
		if err := st.MemberCategories(ctx, short, func(m int64, c string, a int64) error {
			cats[fmt.Sprintf("%d/%s", m, c)] += a
			return nil
		}); err != nil || !maps.Equal(cats, map[string]int64{"1/X": 500, "1/Y": 500}) {
			t.Errorf("one day of member categories %v, %v", cats, err)
		}
		clear(buckets)
		if err := st.CategoryBuckets(ctx, nil, []time.Time{insT0, insT0.Add(time.Hour), insT0.AddDate(0, 0, 1)}, func(b int, c string, a int64) error {
			buckets[fmt.Sprintf("%d/%s", b, c)] += a
			return nil
		}); err != nil || !maps.Equal(buckets, map[string]int64{"0/X": 500, "0/Y": 500}) {
			t.Errorf("one day of buckets %v, %v", buckets, err)
		}

		// An error from the callback stops the stream and comes back.
		stop := errors.New("stop")
		if err := st.Visits(ctx, r, func(insight.Visit) error { return stop }); !errors.Is(err, stop) {
			t.Errorf("callback error: %v", err)
		}
		// A cancelled request reads nothing.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := st.BasketItems(cctx, r, false, func(int64, string) error { return nil }); err == nil {
			t.Error("cancelled: no error")
		}
	})
}

// The service on the real store: the rules of the seeded baskets.
func TestInsightServiceOnStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedInsights(t, db, insightSales())
		s := insight.New(store.NewInsights(db), func() time.Time { return insT0.AddDate(0, 0, 9) })
		res, err := s.Rules(context.Background(), insight.RulesQuery{MinSupport: 0.5, MinConfidence: 0.5, MinLift: -1})
		if err != nil {
			t.Fatal(err)
		}
		// A is in 2 of 4 baskets, C in 2, A and C together in 1: no rule at
		// 50 % support; B and C likewise. The baskets and items count.
		if res.Baskets != 4 || res.Items != 3 || res.Bounds.To != "2026-03-11" {
			t.Errorf("rules %+v", res)
		}
		g, err := s.Groups(context.Background(), insight.GroupsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if g.Total.Members != 2 || g.Total.RevenueFen != 2100 {
			t.Errorf("groups total %+v", g.Total)
		}
	})
}
