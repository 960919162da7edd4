package clv

import (
	"math"
	"testing"
)

// BTYD's Pareto/NBD estimates on CDNOW (cdnowSummary.RData, est.params).
var btydPareto = ParetoNBD{R: 0.5533971, Alpha: 10.5801985, S: 0.6060625, Beta: 11.6562237}

func TestFitParetoNBDCDNOW(t *testing.T) {
	cdnowFits(t)
	m := cdnow.pn
	// Published (Fader, Hardie & Lee 2005; BTYD walkthrough), to 0.5 %.
	nearRel(t, "r", m.R, 0.553, 5e-3)
	nearRel(t, "alpha", m.Alpha, 10.58, 5e-3)
	nearRel(t, "s", m.S, 0.606, 5e-3)
	nearRel(t, "beta", m.Beta, 11.66, 5e-3)
	near(t, "log-likelihood", m.LogLik, -9594.98, 0.05)
	near(t, "LogLikelihood at the fit", m.LogLikelihood(cdnow.sum.Customers), m.LogLik, 1e-9)
}

func TestFitParetoNBDElog(t *testing.T) {
	cdnowFits(t)
	m := cdnow.pnE
	// CLVTools' own fit on its summary of the same log.
	nearRel(t, "r", m.R, 0.55315, 1e-3)
	nearRel(t, "alpha", m.Alpha, 10.57633, 1e-3)
	nearRel(t, "s", m.S, 0.60625, 1e-3)
	nearRel(t, "beta", m.Beta, 11.67150, 1e-3)
	near(t, "log-likelihood", m.LogLik, -9594.976, 1e-3)
	// Ours is the better maximum, if only just.
	if l := (ParetoNBD{R: 0.55315, Alpha: 10.57633, S: 0.60625, Beta: 11.67150}).LogLikelihood(cdnow.elog.Customers); l > m.LogLik {
		t.Errorf("CLVTools' estimates have log-likelihood %v above ours, %v", l, m.LogLik)
	}
}

func TestParetoNBDExpectations(t *testing.T) {
	cdnowFits(t)
	// BTYD walkthrough §3.3. Its estimates are printed to 3–4 digits
	// only; the full-precision ones of cdnowSummary.RData give these to
	// 2e-4 and our fit of the event log to 1e-5.
	m := cdnow.pnE
	nearRel(t, "E[X(52)]", m.ExpectedPurchases(52), 1.473434, 1e-5)
	nearRel(t, "1516 in 52 weeks", m.ConditionalExpectedPurchases(52, cust1516), 25.45647, 1e-4)
	near(t, "P(alive) of 1516", m.PAlive(cust1516), 0.997874, 1e-6)
	b := btydPareto
	nearRel(t, "E[X(52)], BTYD estimates", b.ExpectedPurchases(52), 1.473434, 3e-4)
	nearRel(t, "1516 in 52 weeks, BTYD estimates", b.ConditionalExpectedPurchases(52, cust1516), 25.45647, 3e-4)
	near(t, "P(alive) of 1516, BTYD estimates", b.PAlive(cust1516), 0.997874, 1e-6)
	// lifetimes against R BTYD, tolerance 0.01.
	for i, want := range []float64{0, 0.05077821, 0.09916088, 0.14542507, 0.18979930, 0.23247466, 0.27361274, 0.31335159, 0.35181024, 0.38909211} {
		near(t, "E[X(t)]", cdnow.pn.ExpectedPurchases(float64(i)), want, 0.01)
	}
	// s = 1 is the limit of the expectation's (1 − (β/(β+t))^(s−1))/(s−1).
	one := ParetoNBD{R: 0.5, Alpha: 10, S: 1, Beta: 12}
	near(t, "E[X(30)] at s = 1", one.ExpectedPurchases(30), ParetoNBD{R: 0.5, Alpha: 10, S: 1 + 1e-9, Beta: 12}.ExpectedPurchases(30), 1e-8)
	c := Customer{X: 3, TX: 20, T: 30}
	near(t, "E[Y(30)] at s = 1", one.ConditionalExpectedPurchases(30, c), ParetoNBD{R: 0.5, Alpha: 10, S: 1 - 1e-9, Beta: 12}.ConditionalExpectedPurchases(30, c), 1e-8)
	if p := m.PAlive(Customer{X: 5, TX: 30, T: 30}); p != 1 {
		t.Errorf("P(alive) just after a purchase = %v, want 1", p)
	}
}

