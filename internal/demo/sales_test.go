package demo

import (
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli/internal/member"
)

func collectSales(t *testing.T, opt Options, months int) []SaleSpec {
	t.Helper()
	var out []SaleSpec
	if err := Sales(opt, months, func(s SaleSpec) error {
		out = append(out, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestProducts(t *testing.T) {
	ps := Products(Options{})
	if len(ps) < 140 {
		t.Fatalf("%d products", len(ps))
	}
	codes := map[string]bool{}
	cats := map[string]int{}
	weight := 0
	for _, p := range ps {
		if codes[p.Code] || p.Name == "" || p.PriceFen <= 0 || len(p.Barcode) != 13 {
			t.Errorf("bad product %+v", p)
		}
		codes[p.Code] = true
		cats[p.Category]++
		if p.Weight {
			weight++
		}
	}
	if cats["烟草"] == 0 || weight == 0 || len(cats) != 10 {
		t.Errorf("categories %v, %d weight items", cats, weight)
	}
	if !reflect.DeepEqual(ps, Products(Options{Seed: 7})) {
		t.Error("products depend on the options")
	}
}

func TestSalesDeterministic(t *testing.T) {
	opt := Options{Members: 200, Now: time.Date(2026, 2, 20, 15, 0, 0, 0, time.UTC)}
	a := collectSales(t, opt, 3)
	b := collectSales(t, opt, 3)
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("same options gave different sales (%d, %d)", len(a), len(b))
	}
	if c := collectSales(t, Options{Members: 200, Seed: 2, Now: opt.Now}, 3); reflect.DeepEqual(a, c) {
		t.Error("another seed gave the same sales")
	}
	if s := collectSales(t, opt, 0); len(s) != 0 {
		t.Errorf("0 months gave %d sales", len(s))
	}

	// Members are not shifted by generating sales.
	g := New(opt)
	m0 := g.Member(5)
	_ = g.Sales(1, func(SaleSpec) error { return nil })
	if !reflect.DeepEqual(m0, g.Member(5)) {
		t.Error("sales changed a member")
	}

	start := opt.Now.AddDate(0, -3, -1)
	joined := map[int]time.Time{}
	_ = g.Members(func(i int, in member.Input) error { joined[i] = in.CreatedAt; return nil })
	firstSale := map[int]time.Time{}
	receipts := map[string]bool{}
	buyers := map[int]bool{}
	refunds, walkIns, prev := 0, 0, SaleSpec{Member: -2}
	byCode := map[string]ProductSpec{}
	for _, p := range Products(opt) {
		byCode[p.Code] = p
	}
	for _, s := range a {
		h := s.At.In(chinaTime).Hour()
		if !s.At.Before(opt.Now) || s.At.Before(start) || h < 7 || h >= 22 {
			t.Errorf("sale %s at %s", s.Receipt, s.At.In(chinaTime))
		}
		if receipts[s.Receipt] || len(s.Lines) < 1 || len(s.Lines) > 12 || s.Store < 0 || s.Store >= 2 {
			t.Errorf("bad sale %+v", s)
		}
		receipts[s.Receipt] = true
		buyers[s.Member] = true
		if s.Member == WalkIn {
			walkIns++
			if len(s.Lines) > 5 || s.Refund || s.Receipt[0] != 'W' || prev.Member == WalkIn && s.At.Before(prev.At) {
				t.Errorf("walk-in sale %+v (after %s)", s, prev.At)
			}
			prev = s
			continue
		}
		if !s.At.After(joined[s.Member]) {
			t.Errorf("sale %s at %s, before member %d registered at %s", s.Receipt, s.At, s.Member, joined[s.Member])
		}
		if _, ok := firstSale[s.Member]; !ok {
			firstSale[s.Member] = s.At
		}
		if s.Member == prev.Member && s.At.Before(prev.At) {
			t.Errorf("sales of member %d out of order", s.Member)
		}
		prev = s
		for _, l := range s.Lines {
			p := byCode[l.Product]
			want := l.Quantity * p.PriceFen
			if p.Weight {
				want = (l.Quantity*p.PriceFen + 500) / 1000
			}
			if l.AmountFen != want || l.Quantity <= 0 {
				t.Errorf("line %+v of %s", l, p.Code)
			}
		}
		if s.Refund {
			refunds++
			l := s.Lines[s.RefundLine]
			if s.RefundQty > l.Quantity || s.RefundFen > l.AmountFen || !s.RefundAt.After(s.At) {
				t.Errorf("bad refund %+v", s)
			}
		}
	}
	if refunds == 0 || len(buyers) < 150 {
		t.Errorf("%d refunds, %d buyers of 200", refunds, len(buyers))
	}
	// Walk-ins make about a third of the receipts.
	if share := float64(walkIns) / float64(len(a)); share < 0.25 || share > 0.45 {
		t.Errorf("walk-ins make %d of %d receipts (%.0f %%)", walkIns, len(a), 100*share)
	}
	// Who registered in these months did so at the till, buying.
	newcomers := 0
	for i, at := range joined {
		if at.Before(start.AddDate(0, 0, 2)) {
			continue
		}
		newcomers++
		if f, ok := firstSale[i]; !ok || f.Sub(at) > 11*time.Minute {
			t.Errorf("member %d registered at %s; first sale %s", i, at, f)
		}
	}
	if newcomers < 5 {
		t.Errorf("only %d of 200 members registered in the three months", newcomers)
	}
	t.Logf("%d sales (%d walk-ins), %d refunds", len(a), walkIns, refunds)
}

func TestRateForLines(t *testing.T) {
	opt := Options{Members: 3000, Now: time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)}
	lines := func(o Options) (n int64, sales int) {
		if err := Sales(o, 12, func(s SaleSpec) error {
			n += int64(len(s.Lines))
			sales++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n, sales
	}
	natural, _ := lines(opt)
	if one, _ := lines(Options{Members: 3000, Now: opt.Now, Rate: 1}); one != natural {
		t.Errorf("rate 1 gave %d lines, the default %d", one, natural)
	}
	if r := RateForLines(opt, 12, 0); r != 1 {
		t.Errorf("no target: rate %g", r)
	}
	// A large membership that shops now and then: 30 lines a member.
	opt.Rate = RateForLines(opt, 12, 90_000)
	if opt.Rate <= 0.02 || opt.Rate >= 0.2 {
		t.Fatalf("rate %g for 30 lines a member, %d at rate 1", opt.Rate, natural/3000)
	}
	got, n := lines(opt)
	if got < 85_000 || got > 95_000 {
		t.Errorf("%d lines at rate %g, want about 90,000", got, opt.Rate)
	}
	if opt.Rate != RateForLines(Options{Members: 3000, Now: opt.Now}, 12, 90_000) {
		t.Error("the rate is not deterministic")
	}

	// The shape survives the scaling: busier weekends, and the members'
	// own rhythm, so some come back often and some once.
	var weekend, weekday int
	per := map[int]int{}
	_ = Sales(opt, 12, func(s SaleSpec) error {
		if wd := s.At.In(chinaTime).Weekday(); wd == time.Saturday || wd == time.Sunday {
			weekend++
		} else {
			weekday++
		}
		per[s.Member]++
		return nil
	})
	if ratio := float64(weekend) / 2 / (float64(weekday) / 5); ratio < 1.3 || ratio > 1.8 {
		t.Errorf("weekend/weekday sales per day %.2f", ratio)
	}
	regular, once := 0, 0
	for _, c := range per {
		if c >= 12 {
			regular++
		}
		if c == 1 {
			once++
		}
	}
	if regular < 50 || once < 200 || len(per) < 2000 {
		t.Errorf("%d buyers, %d with 12 sales or more, %d with one (%d sales)", len(per), regular, once, n)
	}
	t.Logf("rate %.4f: %d sales, %d lines, %d buyers, %d regulars, %d once", opt.Rate, n, got, len(per), regular, once)
}
