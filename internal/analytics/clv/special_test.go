package clv

import (
	"math"
	"testing"
)

func TestDigamma(t *testing.T) {
	const euler = 0.57721566490153286
	for _, tt := range []struct{ x, want float64 }{
		{1, -euler}, {0.5, -euler - 2*math.Ln2}, {2, 1 - euler}, {10, 2.2517525890667211}} {
		nearRel(t, "digamma", digamma(tt.x), tt.want, 1e-14)
	}
	// ψ(x+1) = ψ(x) + 1/x across the switch to the asymptotic series.
	for _, x := range []float64{1e-3, 0.37, 5.5, 9.99, 10, 123.456, 1e7} {
		near(t, "digamma recurrence", digamma(x+1), digamma(x)+1/x, 1e-14*(math.Abs(digamma(x))+1/x))
	}
	if !math.IsNaN(digamma(0)) || !math.IsNaN(digamma(-1)) || !math.IsInf(digamma(math.Inf(1)), 1) {
		t.Error("digamma outside (0, ∞)")
	}
	for _, r := range []float64{0.3, 7, 2e3, 5e6} {
		for _, x := range []float64{0, 1, 5, 29, 64, 65, 300.5} {
			nearRel(t, "lgammaRatio", lgammaRatio(r, x)+1e-300, (lgamma(r+x)-lgamma(r))+1e-300, 1e-9)
			nearRel(t, "digammaRatio", digammaRatio(r, x)+1e-300, (digamma(r+x)-digamma(r))+1e-300, 1e-6)
		}
	}
}

func TestLogSubExp(t *testing.T) {
	near(t, "logSubExp", logSubExp(0, -1e-20), math.Log(1e-20), 1e-12)
	near(t, "logSubExp far", logSubExp(0, -50), math.Log1p(-math.Exp(-50)), 1e-16)
	if !math.IsInf(logSubExp(2, 2), -1) {
		t.Error("logSubExp(a, a) is not −Inf")
	}
}

func TestHyperHClosedForm(t *testing.T) {
	// H(1, 2, z) = ₂F₁(1, 1; 2; z) = −ln(1−z)/z, on both sides of the
	// switch to the continued fraction.
	for _, z := range []float64{0, 0.1, 0.5, 0.6, 0.61, 0.9, 0.99, 0.999999} {
		want := 1.0
		if z > 0 {
			want = -math.Log1p(-z) / z
		}
		h, _, _, dz, ok := hyperH(1, 2, z, true)
		if !ok {
			t.Fatalf("z = %v not evaluated", z)
		}
		nearRel(t, "H(1, 2, z)", h, want, 1e-11)
		// d/dz (−ln(1−z)/z) = 1/(z(1−z)) + ln(1−z)/z²
		if z > 0 {
			nearRel(t, "∂H/∂z", dz, 1/(z*(1-z))+math.Log1p(-z)/(z*z), 1e-9)
		}
	}
}

// TestHyperHSeriesAndFraction compares the power series and the continued
// fraction of H, values and derivatives, where both work.
func TestHyperHSeriesAndFraction(t *testing.T) {
	for _, p := range [][3]float64{{1.55, 2.15, 0.3}, {1.55, 2.15, 0.59}, {100.55, 101.75, 0.5}, {0.3, 0.5, 0.55}, {1.6, 101.75, 0.45}, {30, 31.2, 0.09}} {
		e, c, z := p[0], p[1], p[2]
		h1, e1, c1, z1, ok1 := hyperH(e, c, z, true)
		h2, e2, c2, z2, ok2 := hyperCF(e, c, z)
		if !ok1 || !ok2 {
			t.Fatalf("%v: not evaluated", p)
		}
		nearRel(t, "H", h2, h1, 1e-13)
		nearRel(t, "∂H/∂e", e2, e1, 1e-11)
		nearRel(t, "∂H/∂c", c2, c1, 1e-11)
		nearRel(t, "∂H/∂z", z2, z1, 1e-11)
	}
	// The cached series of the Pareto/NBD evaluation agrees too.
	var hc hyperCoef
	if !hc.build(1.55, 2.15, 0.6) {
		t.Fatal("build failed")
	}
	for _, z := range []float64{0, 0.2, 0.6} {
		h1, e1, c1, z1, _ := hyperH(1.55, 2.15, z, true)
		h2, e2, c2, z2 := hc.eval(z)
		nearRel(t, "cached H", h2, h1, 1e-14)
		near(t, "cached ∂H/∂e", e2, e1, 1e-13)
		near(t, "cached ∂H/∂c", c2, c1, 1e-13)
		nearRel(t, "cached ∂H/∂z", z2, z1, 1e-13)
	}
	for _, bad := range [][3]float64{{1, 1, 0.5}, {-1, 2, 0.5}, {1, 2, 1}, {1, 2, -0.1}, {1, 2, math.NaN()}} {
		if _, _, _, _, ok := hyperH(bad[0], bad[1], bad[2], true); ok {
			t.Errorf("hyperH%v evaluated", bad)
		}
	}
	// Near 1 the fraction stays short and agrees with the series.
	h, _, _, _, ok := hyperH(1.55, 2.15, 0.999, true)
	if !ok {
		t.Fatal("z = 0.999 not evaluated")
	}
	nearRel(t, "H at z = 0.999", h, 39.6085686946495, 1e-12)
}