// paretoLLQuadrature is one customer's Pareto/NBD log-likelihood with the
// death term integrated numerically (composite Gauss-Legendre on a
// logarithmic grid): an independent check of the hypergeometric route.
func paretoLLQuadrature(m ParetoNBD, c Customer) float64 {
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	f := func(tau float64) float64 {
		return math.Exp(-(r+c.X)*math.Log(alpha+tau) - (s+1)*math.Log(beta+tau))
	}
	// ∫_{t_x}^{T} f, in the variable u = ln(min(α,β)+τ) where f is smooth.
	base := math.Min(alpha, beta)
	u0, u1 := math.Log(base+c.TX), math.Log(base+c.T)
	nodes := []float64{-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640}
	weights := []float64{0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891}
	const panels = 4000
	var integral float64
	h := (u1 - u0) / panels
	for p := range panels {
		mid := u0 + (float64(p)+0.5)*h
		for i, x := range nodes {
			u := mid + x*h/2
			tau := math.Exp(u) - base
			integral += weights[i] * h / 2 * f(tau) * math.Exp(u)
		}
	}
	alive := math.Exp(-(r+c.X)*math.Log(alpha+c.T) - s*math.Log(beta+c.T))
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	return lg(r+c.X) - lg(r) + r*math.Log(alpha) + s*math.Log(beta) + math.Log(alive+s*integral)
}

func TestParetoNBDAgainstQuadrature(t *testing.T) {
	customers := []Customer{
		{X: 0, T: 38.86}, {X: 2, TX: 30.43, T: 38.86}, {X: 1, TX: 1.71, T: 38.86}, {X: 26, TX: 30.86, T: 31},
		{X: 7, TX: 5, T: 70}, {X: 150, TX: 50, T: 52}, {X: 1, TX: 0.14, T: 0.29},
	}
	params := []ParetoNBD{
		{R: 0.55, Alpha: 10.58, S: 0.606, Beta: 11.66}, // CDNOW, α < β
		{R: 0.55, Alpha: 11.66, S: 0.606, Beta: 10.58}, // α > β
		{R: 0.55, Alpha: 10, S: 0.606, Beta: 10},       // α = β
		{R: 1, Alpha: 0.1, S: 0.3, Beta: 100},          // z near 1 (continued fraction)
		{R: 2, Alpha: 300, S: 5, Beta: 0.2},            // z near 1 the other way
		{R: 0.3, Alpha: 2, S: 3, Beta: 3.001},          // α ≈ β
		{R: 40, Alpha: 1, S: 0.01, Beta: 1e4},          // large r
	}
	for _, m := range params {
		for _, c := range customers {
			got := m.LogLikelihood([]Customer{c})
			want := paretoLLQuadrature(m, c)
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%+v, %+v: log-likelihood %.12g, quadrature %.12g", m, c, got, want)
			}
		}
	}
}

func TestParetoNBDGradient(t *testing.T) {
	cdnowFits(t)
	e := newParetoEval(compactOf(cdnow.sum.Customers))
	checkGradient(t, e.logLik, [][]float64{
		{0.55, 10.6, 0.6, 11.7}, {0.55, 11.7, 0.6, 10.6}, {0.3, 12, 2, 3}, {1.5, 2, 0.3, 40},
		{0.8, 5, 0.8, 5}, {1, 0.1, 0.3, 100}, {2, 300, 5, 0.2},
	})
}

// TestFitParetoNBDHeavyBuyers recovers the parameters of a simulated
// supermarket-like base (about two purchases a week, dozens to hundreds of
// purchases per customer), where the ₂F₁ has large parameters.
func TestFitParetoNBDHeavyBuyers(t *testing.T) {
	cs := simParetoNBD(5, 5000, 2, 1, 0.5, 10, 26, 52)
	m, err := FitParetoNBD(cs)
	if err != nil {
		t.Fatal(err)
	}
	nearRel(t, "r", m.R, 2, 0.1)
	nearRel(t, "alpha", m.Alpha, 1, 0.1)
	nearRel(t, "s", m.S, 0.5, 0.25)
	nearRel(t, "beta", m.Beta, 10, 0.25)
}

// TestFitParetoNBDFarFromCDNOW fits a base where one gamma scale is a
// thousand times the other, so the hypergeometric argument is near 1.
func TestFitParetoNBDFarFromCDNOW(t *testing.T) {
	cs := simParetoNBD(7, 3000, 1, 0.1, 0.3, 100, 10, 100)
	m, err := FitParetoNBD(cs)
	if err != nil {
		t.Fatal(err)
	}
	nearRel(t, "r", m.R, 1, 0.1)
	nearRel(t, "alpha", m.Alpha, 0.1, 0.1)
	nearRel(t, "s", m.S, 0.3, 0.3)
	nearRel(t, "beta", m.Beta, 100, 0.6)
}

// TestFitNoInteriorMaximum fits the Pareto/NBD to BG/NBD data whose
// purchase rates barely vary: r and α run off together, and the fit says
// so instead of returning them.
func TestFitNoInteriorMaximum(t *testing.T) {
	cs := simBGNBD(3, 5000, 0.5, 20, 2, 0.5, 10, 100)
	_, err := FitParetoNBD(cs)
	if err == nil {
		t.Fatal("no error")
	}
	t.Log(err)
}
