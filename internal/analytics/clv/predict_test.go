package clv

import (
	"math"
	"testing"
)

// The BTYD walkthrough's holdout comparison (§3.4, §4.4): customers per
// calibration frequency 0..6 and 7+, their mean holdout transactions and
// the models' mean conditional expectations.
var (
	walkCustomers = []int{1411, 439, 214, 100, 62, 38, 29, 64}
	walkActual    = []float64{0.2367116, 0.6970387, 1.392523, 1.560000, 2.532258, 2.947368, 3.862069, 6.359375}
	walkBGNBD     = []float64{0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036}
	walkPareto    = []float64{0.138, 0.600, 1.196, 1.714, 2.399, 2.907, 3.819, 6.403}
)

func TestHoldoutTable(t *testing.T) {
	cdnowFits(t)
	s := cdnow.elog
	for _, tt := range []struct {
		name string
		m    Model
		want []float64
		tol  float64
	}{
		{"BG/NBD, BTYD estimates (printed to 7 digits)", btydBGNBD, walkBGNBD, 2e-5},
		{"BG/NBD, fitted", cdnow.bgE, walkBGNBD, 0.005},
		{"Pareto/NBD, fitted", cdnow.pnE, walkPareto, 0.005},
	} {
		rows, err := HoldoutTable(tt.m, s.Customers, s.Holdout, s.HoldoutWeeks, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 8 {
			t.Fatalf("%s: %d rows, want 8", tt.name, len(rows))
		}
		for i, r := range rows {
			if r.X != i || r.Customers != walkCustomers[i] {
				t.Errorf("%s: row %d is x = %d with %d customers, want %d, %d", tt.name, i, r.X, r.Customers, i, walkCustomers[i])
			}
			near(t, tt.name+" actual", r.Actual, walkActual[i], 5e-7)
			near(t, tt.name+" expected", r.Expected, tt.want[i], tt.tol)
		}
	}
	// The README's sum of conditional expectations (1,653.4 against 1,882).
	var sum float64
	for _, c := range cdnow.sum.Customers {
		sum += cdnow.bg.ConditionalExpectedPurchases(39, c)
	}
	near(t, "Σ E[Y(39)]", sum, 1653.4, 0.05)

	if _, err := HoldoutTable(btydBGNBD, s.Customers, s.Holdout[1:], 39, 7); err == nil {
		t.Error("mismatched holdout gave no error")
	}
	if _, err := HoldoutTable(btydBGNBD, s.Customers, s.Holdout, 39, 0); err == nil {
		t.Error("censor 0 gave no error")
	}
	if _, err := HoldoutTable(btydBGNBD, s.Customers, s.Holdout, math.NaN(), 7); err == nil {
		t.Error("NaN weeks gave no error")
	}
}

func TestCLV(t *testing.T) {
	cdnowFits(t)
	c := cdnow.sum.Customers[0]
	spend := cdnow.gg.ConditionalExpectedSpend(c)
	for _, m := range []Model{cdnow.bg, cdnow.pn} {
		// Without discount the value is spend × E[Y(horizon)].
		v, err := CLV(m, c, spend, 12, MonthWeeks, 0)
		if err != nil {
			t.Fatal(err)
		}
		nearRel(t, "undiscounted CLV", v, spend*m.ConditionalExpectedPurchases(12*MonthWeeks, c), 1e-12)
		d, err := CLV(m, c, spend, 12, MonthWeeks, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		if !(d < v && d > v/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01/1.01) {
			t.Errorf("discounted %v against undiscounted %v", d, v)
		}
		// Deterministic, and longer horizons are worth more.
		d2, _ := CLV(m, c, spend, 12, MonthWeeks, 0.01)
		d3, _ := CLV(m, c, spend, 24, MonthWeeks, 0.01)
		if d2 != d || !(d3 > d) {
			t.Errorf("CLV %v, again %v, over 24 months %v", d, d2, d3)
		}
		if z, err := CLV(m, c, spend, 0, MonthWeeks, 0.01); z != 0 || err != nil {
			t.Errorf("CLV over no periods = %v, %v", z, err)
		}
	}
	for _, bad := range []struct {
		periods int
		w, d    float64
		c       Customer
	}{{-1, 1, 0, c}, {1, 0, 0, c}, {1, 1, -1, c}, {1, math.NaN(), 0, c}, {1, 1, math.Inf(1), c}, {1, 1, 0, Customer{X: 1, T: 2}}} {
		if _, err := CLV(cdnow.bg, bad.c, 10, bad.periods, bad.w, bad.d); err == nil {
			t.Errorf("CLV(%+v) gave no error", bad)
		}
	}
}
