package clv

import (
	"errors"
	"fmt"
	"math"
)

// objective is a function to minimise: it returns f(x) and writes ∇f(x)
// into g. Outside its domain (or where it cannot be evaluated) it returns
// +Inf or NaN, which the line search treats as "step too long".
type objective func(x, g []float64) float64

// errNoConvergence reports a fit whose optimiser did not reach a stationary
// point; the parameters it had reached are not returned as an answer.
var errNoConvergence = errors.New("the maximum likelihood search did not converge")

// EdgeError reports a fit whose likelihood keeps rising toward the edge of
// the parameter space: Param runs away, so the data has no interior
// maximum. Callers tell the cases apart by Param; in the BG/NBD, a or b
// running away means nobody in the history has dropped out yet.
type EdgeError struct {
	Param  string             // the parameter that ran to the edge
	Values map[string]float64 // every parameter where the search stopped
	names  []string
	est    []float64
}

func (e *EdgeError) Error() string {
	return fmt.Sprintf("%s: %s runs to %.3g (%s); the data has no interior maximum, so the model does not fit it",
		errNoConvergence, e.Param, e.Values[e.Param], describe(e.names, e.est))
}

func (e *EdgeError) Unwrap() error { return errNoConvergence }

type minimum struct {
	x     []float64
	f     float64
	iters int
	evals int
}

// fRounding is the relative rounding of a log-likelihood summed over
// thousands of customers: a few hundred ulps (measured: changes of about
// 1e-8 on −17,478 from perturbations that cannot move it).
const fRounding = 1e-12

// Line search constants of Nocedal & Wright (2006, ch. 3).
const (
	wolfeC1 = 1e-4
	wolfeC2 = 0.9
	// maxLogStep bounds one step in log-parameter space (a factor e^8),
	// so a trial point never overflows the likelihood.
	maxLogStep = 8
)

// minimize runs BFGS (Nocedal & Wright 2006, Alg. 6.1) with a strong Wolfe
// line search (Alg. 3.5/3.6) from x0. It stops when max|∇f| ≤
// gtol·max(1, |f|) and reports errNoConvergence when that is not reached in
// maxIter iterations or no step decreases f any more while the gradient is
// still large.
func minimize(fn objective, x0 []float64, gtol float64, maxIter int) (minimum, error) {
	return minimizeIn(fn, x0, gtol, maxIter, nil)
}

