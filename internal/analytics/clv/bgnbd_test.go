package clv

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// BTYD's own BG/NBD estimates on CDNOW (BTYD walkthrough, §4.2).
var btydBGNBD = BGNBD{R: 0.2425982, Alpha: 4.4136842, A: 0.7929899, B: 2.4261667}

// Customer 1516 of the BTYD walkthrough.
var cust1516 = Customer{ID: "1516", X: 26, TX: 30.85714, T: 31}

func TestFitBGNBDCDNOW(t *testing.T) {
	cdnowFits(t)
	m := cdnow.bg
	// lifetimes' fit on the same summary (README: Quickstart), to 0.1 %.
	nearRel(t, "r", m.R, 0.242593, 1e-3)
	nearRel(t, "alpha", m.Alpha, 4.413532, 1e-3)
	nearRel(t, "a", m.A, 0.792886, 1e-3)
	nearRel(t, "b", m.B, 2.425752, 1e-3)
	near(t, "log-likelihood", m.LogLik, -9582.43, 0.01)
	// Much closer in fact: the R optim re-fit of the README.
	nearRel(t, "r (R re-fit)", m.R, 0.242593, 2e-5)
	nearRel(t, "alpha (R re-fit)", m.Alpha, 4.413528, 2e-5)
	nearRel(t, "a (R re-fit)", m.A, 0.792885, 2e-5)
	nearRel(t, "b (R re-fit)", m.B, 2.425751, 2e-5)
	near(t, "log-likelihood (R re-fit)", m.LogLik, -9582.4256, 1e-4)
	rounded := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	near(t, "log-likelihood at the published values", rounded.LogLikelihood(cdnow.sum.Customers), -9582.427, 1e-3)
	near(t, "LogLikelihood at the fit", m.LogLikelihood(cdnow.sum.Customers), m.LogLik, 1e-9)
}

// TestFitBGNBDElog fits the summary built from the event log (unrounded
// times), as BTYD and CLVTools do.
func TestFitBGNBDElog(t *testing.T) {
	cdnowFits(t)
	m := cdnow.bgE
	// CLVTools' own fit.
	nearRel(t, "r", m.R, 0.2425945, 1e-5)
	nearRel(t, "alpha", m.Alpha, 4.4136019, 1e-5)
	nearRel(t, "a", m.A, 0.7929199, 1e-4)
	nearRel(t, "b", m.B, 2.4258881, 1e-4)
	near(t, "log-likelihood", m.LogLik, -9582.429, 1e-3)
	// BTYD's, which stops earlier.
	nearRel(t, "r (BTYD)", m.R, btydBGNBD.R, 1e-4)
	nearRel(t, "b (BTYD)", m.B, btydBGNBD.B, 2e-4)
}

func TestBGNBDExpectations(t *testing.T) {
	cdnowFits(t)
	m := cdnow.bg
	// "Hardie excel sheet" values, to three decimals.
	for i, tt := range []float64{0.1429, 1, 3, 31.8571, 32, 78} {
		want := []float64{0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576}[i]
		near(t, "E[X(t)]", m.ExpectedPurchases(tt), want, 5e-4)
	}
	c1 := cdnow.sum.Customers[0]
	near(t, "customer 1, next 39 weeks", m.ConditionalExpectedPurchases(39, c1), 1.226, 5e-4)
	near(t, "P(alive) of 1516 with the fitted parameters", m.PAlive(cust1516), 0.9688523, 1e-4)

	// BTYD walkthrough §4.3, with BTYD's estimates.
	b := btydBGNBD
	nearRel(t, "E[X(52)]", b.ExpectedPurchases(52), 1.444004, 1e-6)
	// The walkthrough prints the estimates to 7 digits, hence 1e-5.
	nearRel(t, "1516 in 52 weeks", b.ConditionalExpectedPurchases(52, cust1516), 25.75659, 1e-5)
	nearRel(t, "P(alive) of 1516", b.PAlive(cust1516), 0.9688523, 1e-6)
	for i, x := range []float64{10, 15, 20, 25} {
		want := []float64{0.3474606, 0.04283391, 0.004158973, 0.0003583685}[i]
		nearRel(t, "E[Y(52) | x, 20, 39]", b.ConditionalExpectedPurchases(52, Customer{X: x, TX: 20, T: 39}), want, 1e-5)
	}
	if got := b.ConditionalExpectedPurchases(0, cust1516); got != 0 {
		t.Errorf("expectation over no time = %v", got)
	}
	if got := b.PAlive(Customer{T: 10}); got != 1 {
		t.Errorf("P(alive) without repeat purchases = %v, want 1", got)
	}
}

func TestBGNBDProbPurchases(t *testing.T) {
	// lifetimes' comparison with R BTYD.
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	nearRel(t, "P(X(2) = 10)", m.ProbPurchases(2, 10), 1.07869e-07, 1e-5)
	nearRel(t, "P(X(39) = 0)", m.ProbPurchases(39, 0), 0.5737864, 1e-6)
	for i, want := range []float64{0.0019995214, 0.0015170236, 0.0011633150, 0.0009003148, 0.0007023638,
		0.0005517902, 0.0004361913, 0.0003467171, 0.0002769613, 0.0002222260} {
		near(t, "P(X(30) = n)", m.ProbPurchases(30, 11+i), want, 1e-10)
	}
	// The distribution sums to one and its mean is E[X(t)].
	var sum, mean float64
	for n := range 2000 {
		p := m.ProbPurchases(30, n)
		sum += p
		mean += float64(n) * p
	}
	near(t, "Σ P(X(30) = n)", sum, 1, 1e-9)
	nearRel(t, "Σ n P(X(30) = n)", mean, m.ExpectedPurchases(30), 1e-8)
	if m.ProbPurchases(30, -1) != 0 || m.ProbPurchases(0, 0) != 1 || m.ProbPurchases(0, 3) != 0 {
		t.Error("edge cases of ProbPurchases")
	}
}

