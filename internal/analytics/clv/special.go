package clv

import "math"

// digamma is ψ(x) = d/dx ln Γ(x) for x > 0 (NaN otherwise: every model
// parameter is positive). Small arguments are moved up by the recurrence
// ψ(x) = ψ(x+1) − 1/x until the asymptotic series is accurate to double
// precision (the first omitted term is below 1e-15 from x = 10).
func digamma(x float64) float64 {
	if !(x > 0) || math.IsInf(x, 1) {
		if math.IsInf(x, 1) {
			return x
		}
		return math.NaN()
	}
	var acc float64
	for x < 10 {
		acc -= 1 / x
		x++
	}
	// Asymptotic expansion with the Bernoulli numbers B2..B12.
	f := 1 / (x * x)
	t := f * (-1.0/12 + f*(1.0/120+f*(-1.0/252+f*(1.0/240+f*(-1.0/132+f*(691.0/32760))))))
	return acc + math.Log(x) - 0.5/x + t
}

// lgamma is ln Γ(x) for x > 0.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// lbeta is ln B(a, b).
func lbeta(a, b float64) float64 {
	return lgamma(a) + lgamma(b) - lgamma(a+b)
}

// logSubExp is ln(e^a − e^b) for a ≥ b; −Inf when they are equal.
func logSubExp(a, b float64) float64 {
	if math.IsInf(b, -1) {
		return a
	}
	d := b - a
	if d >= 0 {
		return math.Inf(-1)
	}
	// log(-expm1(d)) keeps precision for d near 0, log1p(-exp(d)) for d ≪ 0.
	if d > -math.Ln2 {
		return a + math.Log(-math.Expm1(d))
	}
	return a + math.Log1p(-math.Exp(d))
}

// lgammaRatio is ln Γ(r+x) − ln Γ(r) and digammaRatio ψ(r+x) − ψ(r), for
// r > 0 and x ≥ 0. For large r the difference of two large ln Γ values
// loses the digits that matter, so whole x up to 64 are summed term by
// term (ln Γ(r+x)/Γ(r) = Σ_{k<x} ln(r+k)).
func lgammaRatio(r, x float64) float64 {
	if x == 0 {
		return 0
	}
	if r > 1e3 && x <= 64 && x == math.Trunc(x) {
		s := x * math.Log(r)
		for k := 1.0; k < x; k++ {
			s += math.Log1p(k / r)
		}
		return s
	}
	return lgamma(r+x) - lgamma(r)
}

func digammaRatio(r, x float64) float64 {
	if x == 0 {
		return 0
	}
	if x <= 64 && x == math.Trunc(x) && (r > 1e3 || x <= 8) {
		var s float64
		for k := 0.0; k < x; k++ {
			s += 1 / (r + k)
		}
		return s
	}
	return digamma(r+x) - digamma(r)
}