// minimizeIn is minimize that gives up as soon as atEdge (if not nil)
// says x is where fn is about to become undefined.
func minimizeIn(fn objective, x0 []float64, gtol float64, maxIter int, atEdge func([]float64) bool) (minimum, error) {
	n := len(x0)
	m := minimum{x: append([]float64(nil), x0...)}
	g := make([]float64, n)
	m.f = fn(m.x, g)
	m.evals++
	if !isFinite(m.f) || !allFinite(g) {
		return m, fmt.Errorf("%w: the starting point is not evaluable", errNoConvergence)
	}
	h := identity(n)
	first := true
	p := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	s := make([]float64, n)
	y := make([]float64, n)
	failures := 0
	for m.iters = 0; m.iters < maxIter; m.iters++ {
		if maxAbs(g) <= gtol*math.Max(1, math.Abs(m.f)) {
			return m, nil
		}
		if m.iters == hessianRefresh {
			// BFGS learns the curvature of these ill-conditioned
			// likelihoods slowly (about 20 iterations even from near the
			// maximum); a Hessian by differences of the gradient, once the
			// first steps have left the starting region, saves 15–30 % of
			// the evaluations and evens out unlucky starts.
			if hi, ok := fdInverseHessian(fn, m.x, g); ok {
				h = hi
				first = false
			}
			m.evals += n
		}
		mulVec(p, h, g, -1)
		d0 := dot(g, p)
		if !(d0 < 0) {
			h = identity(n)
			mulVec(p, h, g, -1)
			d0 = dot(g, p)
			first = true
		}
		step := 1.0
		if first {
			step = math.Min(1, 1/maxAbs(p))
		}
		amax := maxLogStep / maxAbs(p)
		step = math.Min(step, amax)
		fn2, a, evals, ok := lineSearch(fn, m.x, m.f, g, p, d0, step, amax, xn, gn)
		m.evals += evals
		if !ok {
			// No step decreases f: near the optimum that is the rounding
			// of f. A gradient within 10·gtol is accepted, and so is a
			// quasi-Newton step whose predicted decrease, −d0/2, is below
			// what f can resolve: on an ill-conditioned likelihood (a
			// Gamma-Gamma whose scale runs to thousands) the gradient can
			// stay above gtol along a direction in which f is flat to its
			// last digits.
			// Otherwise retry once along the plain gradient.
			scale := math.Max(1, math.Abs(m.f))
			if maxAbs(g) <= 10*gtol*scale || !first && -d0/2 <= fRounding*scale && maxAbs(g) <= 1000*gtol*scale {
				return m, nil
			}
			failures++
			if failures >= 2 || first {
				return m, fmt.Errorf("%w: no further decrease at gradient %.3g", errNoConvergence, maxAbs(g))
			}
			h = identity(n)
			first = true
			continue
		}
		failures = 0
		for i := range s {
			s[i] = a * p[i]
			y[i] = gn[i] - g[i]
		}
		copy(m.x, xn)
		copy(g, gn)
		fOld := m.f
		m.f = fn2
		if atEdge != nil && atEdge(m.x) {
			return m, fmt.Errorf("%w: the search reached the edge of the parameter space", errNoConvergence)
		}
		if fOld-fn2 <= 1e-14*math.Abs(fn2) && maxAbs(g) <= 10*gtol*math.Max(1, math.Abs(m.f)) {
			// Progress is down to the rounding of f.
			return m, nil
		}
		sy := dot(s, y)
		if sy > 1e-12*math.Sqrt(dot(s, s)*dot(y, y)) {
			if first {
				// Scale the initial inverse Hessian (N&W eq. 6.20).
				sc := sy / dot(y, y)
				for i := range h {
					for j := range h[i] {
						h[i][j] = 0
					}
					h[i][i] = sc
				}
			}
			bfgsUpdate(h, s, y, sy)
			first = false
		}
	}
	if maxAbs(g) <= gtol*math.Max(1, math.Abs(m.f)) {
		return m, nil
	}
	return m, fmt.Errorf("%w in %d iterations (gradient %.3g)", errNoConvergence, maxIter, maxAbs(g))
}

// lineSearch finds a step a along p satisfying the strong Wolfe conditions.
// It writes the new point and gradient into xn and gn.
func lineSearch(fn objective, x []float64, f0 float64, g0, p []float64, d0, a1, amax float64, xn, gn []float64) (f float64, a float64, evals int, ok bool) {
	n := len(x)
	gt := make([]float64, n)
	eval := func(a float64) (float64, float64) {
		for i := range xn {
			xn[i] = x[i] + a*p[i]
		}
		evals++
		f := fn(xn, gt)
		if !isFinite(f) || !allFinite(gt) {
			return math.Inf(1), math.NaN()
		}
		return f, dot(gt, p)
	}
	// best remembers the last point with sufficient decrease, the answer
	// when the curvature condition cannot be met in the iteration budget.
	bestA, bestF := 0.0, f0
	bestG := make([]float64, n)
	keep := func(a, f float64) {
		if f < bestF {
			bestA, bestF = a, f
			copy(bestG, gt)
		}
	}
	finish := func() (float64, float64, int, bool) {
		if bestA == 0 {
			return f0, 0, evals, false
		}
		for i := range xn {
			xn[i] = x[i] + bestA*p[i]
		}
		copy(gn, bestG)
		return bestF, bestA, evals, true
	}
	zoom := func(lo, flo, dlo, hi, fhi, dhi float64) (float64, float64, int, bool) {
		for j := 0; j < 30; j++ {
			aj := interpolate(lo, flo, dlo, hi, fhi, dhi)
			fj, dj := eval(aj)
			if fj > f0+wolfeC1*aj*d0 || fj >= flo {
				hi, fhi, dhi = aj, fj, dj
				continue
			}
			keep(aj, fj)
			if math.Abs(dj) <= -wolfeC2*d0 {
				copy(gn, gt)
				return fj, aj, evals, true
			}
			if dj*(hi-lo) >= 0 {
				hi, fhi, dhi = lo, flo, dlo
			}
			lo, flo, dlo = aj, fj, dj
			if math.Abs(hi-lo) <= 1e-14*math.Max(lo, hi) {
				break
			}
		}
		return finish()
	}
	prevA, prevF, prevD := 0.0, f0, d0
	a = a1
	for i := 0; i < 40; i++ {
		fa, da := eval(a)
		if fa > f0+wolfeC1*a*d0 || (i > 0 && fa >= prevF) {
			return zoom(prevA, prevF, prevD, a, fa, da)
		}
		keep(a, fa)
		if math.Abs(da) <= -wolfeC2*d0 {
			copy(gn, gt)
			return fa, a, evals, true
		}
		if da >= 0 {
			return zoom(a, fa, da, prevA, prevF, prevD)
		}
		if a >= amax {
			return finish()
		}
		prevA, prevF, prevD = a, fa, da
		a = math.Min(2*a, amax)
	}
	return finish()
}