// TestBGNBDNearAOne checks that a = 1, where the expectation's formula has
// 0/0, is continuous.
func TestBGNBDNearAOne(t *testing.T) {
	c := Customer{X: 3, TX: 20, T: 30}
	at := func(a float64) BGNBD { return BGNBD{R: 0.5, Alpha: 5, A: a, B: 2} }
	mid := at(1).ConditionalExpectedPurchases(26, c)
	for _, d := range []float64{1e-12, 1e-8, 1e-5} {
		near(t, "E at a = 1+d", at(1+d).ConditionalExpectedPurchases(26, c), mid, 10*d)
		near(t, "E at a = 1−d", at(1-d).ConditionalExpectedPurchases(26, c), mid, 10*d)
	}
	near(t, "E[X] at a = 1", at(1).ExpectedPurchases(26), at(1+1e-9).ExpectedPurchases(26), 1e-8)
}

// TestBGNBDHeavyBuyer checks the transformed series where the equation's
// own hypergeometric function overflows (Fader & Hardie's #NUM! note).
func TestBGNBDHeavyBuyer(t *testing.T) {
	m := BGNBD{R: 0.25, Alpha: 4.4, A: 0.8, B: 2.4}
	c := Customer{X: 400, TX: 51, T: 52}
	// Reference: eq. 10 as printed, its ₂F₁ summed directly in
	// arbitrary-range arithmetic (the series peaks near 1e113).
	nearRel(t, "E[Y(52)] of a heavy buyer", m.ConditionalExpectedPurchases(52, c), 78.43129158533887, 1e-9)
	// At x = 3000 the printed equation's ₂F₁ is beyond float64.
	c = Customer{X: 3000, TX: 52, T: 52}
	if e := m.ConditionalExpectedPurchases(52, c); !(e > 100 && e < 3000) {
		t.Errorf("E[Y(52)] at x = 3000: %v", e)
	}
	if e := m.ConditionalExpectedPurchases(5200, c); math.IsNaN(e) || math.IsInf(e, 0) {
		t.Errorf("E[Y(5200)] at x = 3000: %v", e)
	}
}

// TestBGNBDGradient compares the analytic gradient with central
// differences.
func TestBGNBDGradient(t *testing.T) {
	cdnowFits(t)
	e := newBGNBDEval(compactOf(cdnow.sum.Customers))
	checkGradient(t, e.logLik, [][]float64{{0.24, 4.4, 0.79, 2.4}, {0.3, 12, 2, 3}, {1.5, 2, 0.3, 40}})
}

func checkGradient(t *testing.T, f func(th, g []float64) float64, points [][]float64) {
	t.Helper()
	for _, th := range points {
		g := make([]float64, len(th))
		f(th, g)
		for k := range th {
			h := 1e-6 * th[k]
			up := append([]float64(nil), th...)
			dn := append([]float64(nil), th...)
			up[k] += h
			dn[k] -= h
			num := (f(up, nil) - f(dn, nil)) / (up[k] - dn[k])
			// Central differences of a sum near 1e4 are good to ~1e-5/h.
			tol := 1e-6*math.Abs(num) + 2e-5/h*1e-6*math.Max(1, th[k])
			if math.Abs(g[k]-num) > tol+1e-4 {
				t.Errorf("at %v: ∂/∂θ%d analytic %.9g, numeric %.9g", th, k, g[k], num)
			}
		}
	}
}

// noDropoutHistory is a base in which every repeat buyer bought last at
// the end of the period: nobody looks gone, so the dropout parameters of
// the BG/NBD have no finite maximum.
func noDropoutHistory() []Customer {
	rng := rand.New(rand.NewPCG(1, 2))
	cs := make([]Customer, 300)
	for i := range cs {
		T := 8 + float64(rng.IntN(2))
		x := float64(rng.IntN(6))
		tx := 0.0
		if x > 0 {
			tx = T - float64(rng.IntN(2))*0.2
		}
		cs[i] = Customer{X: x, TX: tx, T: T}
	}
	return cs
}

// TestBGNBDEdge checks that a fit running to the edge of the parameter
// space says which parameter ran away, so callers can explain it.
func TestBGNBDEdge(t *testing.T) {
	_, err := FitBGNBD(noDropoutHistory())
	var edge *EdgeError
	if !errors.As(err, &edge) || !errors.Is(err, errNoConvergence) {
		t.Fatalf("err = %v, want an EdgeError", err)
	}
	if edge.Param != "b" || edge.Values["b"] < 1e7 || len(edge.Values) != 4 {
		t.Errorf("edge = %+v", edge)
	}
	for _, want := range []string{"BG/NBD", "b runs to", "no interior maximum", "r = ", "alpha = "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}
