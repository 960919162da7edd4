package sales_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var ctx = context.Background()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// start: Monday 10 March 2025, 10:00 in Shanghai.
var start = time.Date(2025, 3, 10, 10, 0, 0, 0, shanghai).UTC()

type env struct {
	db      *store.DB
	svc     *sales.Service
	clk     *clock
	till    sales.Till
	members []int64
}

func setup(t *testing.T, db *store.DB, members int) *env {
	t.Helper()
	e := &env{db: db, clk: &clock{t: start}}
	e.svc = sales.New(store.NewSales(db), e.clk.now)
	err := db.Write(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('S1', 'Shop', 'Asia/Shanghai', 0)`)
		e.till = sales.Till{StoreID: id, Terminal: "T1"}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.addMembers(t, members)
	ps := store.NewProducts(db)
	for _, p := range []*catalog.Product{
		{Code: "A1", Name: "Rice", Category: "grain", Unit: catalog.UnitPiece, PriceFen: 1000, Active: true},
		{Code: "W1", Name: "Apples", Category: "fruit", Unit: catalog.UnitWeight, PriceFen: 2580, Active: true},
		{Code: "C1", Name: "Cigarettes", Category: "tobacco", Unit: catalog.UnitPiece, PriceFen: 2500, Active: true},
	} {
		if _, err := ps.CreateProduct(ctx, p, auth.Audit{Actor: linli.System, Action: "product.create", Entity: "product"}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) addMembers(t testing.TB, n int) []int64 {
	var ids []int64
	err := e.db.Write(ctx, func(tx *store.Tx) error {
		for range n {
			id, err := tx.InsertID(ctx, `INSERT INTO members (card_no, created_at, updated_at, last_active_at) VALUES (?, 0, 0, 0)`,
				fmt.Sprintf("C%06d", len(e.members)+len(ids)+1))
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.members = append(e.members, ids...)
	return ids
}

var tables = []string{"sales", "sale_lines", "sale_payments", "refunds", "refund_lines", "points_entries", "points_lots",
	"points_takes", "member_points", "audit_log", "settings"}

func (e *env) counts(t testing.TB) map[string]int {
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := e.db.QueryRow(ctx, `SELECT COUNT(*) FROM `+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func (e *env) balance(t testing.TB, m int64) int64 {
	t.Helper()
	b, err := e.svc.Balance(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) check(t testing.TB) {
	t.Helper()
	vs, err := e.svc.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("violation: %+v", v)
	}
}

func cash(fen int64) []sales.PaymentInput {
	return []sales.PaymentInput{{Method: sales.PayCash, AmountFen: fen}}
}

func sale(receipt string, m int64, fen int64) sales.SaleInput {
	return sales.SaleInput{Receipt: receipt, MemberID: m, SoldAt: start,
		Lines: []sales.LineInput{{Product: "A1", Quantity: fen / 1000}}, Payments: cash(fen)}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return linli.ErrorCode(err)
}

func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		m := e.members[0]
		if _, err := e.svc.Adjust(ctx, linli.System, m, 30, "welcome"); err != nil {
			t.Fatal(err)
		}
		done, err := e.svc.Commit(ctx, linli.System, e.till, sale("R0", m, 2000))
		if err != nil {
			t.Fatal(err)
		}
		mod := func(f func(*sales.SaleInput)) sales.SaleInput {
			in := sale("R1", m, 3000)
			f(&in)
			return in
		}
		cases := []struct {
			name string
			till sales.Till
			in   sales.SaleInput
			code string
		}{
			{"receipt", e.till, mod(func(in *sales.SaleInput) { in.Receipt = " " }), "sale.receipt_invalid"},
			{"terminal", sales.Till{StoreID: e.till.StoreID}, sale("R1", m, 1000), "sale.terminal_invalid"},
			{"store", sales.Till{StoreID: 999, Terminal: "T1"}, sale("R1", m, 1000), "sale.store_unknown"},
			{"no time", e.till, mod(func(in *sales.SaleInput) { in.SoldAt = time.Time{} }), "sale.time_required"},
			{"future", e.till, mod(func(in *sales.SaleInput) { in.SoldAt = start.Add(5*time.Minute + time.Second) }), "sale.time_in_future"},
			{"no lines", e.till, mod(func(in *sales.SaleInput) { in.Lines = nil }), "sale.lines_required"},
			{"quantity", e.till, mod(func(in *sales.SaleInput) { in.Lines[0].Quantity = 0 }), "sale.quantity_invalid"},
			{"price", e.till, mod(func(in *sales.SaleInput) { in.Lines[0].UnitPriceFen = -1 }), "sale.price_invalid"},
			{"discount", e.till, mod(func(in *sales.SaleInput) { in.Lines[0].DiscountFen = 3001 }), "sale.discount_invalid"},
			{"unknown product", e.till, mod(func(in *sales.SaleInput) { in.Lines[0].Product = "ZZ" }), "sale.product_unknown"},
			{"no payment", e.till, mod(func(in *sales.SaleInput) { in.Payments = nil }), "sale.payment_mismatch"},
			{"mismatch", e.till, mod(func(in *sales.SaleInput) { in.Payments[0].AmountFen = 2999 }), "sale.payment_mismatch"},
			{"method", e.till, mod(func(in *sales.SaleInput) { in.Payments[0].Method = "iou" }), "sale.payment_method_invalid"},
			{"negative pay", e.till, mod(func(in *sales.SaleInput) {
				in.Payments = []sales.PaymentInput{{Method: "cash", AmountFen: 3100}, {Method: "card", AmountFen: -100}}
			}), "sale.payment_invalid"},
			{"points anonymous", e.till, mod(func(in *sales.SaleInput) {
				in.MemberID = 0
				in.Payments = []sales.PaymentInput{{Method: "cash", AmountFen: 2990}, {Method: "points", AmountFen: 10, Points: 10}}
			}), "sale.member_required"},
			{"points rate", e.till, mod(func(in *sales.SaleInput) {
				in.Payments = []sales.PaymentInput{{Method: "cash", AmountFen: 2980}, {Method: "points", AmountFen: 20, Points: 10}}
			}), "sale.points_amount_mismatch"},
			{"points zero", e.till, mod(func(in *sales.SaleInput) {
				in.Payments = []sales.PaymentInput{{Method: "cash", AmountFen: 3000}, {Method: "points"}}
			}), "sale.points_invalid"},
			{"insufficient", e.till, mod(func(in *sales.SaleInput) {
				in.Payments = []sales.PaymentInput{{Method: "cash", AmountFen: 2949}, {Method: "points", AmountFen: 51, Points: 51}}
			}), "ledger.insufficient_points"},
			{"member", e.till, mod(func(in *sales.SaleInput) { in.MemberID = 9999 }), "sale.member_not_found"},
			{"channel", e.till, mod(func(in *sales.SaleInput) { in.Channel = "fax" }), "sale.channel_invalid"},
			{"receipt conflict", e.till, sale("R0", m, 3000), "sale.receipt_conflict"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.counts(t)
				_, err := e.svc.Commit(ctx, linli.System, c.till, c.in)
				if got := code(err); got != c.code {
					t.Fatalf("code %q (%v), want %q", got, err, c.code)
				}
				if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatalf("rows changed: %v → %v", before, after)
				}
			})
		}
		if k := linli.ErrorKind(must1(e.svc.Commit(ctx, linli.System, e.till, cases[17].in))); k != linli.KindConflict {
			t.Errorf("insufficient points kind %v", k)
		}
		refunds := []struct {
			name string
			id   int64
			in   sales.RefundInput
			code string
		}{
			{"no number", done.ID, sales.RefundInput{All: true}, "sale.refund_no_invalid"},
			{"nothing", done.ID, sales.RefundInput{RefundNo: "F1"}, "sale.refund_lines_required"},
			{"no sale", 999, sales.RefundInput{RefundNo: "F1", All: true}, "sale.not_found"},
			{"no line", done.ID, sales.RefundInput{RefundNo: "F1", Lines: []sales.RefundLineInput{{LineNo: 7, Quantity: 1}}}, "sale.line_not_found"},
			{"exceeds", done.ID, sales.RefundInput{RefundNo: "F1", Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 3}}}, "sale.refund_exceeds"},
			{"zero", done.ID, sales.RefundInput{RefundNo: "F1", Lines: []sales.RefundLineInput{{LineNo: 1}}}, "sale.quantity_invalid"},
			{"twice", done.ID, sales.RefundInput{RefundNo: "F1", Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}, {LineNo: 1, Quantity: 1}}}, "sale.line_duplicate"},
		}
		for _, c := range refunds {
			t.Run("refund "+c.name, func(t *testing.T) {
				before := e.counts(t)
				_, err := e.svc.Refund(ctx, linli.System, e.till, c.id, c.in)
				if got := code(err); got != c.code {
					t.Fatalf("code %q (%v), want %q", got, err, c.code)
				}
				if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Fatalf("rows changed: %v → %v", before, after)
				}
			})
		}
		before := e.counts(t)
		for _, c := range []struct {
			m, delta int64
			reason   string
			code     string
		}{
			{m, 5, " ", "ledger.reason_required"},
			{m, 0, "x", "ledger.delta_invalid"},
			{m, -51, "x", "ledger.insufficient_points"},
			{9999, 5, "x", "member.not_found"},
		} {
			if _, err := e.svc.Adjust(ctx, linli.System, c.m, c.delta, c.reason); code(err) != c.code {
				t.Errorf("adjust %+v: %v", c, err)
			}
		}
		if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("rows changed: %v → %v", before, after)
		}
		e.check(t)
	})
}

func must1[T any](_ T, err error) error { return err }

func TestIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 1)
		in := sale("R1", e.members[0], 5000)
		first, err := e.svc.Commit(ctx, linli.System, e.till, in)
		if err != nil {
			t.Fatal(err)
		}
		e.clk.set(start.Add(time.Hour))
		again, err := e.svc.Commit(ctx, linli.System, e.till, in)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(first)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Errorf("replay differs:\n%s\n%s", a, b)
		}
		c := e.counts(t)
		if c["sales"] != 1 || c["points_entries"] != 1 || e.balance(t, e.members[0]) != 50 {
			t.Errorf("counts %v balance %d", c, e.balance(t, e.members[0]))
		}
		if !again.Replayed || first.Replayed {
			t.Errorf("replayed: first %v, again %v", first.Replayed, again.Replayed)
		}
		orig := in
		orig.Lines = append([]sales.LineInput(nil), in.Lines...)
		in.Lines[0].Quantity = 4
		in.Payments = cash(4000)
		if _, err := e.svc.Commit(ctx, linli.System, e.till, in); code(err) != "sale.receipt_conflict" || linli.ErrorKind(err) != linli.KindConflict {
			t.Errorf("different body: %v", err)
		}
		// Another terminal may reuse the number.
		other := e.till
		other.Terminal = "T2"
		if _, err := e.svc.Commit(ctx, linli.System, other, in); err != nil {
			t.Fatal(err)
		}
		r := sales.RefundInput{RefundNo: "F1", Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 2}}}
		r1, err := e.svc.Refund(ctx, linli.System, e.till, first.ID, r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := e.svc.Refund(ctx, linli.System, e.till, first.ID, r)
		if err != nil || *r1 != *r2 {
			t.Fatalf("refund replay %+v %+v %v", r1, r2, err)
		}
		// A repeat after a refund still gets the first answer.
		late, err := e.svc.Commit(ctx, linli.System, e.till, orig)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(late); string(b) != string(a) {
			t.Errorf("replay after a refund differs:\n%s\n%s", a, b)
		}
		r.Lines[0].Quantity = 1
		if _, err := e.svc.Refund(ctx, linli.System, e.till, first.ID, r); code(err) != "sale.refund_conflict" {
			t.Errorf("refund different body: %v", err)
		}
		if c := e.counts(t); c["refunds"] != 1 {
			t.Errorf("refunds %d", c["refunds"])
		}
		// A repeat still gets the first answer when the catalogue has
		// changed since, so that the sale priced afresh would not add up.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE products SET price_fen = price_fen + 100`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		fresh := sales.New(store.NewSales(db), e.clk.now) // nothing cached
		if _, err := fresh.Commit(ctx, linli.System, e.till, sale("R2", e.members[0], 5000)); code(err) != "sale.payment_mismatch" {
			t.Fatalf("new sale at the old prices: %v", err)
		}
		late, err = fresh.Commit(ctx, linli.System, e.till, orig)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(late); string(b) != string(a) {
			t.Errorf("replay after a price change differs:\n%s\n%s", a, b)
		}
		if c := e.counts(t); c["sales"] != 2 {
			t.Errorf("sales %d", c["sales"])
		}
		e.check(t)
	})
}

func TestScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		m := e.members[0]
		// 3 × 10.00 + 1234 g at 25.80/kg = 30.00 + 31.84 (31.83720 half up) = 61.84 → 61 points.
		s1, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R1", MemberID: m, SoldAt: start,
			Lines:    []sales.LineInput{{Product: "A1", Quantity: 3}, {Product: "W1", Quantity: 1234}},
			Payments: []sales.PaymentInput{{Method: "mobile", AmountFen: 6184}}})
		if err != nil {
			t.Fatal(err)
		}
		if s1.AmountFen != 6184 || s1.Lines[1].AmountFen != 3184 || s1.PointsEarned != 61 || s1.Balance != 61 ||
			s1.Lines[0].Points != 30 || s1.Lines[1].Points != 31 {
			t.Fatalf("sale 1: %+v", s1)
		}
		// 50 points pay 0.50; the 9.50 paid in cash earn 9.
		s2, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R2", MemberID: m, SoldAt: start.Add(time.Minute),
			Lines:    []sales.LineInput{{Product: "A1", Quantity: 1}},
			Payments: []sales.PaymentInput{{Method: "points", AmountFen: 50, Points: 50}, {Method: "cash", AmountFen: 950}}})
		if err != nil {
			t.Fatal(err)
		}
		if s2.PointsEarned != 9 || s2.PointsRedeemed != 50 || s2.Balance != 20 {
			t.Fatalf("sale 2: %+v", s2)
		}
		// A history item not in the catalogue, sold anonymously.
		if _, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R3", SoldAt: start,
			Lines:    []sales.LineInput{{Product: "OLD9", Name: "Old soap", Category: "home", Quantity: 2, UnitPriceFen: 350}},
			Payments: cash(700)}); err != nil {
			t.Fatal(err)
		}
		// Refund sale 2: the 50 points come back, the 9 earned go.
		f, err := e.svc.Refund(ctx, linli.System, e.till, s2.ID, sales.RefundInput{RefundNo: "F1", All: true})
		if err != nil {
			t.Fatal(err)
		}
		if f.AmountFen != 1000 || f.PointsReturned != 50 || f.PointsReversed != 9 || f.Balance != 61 || e.balance(t, m) != 61 {
			t.Fatalf("refund 1: %+v", f)
		}
		// The points given back expire with the lot they came from.
		var exp int64
		if err := db.QueryRow(ctx, `SELECT expires_at FROM points_lots WHERE points = 50`).Scan(&exp); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai); !store.FromMillis(exp).Equal(want) {
			t.Errorf("returned lot expires %v, want %v", store.FromMillis(exp), want)
		}
		// One of three rice: 10.00 and a third of 30 points.
		f, err = e.svc.Refund(ctx, linli.System, e.till, s1.ID, sales.RefundInput{RefundNo: "F2", Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}})
		if err != nil || f.AmountFen != 1000 || f.PointsReversed != 10 || f.Balance != 51 {
			t.Fatalf("refund 2: %+v %v", f, err)
		}
		f, err = e.svc.Refund(ctx, linli.System, e.till, s1.ID, sales.RefundInput{RefundNo: "F3", All: true})
		if err != nil || f.AmountFen != 5184 || f.PointsReversed != 51 || f.Balance != 0 {
			t.Fatalf("refund 3: %+v %v", f, err)
		}
		got, err := e.svc.GetSale(ctx, s1.ID)
		if err != nil || got.Status != sales.StatusRefunded || got.RefundedFen != 6184 || got.Lines[0].RefundedQty != 3 {
			t.Fatalf("sale after refunds: %+v %v", got, err)
		}
		if _, err := e.svc.Refund(ctx, linli.System, e.till, s1.ID, sales.RefundInput{RefundNo: "F4", All: true}); code(err) != "sale.refund_exceeds" {
			t.Errorf("refund of a refunded sale: %v", err)
		}

		// Spent points cannot be taken back under the default policy.
		m2 := e.members[1]
		s4, err := e.svc.Commit(ctx, linli.System, e.till, sale("R4", m2, 10000))
		if err != nil {
			t.Fatal(err)
		}
		audits := e.counts(t)["audit_log"]
		if _, err := e.svc.Adjust(ctx, linli.System, m2, -80, "gift"); err != nil {
			t.Fatal(err)
		}
		if e.counts(t)["audit_log"] != audits+1 {
			t.Error("adjustment not audited")
		}
		f, err = e.svc.Refund(ctx, linli.System, e.till, s4.ID, sales.RefundInput{RefundNo: "F5", Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 5}}})
		if err != nil || f.PointsReversed != 20 || f.PointsUnrecovered != 30 || f.Balance != 0 {
			t.Fatalf("refund with spent points: %+v %v", f, err)
		}

		// Adjust and expire: default policy, end of the following year.
		if _, err := e.svc.Adjust(ctx, linli.System, m2, 100, "compensation"); err != nil {
			t.Fatal(err)
		}
		e.clk.set(time.Date(2026, 12, 20, 12, 0, 0, 0, shanghai))
		soon, err := e.svc.ExpiringSoon(ctx, 30)
		if err != nil || len(soon) != 1 || soon[0].MemberID != m2 || soon[0].Points != 100 {
			t.Fatalf("expiring soon: %+v %v", soon, err)
		}
		if n, err := e.svc.Expire(ctx, time.Date(2026, 12, 31, 23, 59, 0, 0, shanghai)); err != nil || n != 0 {
			t.Fatalf("expire early: %d %v", n, err)
		}
		n, err := e.svc.Expire(ctx, time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai))
		if err != nil || n != 100 || e.balance(t, m2) != 0 {
			t.Fatalf("expire: %d %v balance %d", n, err, e.balance(t, m2))
		}
		if n, _ := e.svc.Expire(ctx, time.Date(2027, 1, 2, 0, 0, 0, 0, shanghai)); n != 0 {
			t.Errorf("expired twice: %d", n)
		}
		e.check(t)
	})
}

func TestRulesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 2)
		r := sales.DefaultRules()
		r.RedeemFenPerPoint = 0
		if err := e.svc.SetRules(ctx, linli.System, r); code(err) != "loyalty.redeem_rate_invalid" {
			t.Fatalf("bad rate: %v", err)
		}
		r.RedeemFenPerPoint = 2
		r.ExcludedCategories = []string{"tobacco"}
		if err := e.svc.SetRules(ctx, linli.System, r); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Rules(ctx)
		if err != nil || got.RedeemFenPerPoint != 2 || len(got.ExcludedCategories) != 1 {
			t.Fatalf("rules %+v %v", got, err)
		}
		a, b := e.members[0], e.members[1]
		if _, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R1", MemberID: a, SoldAt: start,
			Lines: []sales.LineInput{{Product: "A1", Quantity: 2}, {Product: "C1", Quantity: 1}}, Payments: cash(4500)}); err != nil {
			t.Fatal(err)
		}
		if e.balance(t, a) != 20 {
			t.Fatalf("tobacco earned: %d", e.balance(t, a))
		}
		if _, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R2", MemberID: a, SoldAt: start,
			Lines:    []sales.LineInput{{Product: "A1", Quantity: 1}},
			Payments: []sales.PaymentInput{{Method: "points", AmountFen: 20, Points: 10}, {Method: "cash", AmountFen: 980}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Adjust(ctx, linli.System, b, 7, "welcome"); err != nil {
			t.Fatal(err)
		}
		// 20 − 10 + 9 = 19 for a, 7 for b; merged: 26.
		if err := store.NewMembers(db).MergeMembers(ctx, a, b, member.Audit{Actor: linli.System, Action: "member.merge", EntityID: b}); err != nil {
			t.Fatal(err)
		}
		if e.balance(t, b) != 26 || e.balance(t, a) != 0 {
			t.Fatalf("after merge: %d %d", e.balance(t, b), e.balance(t, a))
		}
		// A till that still knows the old member credits the survivor.
		s, err := e.svc.Commit(ctx, linli.System, e.till, sale("R3", a, 1000))
		if err != nil || s.MemberID != b || s.Balance != 36 {
			t.Fatalf("sale to merged member: %+v %v", s, err)
		}
		e.check(t)
	})
}