// interpolate picks a trial step between lo and hi: the minimiser of the
// cubic through both ends when it is defined and well inside, else the
// midpoint.
func interpolate(lo, flo, dlo, hi, fhi, dhi float64) float64 {
	mid := (lo + hi) / 2
	if !isFinite(fhi) || math.IsNaN(dhi) {
		return mid
	}
	d1 := dlo + dhi - 3*(flo-fhi)/(lo-hi)
	disc := d1*d1 - dlo*dhi
	if disc < 0 {
		return mid
	}
	d2 := math.Copysign(math.Sqrt(disc), hi-lo)
	a := hi - (hi-lo)*(dhi+d2-d1)/(dhi-dlo+2*d2)
	left, right := math.Min(lo, hi), math.Max(lo, hi)
	w := right - left
	if !isFinite(a) || a < left+0.1*w || a > right-0.1*w {
		return mid
	}
	return a
}

// bfgsUpdate applies H ← (I−ρsyᵀ)H(I−ρysᵀ) + ρssᵀ with ρ = 1/sᵀy.
func bfgsUpdate(h [][]float64, s, y []float64, sy float64) {
	n := len(s)
	rho := 1 / sy
	hy := make([]float64, n)
	for i := range n {
		for j := range n {
			hy[i] += h[i][j] * y[j]
		}
	}
	yhy := dot(y, hy)
	for i := range n {
		for j := range n {
			h[i][j] += -rho*(hy[i]*s[j]+s[i]*hy[j]) + (rho*rho*yhy+rho)*s[i]*s[j]
		}
	}
}

func identity(n int) [][]float64 {
	h := make([][]float64, n)
	for i := range h {
		h[i] = make([]float64, n)
		h[i][i] = 1
	}
	return h
}

// mulVec sets dst = k·H·v.
func mulVec(dst []float64, h [][]float64, v []float64, k float64) {
	for i := range dst {
		var t float64
		for j, vj := range v {
			t += h[i][j] * vj
		}
		dst[i] = k * t
	}
}

func dot(a, b []float64) float64 {
	var t float64
	for i := range a {
		t += a[i] * b[i]
	}
	return t
}

func maxAbs(v []float64) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func allFinite(v []float64) bool {
	for _, x := range v {
		if !isFinite(x) {
			return false
		}
	}
	return true
}

// logBound bounds every parameter to [e^−logBound, e^logBound] ≈ [1e−8,
// 1e8]. Estimates that run to this edge mean the data has no interior
// maximum (for instance no heterogeneity in purchase rates, where r and α
// grow together without end); they are reported, not returned.
const logBound = 18.42

