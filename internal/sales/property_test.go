package sales_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// op is one request of the random workload.
type op struct {
	kind   string // sale, refund, adjust, expire
	term   int
	sale   sales.SaleInput
	ref    string // refunds: the key of the sale refunded
	refund sales.RefundInput
	member int
	delta  int64
	at     time.Time
}

const terminals = 4

// ops builds a reproducible workload over members members: sales (some
// paying with points), refunds whole and partial, adjustments, expiries, and
// resends of earlier requests.
func ops(seed uint64, n, members int) []op {
	r := rand.New(rand.NewPCG(seed, 1))
	var out []op
	var saleOps []op
	for i := range n {
		term := r.IntN(terminals)
		switch k := r.IntN(20); {
		case k < 9:
			m := r.IntN(members + 3) // some anonymous
			in := sales.SaleInput{Receipt: fmt.Sprintf("R%d", i), SoldAt: start.Add(time.Duration(i) * time.Minute)}
			if m < members {
				in.MemberID = int64(m + 1)
			}
			var total int64
			for range 1 + r.IntN(3) {
				if r.IntN(3) == 0 {
					g := int64(100 + r.IntN(2000))
					in.Lines = append(in.Lines, sales.LineInput{Product: "W1", Quantity: g})
					total += (g*2580 + 500) / 1000
				} else {
					q := int64(1 + r.IntN(4))
					in.Lines = append(in.Lines, sales.LineInput{Product: "A1", Quantity: q, DiscountFen: int64(r.IntN(100))})
					total += q*1000 - in.Lines[len(in.Lines)-1].DiscountFen
				}
			}
			if in.MemberID != 0 && r.IntN(3) == 0 {
				p := int64(1 + r.IntN(40))
				in.Payments = append(in.Payments, sales.PaymentInput{Method: "points", AmountFen: p, Points: p})
				total -= p
			}
			in.Payments = append(in.Payments, sales.PaymentInput{Method: "card", AmountFen: total})
			o := op{kind: "sale", term: term, sale: in}
			out = append(out, o)
			saleOps = append(saleOps, o)
		case k < 13 && len(saleOps) > 0:
			s := saleOps[r.IntN(len(saleOps))]
			in := sales.RefundInput{RefundNo: fmt.Sprintf("F%d", i)}
			if r.IntN(2) == 0 {
				in.All = true
			} else {
				in.Lines = []sales.RefundLineInput{{LineNo: 1, Quantity: 1 + int64(r.IntN(3))}}
			}
			out = append(out, op{kind: "refund", term: term, ref: key(s), refund: in})
		case k < 16:
			d := int64(r.IntN(60)) - 20
			if d == 0 {
				d = 1
			}
			out = append(out, op{kind: "adjust", term: term, member: r.IntN(members) + 1, delta: d})
		case k < 17:
			out = append(out, op{kind: "expire", term: term, at: start.Add(time.Duration(r.IntN(80*24)) * time.Hour)})
		default:
			if len(out) > 0 { // resend an earlier request, as a till retrying
				o := out[r.IntN(len(out))]
				if o.kind == "sale" || o.kind == "refund" {
					out = append(out, o)
				}
			}
		}
	}
	return out
}

func key(o op) string { return fmt.Sprintf("%d/%s", o.term, o.sale.Receipt) }

type run struct {
	e   *env
	mu  sync.Mutex
	ids map[string]int64
}

func (r *run) apply(o op) error {
	till := r.e.till
	till.Terminal = fmt.Sprintf("T%d", o.term)
	switch o.kind {
	case "sale":
		s, err := r.e.svc.Commit(ctx, linli.System, till, o.sale)
		if err == nil {
			r.mu.Lock()
			r.ids[key(o)] = s.ID
			r.mu.Unlock()
		}
		return err
	case "refund":
		r.mu.Lock()
		id, ok := r.ids[o.ref]
		r.mu.Unlock()
		if !ok {
			id = 1 << 40
		}
		_, err := r.e.svc.Refund(ctx, linli.System, till, id, o.refund)
		return err
	case "adjust":
		_, err := r.e.svc.Adjust(ctx, linli.System, int64(o.member), o.delta, "random")
		return err
	case "expire":
		_, err := r.e.svc.Expire(ctx, o.at)
		return err
	}
	return nil
}

// expected are the refusals a random workload runs into.
var expected = map[string]bool{"": true, "ledger.insufficient_points": true, "sale.refund_exceeds": true,
	"sale.not_found": true, "sale.line_not_found": true}

func newRun(t *testing.T, db *store.DB, members int) *run {
	e := setup(t, db, members)
	e.clk.set(start.Add(40 * 24 * time.Hour))
	r := sales.DefaultRules()
	r.Expiry = loyalty.Months(1)
	if err := e.svc.SetRules(ctx, linli.System, r); err != nil {
		t.Fatal(err)
	}
	return &run{e: e, ids: map[string]int64{}}
}

func TestConcurrentWorkload(t *testing.T) {
	const members = 20
	work := ops(7, 1200, members)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, members)
		var wg sync.WaitGroup
		for term := range terminals {
			wg.Go(func() {
				for _, o := range work {
					if o.term != term {
						continue
					}
					if err := r.apply(o); !expected[code(err)] {
						t.Errorf("%s %+v: %v", o.kind, o, err)
						return
					}
				}
			})
		}
		wg.Wait()
		r.e.check(t)
		var sum int64
		for _, m := range r.e.members {
			b := r.e.balance(t, m)
			if b < 0 {
				t.Errorf("member %d: balance %d", m, b)
			}
			sum += b
		}
		if sum == 0 {
			t.Error("the workload left no points at all")
		}
	})
}

// TestSequentialEngines: the same requests in the same order give the same
// answers and balances on SQLite and PostgreSQL.
func TestSequentialEngines(t *testing.T) {
	const members = 20
	work := ops(11, 800, members)
	results := map[string][]string{}
	balances := map[string][]int64{}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		r := newRun(t, db, members)
		var codes []string
		for _, o := range work {
			err := r.apply(o)
			if !expected[code(err)] {
				t.Fatalf("%s %+v: %v", o.kind, o, err)
			}
			codes = append(codes, code(err))
		}
		r.e.check(t)
		var bs []int64
		for _, m := range r.e.members {
			bs = append(bs, r.e.balance(t, m))
		}
		results[t.Name()], balances[t.Name()] = codes, bs
	})
	a, b := "TestSequentialEngines/sqlite", "TestSequentialEngines/postgres"
	if _, ok := balances[b]; !ok {
		t.Skip("PostgreSQL not configured")
	}
	if fmt.Sprint(results[a]) != fmt.Sprint(results[b]) {
		t.Errorf("answers differ")
	}
	if fmt.Sprint(balances[a]) != fmt.Sprint(balances[b]) {
		t.Errorf("balances differ:\n%v\n%v", balances[a], balances[b])
	}
	count := map[string]int{}
	for i, c := range results[a] {
		count[work[i].kind+" "+c]++
	}
	t.Logf("balances %v; outcomes %v", balances[a], count)
}
