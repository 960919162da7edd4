package loyalty

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/linli/linli"
)

func TestReverse(t *testing.T) {
	tests := []struct {
		name  string
		lines []RefundLine
		want  []int64
		total int64
		code  string
	}{
		{"whole line", []RefundLine{{Earned: 37, Size: 3, Refund: 3}}, []int64{37}, 37, ""},
		{"one of three", []RefundLine{{Earned: 37, Size: 3, Refund: 1}}, []int64{12}, 12, ""},
		{"second of three", []RefundLine{{Earned: 37, Size: 3, RefundedBefore: 1, Refund: 1}}, []int64{12}, 12, ""},
		{"last of three takes the rest", []RefundLine{{Earned: 37, Size: 3, RefundedBefore: 2, Refund: 1}}, []int64{13}, 13, ""},
		{"by amount", []RefundLine{{Earned: 10, Size: 1050, Refund: 99}}, []int64{0}, 0, ""},
		{"several lines", []RefundLine{{Earned: 10, Size: 2, Refund: 1}, {Earned: 0, Size: 5, Refund: 5}, {Earned: 7, Size: 1, Refund: 1}}, []int64{5, 0, 7}, 12, ""},
		{"nothing refunded", []RefundLine{{Earned: 10, Size: 2}}, []int64{0}, 0, ""},
		{"empty line", []RefundLine{{Earned: 0, Size: 0}}, []int64{0}, 0, ""},
		{"too much", []RefundLine{{Earned: 10, Size: 2, RefundedBefore: 1, Refund: 2}}, nil, 0, "loyalty.refund_exceeds_sale"},
		{"before too much", []RefundLine{{Earned: 10, Size: 2, RefundedBefore: 3}}, nil, 0, "loyalty.refund_exceeds_sale"},
		{"negative refund", []RefundLine{{Earned: 10, Size: 2, Refund: -1}}, nil, 0, "loyalty.refund_invalid"},
		{"negative earned", []RefundLine{{Earned: -1, Size: 2, Refund: 1}}, nil, 0, "loyalty.points_invalid"},
		{"huge", []RefundLine{{Earned: math.MaxInt64, Size: math.MaxInt64, RefundedBefore: 1, Refund: math.MaxInt64 - 1}}, []int64{math.MaxInt64 - 1}, math.MaxInt64 - 1, ""},
		{"total overflow", []RefundLine{{Earned: math.MaxInt64, Size: 1, Refund: 1}, {Earned: 1, Size: 1, Refund: 1}}, nil, 0, "loyalty.overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := Reverse(tt.lines)
			if tt.code != "" {
				if linli.ErrorCode(err) != tt.code {
					t.Fatalf("err %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || total != tt.total {
				t.Fatalf("got %v %d, want %v %d", got, total, tt.want, tt.total)
			}
		})
	}
}

// split cuts size into k positive-or-zero parts that add up to it.
func split(rng *rand.Rand, size int64, k int) []int64 {
	parts := make([]int64, k)
	left := size
	for i := range k - 1 {
		parts[i] = rng.Int64N(left + 1)
		left -= parts[i]
	}
	parts[k-1] = left
	return parts
}

func TestReversePartialRefunds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		earned, size := rng.Int64N(10000), 1+rng.Int64N(5000)
		if rng.IntN(10) == 0 {
			earned, size = rng.Int64N(math.MaxInt64), 1+rng.Int64N(math.MaxInt64-1)
		}
		parts := split(rng, size, 1+rng.IntN(8))
		var before, reversed, redeemed int64
		for _, p := range parts {
			_, n, err := Reverse([]RefundLine{{Earned: earned, Size: size, RefundedBefore: before, Refund: p}})
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			back, err := ReverseRedemption(earned, size, before, p)
			if err != nil || back != n {
				t.Fatalf("case %d: redemption %d %v, reversal %d", i, back, err, n)
			}
			before += p
			if n < 0 {
				t.Fatalf("case %d: negative reversal", i)
			}
			reversed += n
			redeemed += back
			// never more than the exact pro-rata share so far (floor)
			if float64(reversed) > float64(earned)*float64(before)/float64(size)+1e-6*float64(earned)+1 {
				t.Fatalf("case %d: reversed %d of %d after %d/%d", i, reversed, earned, before, size)
			}
			if reversed > earned {
				t.Fatalf("case %d: reversed %d > earned %d", i, reversed, earned)
			}
		}
		if reversed != earned || redeemed != earned {
			t.Fatalf("case %d: refunds %v of %d reversed %d of %d", i, parts, size, reversed, earned)
		}
	}
}

// Refunding every line of a basket in full takes back exactly what it earned.
func TestEarnThenRefund(t *testing.T) {
	r := DefaultRules()
	r.CategoryMultipliers = map[string]int64{"生鲜": 1500}
	b := basket(Line{"a", "生鲜", 333}, Line{"b", "x", 1234}, Line{"c", "x", 50})
	b.Payments = []Payment{{PayPoints, 100}}
	e, err := Earn(r, b)
	if err != nil {
		t.Fatal(err)
	}
	var lines []RefundLine
	for _, l := range e.Lines {
		lines = append(lines, RefundLine{Earned: l.Points, Size: l.AmountFen, Refund: l.AmountFen})
	}
	_, total, err := Reverse(lines)
	if err != nil || total != e.Points {
		t.Fatalf("reversed %d (%v), earned %d", total, err, e.Points)
	}
}

func TestReverseRedemption(t *testing.T) {
	// 1000 points paid on a 10 yuan sale; refund 3.33 yuan, then the rest.
	n, err := ReverseRedemption(1000, 1000, 0, 333)
	if err != nil || n != 333 {
		t.Fatalf("%d %v", n, err)
	}
	n, err = ReverseRedemption(7, 1000, 0, 333)
	if err != nil || n != 2 {
		t.Fatalf("floor: %d %v", n, err)
	}
	n, err = ReverseRedemption(7, 1000, 333, 667)
	if err != nil || n != 5 {
		t.Fatalf("rest: %d %v", n, err)
	}
	if _, err := ReverseRedemption(7, 1000, 333, 668); linli.ErrorCode(err) != "loyalty.refund_exceeds_sale" {
		t.Fatalf("over-refund: %v", err)
	}
}

func TestApplyReversal(t *testing.T) {
	tests := []struct {
		balance, reversal int64
		debt              string
		debit, short      int64
	}{
		{100, 30, DebtForbid, 30, 0},
		{20, 30, DebtForbid, 20, 10},
		{0, 30, DebtForbid, 0, 30},
		{-5, 30, DebtForbid, 0, 30},
		{20, 30, DebtRecord, 30, 0},
		{20, 0, DebtForbid, 0, 0},
		{20, -3, DebtRecord, 0, 0},
	}
	for _, tt := range tests {
		d, s := ApplyReversal(tt.balance, tt.reversal, tt.debt)
		if d != tt.debit || s != tt.short {
			t.Errorf("ApplyReversal(%d, %d, %s) = %d, %d; want %d, %d", tt.balance, tt.reversal, tt.debt, d, s, tt.debit, tt.short)
		}
	}
}