// fitLogParams maximises the log-likelihood ll(θ, ∇) from the starting
// values th0 and returns θ and the maximum. names label the parameters in
// errors.
//
// The search runs in log space, which keeps the parameters positive and
// makes the likelihood surface far rounder. With ratio[j] = i (−1: none),
// parameter j is searched as ln(θ_i/θ_j) instead of ln θ_j: the shape
// over the scale of a gamma distribution is its mean, which the data pin
// down well, and that decouples it from the loosely determined shape.
func fitLogParams(ll func(th, grad []float64) float64, th0 []float64, ratio []int, names []string) ([]float64, float64, error) {
	n := len(th0)
	th := make([]float64, n)
	gt := make([]float64, n)
	lnTh := make([]float64, n)
	toLog := func(u []float64) {
		for j := range u {
			if i := ratio[j]; i >= 0 {
				lnTh[j] = u[i] - u[j]
			} else {
				lnTh[j] = u[j]
			}
		}
	}
	fn := func(u, g []float64) float64 {
		toLog(u)
		for j, l := range lnTh {
			if math.Abs(l) > logBound {
				return math.NaN()
			}
			th[j] = math.Exp(l)
		}
		v := ll(th, gt)
		for j := range g {
			g[j] = -gt[j] * th[j]
		}
		for j := range g {
			if i := ratio[j]; i >= 0 {
				// θ_j = e^(u_i − u_j)
				g[i] += g[j]
				g[j] = -g[j]
			}
		}
		return -v
	}
	u0 := make([]float64, n)
	for j, v := range th0 {
		u0[j] = math.Log(v)
	}
	for j := range u0 {
		if i := ratio[j]; i >= 0 {
			u0[j] = math.Log(th0[i]) - u0[j]
		}
	}
	atEdge := func(u []float64) bool {
		toLog(u)
		return maxAbs(lnTh) >= logBound-1
	}
	m, err := minimizeIn(fn, u0, fitGtol, fitMaxIter, atEdge)
	toLog(m.x)
	est := make([]float64, n)
	for j, l := range lnTh {
		est[j] = math.Exp(l)
	}
	for j, l := range lnTh {
		if math.Abs(l) >= logBound-1 {
			vals := make(map[string]float64, n)
			for k, name := range names {
				vals[name] = est[k]
			}
			return nil, 0, &EdgeError{Param: names[j], Values: vals, names: names, est: est}
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("%w (at %s)", err, describe(names, est))
	}
	return est, -m.f, nil
}

func describe(names []string, v []float64) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s = %.4g", n, v[i])
	}
	return s
}

// Parametrisations of the searches (see fitLogParams), chosen by the
// number of likelihood evaluations over CDNOW and seven simulated bases:
// the mean r/α of the purchase rates in both purchase models and a/b in
// the BG/NBD cut them by 10–20 %; s/β does not help the Pareto/NBD.
var (
	bgRatio = []int{-1, 0, -1, 2}
	pnRatio = []int{-1, 0, -1, -1}
	ggRatio = []int{-1, -1, 1}
)

// hessianRefresh is the iteration at which minimize replaces its BFGS
// matrix by the inverse of a difference Hessian (when positive definite).
const hessianRefresh = 4

// fdInverseHessian is the inverse of the Hessian at x by forward
// differences of the gradient g, when it is positive definite.
func fdInverseHessian(fn objective, x, g []float64) ([][]float64, bool) {
	n := len(x)
	hs := make([][]float64, n)
	xt := append([]float64(nil), x...)
	gi := make([]float64, n)
	for i := range n {
		hs[i] = make([]float64, n)
		const step = 1e-5
		xt[i] += step
		f := fn(xt, gi)
		xt[i] = x[i]
		if !isFinite(f) {
			return nil, false
		}
		for j := range n {
			hs[i][j] = (gi[j] - g[j]) / step
		}
	}
	for i := range n {
		for j := range i {
			v := (hs[i][j] + hs[j][i]) / 2
			hs[i][j], hs[j][i] = v, v
		}
	}
	return invertSPD(hs)
}

// invertSPD inverts a symmetric positive definite matrix by Cholesky
// factorisation; false when it is not positive definite.
func invertSPD(a [][]float64) ([][]float64, bool) {
	n := len(a)
	l := make([][]float64, n)
	for i := range n {
		l[i] = make([]float64, n)
		for j := 0; j <= i; j++ {
			s := a[i][j]
			for k := range j {
				s -= l[i][k] * l[j][k]
			}
			if i == j {
				if !(s > 0) {
					return nil, false
				}
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][j] = s / l[j][j]
			}
		}
	}
	inv := identity(n)
	for c := range n {
		y := inv[c] // solve L Lᵀ y = e_c in place
		for i := range n {
			s := y[i]
			for k := range i {
				s -= l[i][k] * y[k]
			}
			y[i] = s / l[i][i]
		}
		for i := n - 1; i >= 0; i-- {
			s := y[i]
			for k := i + 1; k < n; k++ {
				s -= l[k][i] * y[k]
			}
			y[i] = s / l[i][i]
		}
	}
	return inv, true // symmetric, so rows are the columns
}
