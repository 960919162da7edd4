package clv

import "math"

// maxSeriesTerms bounds every power series. Only the BG/NBD expectation's
// can come near it: its argument t/(α+T+t) approaches 1 for horizons t far
// beyond α (about 40·(α+T+t)/(α+T) terms). Past the bound the caller gets
// "not evaluable" (NaN) instead of a silently truncated sum.
const maxSeriesTerms = 1_000_000

// seriesEps is the relative size of the neglected tail.
const seriesEps = 1e-17

// hyperH is H(e, c, z) = Σ_k (e)_k/(c)_k z^k = ₂F₁(1, e; c; z) for
// 0 < e < c and 0 ≤ z < 1, with its partial derivatives when grad is set.
//
// The Pareto/NBD likelihood needs ₂F₁(a, b; a+1; z), whose plain series
// grows without bound as z → 1 and has terms that overflow for large b (a
// customer with hundreds of purchases). Euler's transformation
//
//	₂F₁(a, b; a+1; z) = (1−z)^(1−b) · ₂F₁(1, a+1−b; a+1; z)
//
// leaves a series whose terms start at 1 and only shrink (each ratio
// (e+k)/(c+k)·z is below 1), so the sum lies in [1, 1/(1−z)], never
// overflows, and its logarithm plus (1−b)·ln(1−z) is the log of the
// original function: the computation stays in log space.
func hyperH(e, c, z float64, grad bool) (h, dE, dC, dZ float64, ok bool) {
	if !(e > 0 && c > e && z >= 0 && z < 1) || math.IsInf(c, 1) {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN(), false
	}
	if z == 0 {
		return 1, 0, 0, e / c, true
	}
	if z > seriesZMax {
		return hyperCF(e, c, z)
	}
	t := 1.0           // term k
	h = 1              // sum of terms
	var se, sc float64 // Σ_{j<k} 1/(e+j), Σ_{j<k} 1/(c+j)
	var ke, kc, kz float64
	// The tail after term k is below t·q/(1−q) with q = z, and the
	// derivative sums carry at most a factor k + 1/(1−z) more.
	inv := 1 / (1 - z)
	for k := 0; k < maxSeriesTerms; k++ {
		fk := float64(k)
		if grad {
			se += 1 / (e + fk)
			sc += 1 / (c + fk)
		}
		t *= (e + fk) / (c + fk) * z
		h += t
		if grad {
			ke += t * se
			kc += t * sc
			kz += t * (fk + 1)
		}
		if t*(fk+2+inv)*inv <= seriesEps*h {
			if grad {
				return h, ke, -kc, kz / z, true
			}
			return h, 0, 0, 0, true
		}
	}
	return math.NaN(), math.NaN(), math.NaN(), math.NaN(), false
}

// seriesZMax is the largest argument summed by the power series of H,
// which needs about 40/(1−z) terms; beyond it the continued fraction,
// which needs about 10/√(1−z), is faster (at z = 0.999: 270 steps
// against 38,000 terms).
const seriesZMax = 0.6

// hyperCF evaluates H(e, c, z) = ₂F₁(1, e; c; z) and its partial
// derivatives by Gauss's continued fraction, in the form Numerical Recipes
// (Press et al. 2007, §6.4) uses for the incomplete beta function:
// B_z(p, q) = z^p (1−z)^q / p · ₂F₁(p+q, 1; p+1; z), so H is that fraction
// with p = c−1, q = e−c+1. It is summed by the modified Lentz method
// carrying first derivatives along (forward-mode differentiation).
func hyperCF(e, c, z float64) (h, dE, dC, dZ float64, ok bool) {
	// Seeds: p = c−1, q = e−c+1, x = z as functions of (e, c, z).
	p := dual{c - 1, 0, 1, 0}
	q := dual{e - c + 1, 1, -1, 0}
	x := dual{z, 0, 0, 1}
	one := dual{v: 1}
	pq := p.add(q)
	p1 := p.add(one)
	pm1 := p.sub(one)
	tiny := func(d dual) dual {
		if math.Abs(d.v) < 1e-300 {
			return dual{v: 1e-300}
		}
		return d
	}
	cc := one
	d := tiny(one.sub(pq.mul(x).div(p1))).inv()
	hh := d
	step := func(aa dual) dual {
		d = tiny(one.add(aa.mul(d))).inv()
		cc = tiny(one.add(aa.div(cc)))
		del := d.mul(cc)
		hh = hh.mul(del)
		return del
	}
	for m := 1; m <= maxCFSteps; m++ {
		fm := float64(m)
		m2 := dual{v: 2 * fm}
		// d_2m = m(q−m)x / ((p+2m−1)(p+2m))
		step(q.sub(dual{v: fm}).mul(x).scale(fm).div(pm1.add(m2).mul(p.add(m2))))
		// d_2m+1 = −(p+m)(p+q+m)x / ((p+2m)(p+2m+1))
		del := step(p.add(dual{v: fm}).mul(pq.add(dual{v: fm})).mul(x).scale(-1).div(p.add(m2).mul(p1.add(m2))))
		if math.Abs(del.v-1) <= 1e-16 && math.Abs(del.de) <= 1e-15 && math.Abs(del.dc) <= 1e-15 && math.Abs(del.dz)*(1-z) <= 1e-15 {
			if math.IsNaN(hh.v) || math.IsInf(hh.v, 0) {
				break
			}
			return hh.v, hh.de, hh.dc, hh.dz, true
		}
	}
	return math.NaN(), math.NaN(), math.NaN(), math.NaN(), false
}

// maxCFSteps bounds the continued fraction: 10⁵ steps reach z = 1 − 10⁻⁸.
const maxCFSteps = 100_000

// dual is a number with its partial derivatives in (e, c, z).
type dual struct{ v, de, dc, dz float64 }

func (a dual) add(b dual) dual { return dual{a.v + b.v, a.de + b.de, a.dc + b.dc, a.dz + b.dz} }
func (a dual) sub(b dual) dual { return dual{a.v - b.v, a.de - b.de, a.dc - b.dc, a.dz - b.dz} }
func (a dual) scale(k float64) dual {
	return dual{k * a.v, k * a.de, k * a.dc, k * a.dz}
}
func (a dual) mul(b dual) dual {
	return dual{a.v * b.v, a.de*b.v + a.v*b.de, a.dc*b.v + a.v*b.dc, a.dz*b.v + a.v*b.dz}
}
func (a dual) inv() dual {
	i := 1 / a.v
	k := -i * i
	return dual{i, k * a.de, k * a.dc, k * a.dz}
}
func (a dual) div(b dual) dual { return a.mul(b.inv()) }