// TestRedeemRace: two terminals spend the same last points at once;
// exactly one wins.
func TestRedeemRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 0)
		ms := e.addMembers(t, 50)
		for _, m := range ms {
			if _, err := e.svc.Adjust(ctx, linli.System, m, 100, "seed"); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Go(func() {
					till := e.till
					till.Terminal = fmt.Sprintf("T%d", i)
					_, errs[i] = e.svc.Commit(ctx, linli.System, till, sales.SaleInput{Receipt: fmt.Sprintf("R%d", m), MemberID: m, SoldAt: start,
						Lines:    []sales.LineInput{{Product: "A1", Quantity: 1}},
						Payments: []sales.PaymentInput{{Method: "points", AmountFen: 100, Points: 100}, {Method: "cash", AmountFen: 900}}})
				})
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case code(err) != "ledger.insufficient_points":
					t.Fatalf("member %d: %v", m, err)
				}
			}
			if ok != 1 {
				t.Fatalf("member %d: %d redemptions succeeded", m, ok)
			}
			if b := e.balance(t, m); b != 9 {
				t.Fatalf("member %d: balance %d", m, b)
			}
		}
		e.check(t)
	})
}

// A void takes the whole sale back, points both ways, marks it voided and
// keeps it out of the tier's spend; it is idempotent and refused after a
// refund.
func TestVoid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, 1)
		m := e.members[0]
		s1, err := e.svc.Commit(ctx, linli.System, e.till, sale("R1", m, 5000))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := e.svc.Commit(ctx, linli.System, e.till, sales.SaleInput{Receipt: "R2", MemberID: m, SoldAt: start,
			Lines:    []sales.LineInput{{Product: "A1", Quantity: 2}},
			Payments: []sales.PaymentInput{{Method: "points", AmountFen: 30, Points: 30}, {Method: "cash", AmountFen: 1970}}})
		if err != nil {
			t.Fatal(err)
		}
		before := e.balance(t, m) // 50 - 30 + 19
		v, err := e.svc.Void(ctx, linli.System, e.till, s2.ID, sales.VoidInput{Reason: "wrong member"})
		if err != nil {
			t.Fatal(err)
		}
		if v.RefundNo != fmt.Sprintf("void-%d", s2.ID) || v.AmountFen != 2000 || v.PointsReturned != 30 || v.PointsReversed != 19 ||
			e.balance(t, m) != before+30-19 || v.Balance != 50 {
			t.Fatalf("void %+v, balance %d (was %d)", v, e.balance(t, m), before)
		}
		again, err := e.svc.Void(ctx, linli.System, e.till, s2.ID, sales.VoidInput{Reason: "wrong member"})
		if err != nil || *again != *v {
			t.Fatalf("repeat: %+v %v", again, err)
		}
		got, err := e.svc.GetSale(ctx, s2.ID)
		if err != nil || got.Status != sales.StatusVoided {
			t.Fatalf("voided sale: %+v %v", got, err)
		}
		if _, err := e.svc.Refund(ctx, linli.System, e.till, s2.ID, sales.RefundInput{RefundNo: "F9", All: true}); code(err) != "sale.voided" {
			t.Errorf("refund after void: %v", err)
		}
		// Only the first sale counts toward the tier.
		st, err := e.svc.MemberTier(ctx, m)
		if err != nil || st.Activity.SpendFen != 5000 || st.Activity.Visits != 1 {
			t.Errorf("tier activity %+v %v", st.Activity, err)
		}
		if _, err := e.svc.Refund(ctx, linli.System, e.till, s1.ID, sales.RefundInput{RefundNo: "F1",
			Lines: []sales.RefundLineInput{{LineNo: 1, Quantity: 1}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Void(ctx, linli.System, e.till, s1.ID, sales.VoidInput{}); code(err) != "sale.void_refunded" {
			t.Errorf("void after refund: %v", err)
		}
		e.check(t)
	})
}
