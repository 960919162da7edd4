package clv

import (
	"fmt"
	"math"
)

// BGNBD is a fitted BG/NBD model (Fader, Hardie & Lee 2005): while alive a
// customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase the
// customer drops out with probability p ~ Beta(a, b).
type BGNBD struct {
	R, Alpha, A, B float64
	// LogLik is the log-likelihood of the fitted customers.
	LogLik float64
}

// bgnbdEval evaluates the grouped BG/NBD log-likelihood and its gradient
// with scratch space reused across evaluations.
type bgnbdEval struct {
	d  *compact
	px []bgX    // per distinct x
	pt []bgTime // per distinct time
}

type bgX struct {
	lrR, drR    float64 // ln Γ(r+x)/Γ(r), ψ(r+x) − ψ(r)
	lrB, drB    float64 // the same for b
	lrAB, drAB  float64 // the same for a+b
	lnB1, invB1 float64 // ln(b+x−1), 1/(b+x−1) (x > 0)
}

type bgTime struct{ ln, inv float64 } // ln(α+t), 1/(α+t)

func newBGNBDEval(d *compact) *bgnbdEval {
	return &bgnbdEval{d: d, px: make([]bgX, len(d.xs)), pt: make([]bgTime, len(d.times))}
}

// logLik returns the log-likelihood at θ = (r, α, a, b) and, when grad is
// not nil, its gradient with respect to θ. Per customer (FHL 2005, eq. 6)
//
//	ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
//	    + ln[ (α+T)^−(r+x) + [x>0] a/(b+x−1) (α+t_x)^−(r+x) ]
//
// where the last bracket is summed in log space.
func (e *bgnbdEval) logLik(th []float64, grad []float64) float64 {
	r, alpha, a, b := th[0], th[1], th[2], th[3]
	if !(r > 0 && alpha > 0 && a > 0 && b > 0) {
		return math.NaN()
	}
	d := e.d
	lnAlpha, lnA := math.Log(alpha), math.Log(a)
	for i, x := range d.xs {
		p := &e.px[i]
		p.lrR, p.lrB, p.lrAB = lgammaRatio(r, x), lgammaRatio(b, x), lgammaRatio(a+b, x)
		if grad != nil {
			p.drR, p.drB, p.drAB = digammaRatio(r, x), digammaRatio(b, x), digammaRatio(a+b, x)
		}
		if x > 0 {
			p.lnB1, p.invB1 = math.Log(b+x-1), 1/(b+x-1)
		}
	}
	for i, t := range d.times {
		e.pt[i] = bgTime{math.Log(alpha + t), 1 / (alpha + t)}
	}
	var ll, gr, ga, gA, gB float64
	for _, g := range d.groups {
		p := &e.px[g.xi]
		tT := e.pt[g.ti]
		rx := r + g.x
		a12 := p.lrR + r*lnAlpha + p.lrB - p.lrAB
		a3 := -rx * tT.ln
		if g.x == 0 {
			ll += g.w * (a12 + a3)
			if grad != nil {
				gr += g.w * (p.drR + lnAlpha - tT.ln)
				ga += g.w * (r/alpha - rx*tT.inv)
				gA -= g.w * p.drAB
				gB += g.w * (p.drB - p.drAB)
			}
			continue
		}
		tX := e.pt[g.txi]
		a4 := lnA - p.lnB1 - rx*tX.ln
		// w is the share of the "dropped out after the last purchase" term.
		var lse, w float64
		if a4 > a3 {
			q := math.Exp(a3 - a4)
			lse, w = a4+math.Log1p(q), 1/(1+q)
		} else {
			q := math.Exp(a4 - a3)
			lse, w = a3+math.Log1p(q), q/(1+q)
		}
		ll += g.w * (a12 + lse)
		if grad != nil {
			gr += g.w * (p.drR + lnAlpha - (1-w)*tT.ln - w*tX.ln)
			ga += g.w * (r/alpha - rx*((1-w)*tT.inv+w*tX.inv))
			gA += g.w * (w/a - p.drAB)
			gB += g.w * (p.drB - p.drAB - w*p.invB1)
		}
	}
	if grad != nil {
		grad[0], grad[1], grad[2], grad[3] = gr, ga, gA, gB
	}
	return ll
}

// FitBGNBD estimates the BG/NBD parameters by maximum likelihood (BFGS on
// the analytic gradient in log-parameter space, see fitLogParams). It
// fails when a customer is invalid, nobody has a repeat purchase, or the
// search does not reach an interior maximum.
func FitBGNBD(cs []Customer) (BGNBD, error) {
	if err := validate(cs); err != nil {
		return BGNBD{}, fmt.Errorf("clv: BG/NBD: %w", err)
	}
	if err := needRepeat(cs); err != nil {
		return BGNBD{}, fmt.Errorf("clv: BG/NBD: %w", err)
	}
	e := newBGNBDEval(compactOf(cs))
	r0, a0 := startNBD(cs)
	th, ll, err := fitLogParams(e.logLik, []float64{r0, a0, 1, 1}, bgRatio, []string{"r", "alpha", "a", "b"})
	if err != nil {
		return BGNBD{}, fmt.Errorf("clv: BG/NBD: %w", err)
	}
	return BGNBD{R: th[0], Alpha: th[1], A: th[2], B: th[3], LogLik: ll}, nil
}

// Fit tolerances: the search stops when every component of the gradient
// in log-parameter space is below fitGtol·|ℓ|. On CDNOW that puts the
// parameters within about 1e-6 (relative) of the maximum; much tighter is
// below the rounding of a sum of thousands of terms.
const (
	fitGtol    = 1e-8
	fitMaxIter = 500
)

// startNBD is a starting point for the purchase-rate distribution: shape
// 1 and the mean rate of repeat purchases over all customers' time.
func startNBD(cs []Customer) (r, alpha float64) {
	var x, t float64
	for _, c := range cs {
		x += c.X
		t += c.T
	}
	return 1, t / x
}

func needRepeat(cs []Customer) error {
	for _, c := range cs {
		if c.X > 0 {
			return nil
		}
	}
	return fmt.Errorf("no customer has a repeat purchase, so the purchase and drop-out rates cannot be estimated")
}

// LogLikelihood is the log-likelihood of cs under m, or NaN when a
// customer is invalid.
func (m BGNBD) LogLikelihood(cs []Customer) float64 {
	if validate(cs) != nil {
		return math.NaN()
	}
	return newBGNBDEval(compactOf(cs)).logLik([]float64{m.R, m.Alpha, m.A, m.B}, nil)
}

// PAlive is the probability that a customer with this history is still
// alive at the end of calibration (FHL 2005, eq. 11 and appendix).
func (m BGNBD) PAlive(c Customer) float64 {
	if c.X == 0 {
		return 1
	}
	rx := m.R + c.X
	l := math.Log(m.A) - math.Log(m.B+c.X-1) + rx*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.TX))
	return 1 / (1 + math.Exp(l))
}

// ExpectedPurchases is E[X(t)], the expected number of repeat purchases of
// a new customer in the first t weeks (FHL 2005, eq. 9).
func (m BGNBD) ExpectedPurchases(t float64) float64 {
	return m.ConditionalExpectedPurchases(t, Customer{})
}

// ConditionalExpectedPurchases is E[Y(t) | x, t_x, T], the expected number
// of purchases in the t weeks after the end of calibration of a customer
// with calibration history c (FHL 2005, eq. 10). NaN when the series
// cannot be evaluated.
//
// The equation's ₂F₁(r+x, b+x; a+b+x−1; z) has large parameters for heavy
// buyers and overflows in the direct series (Fader & Hardie 2013, "Overcoming
// the BG/NBD model's #NUM! error problem"); Euler's transformation turns
//
//	1 − (1−z)^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)
//	= 1 − (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z),  z = t/(α+T+t),
//
// whose series has small parameters. Writing ₂F₁ = 1 + (a−1)·S splits off
// the factor 1/(a−1) of the equation exactly, so a = 1 needs no special case.
func (m BGNBD) ConditionalExpectedPurchases(t float64, c Customer) float64 {
	if t == 0 {
		return 0
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	z := t / (alpha + c.T + t)
	lz := math.Log1p(-z) // ln(1−z) = ln((α+T)/(α+T+t))
	eps := a - 1
	cc := a + b + c.X - 1
	cp := a + b - 1 - r
	// S = Σ_{k≥1} (cp)_k (a)_{k−1} / ((cc)_k k!) z^k.
	s, err := seriesS(cp, a, cc, z)
	if err != nil {
		return math.NaN()
	}
	var first float64 // (1 − (1−z)^ε)/ε
	if eps == 0 {
		first = -lz
	} else {
		first = -math.Expm1(eps*lz) / eps
	}
	num := cc * (first - math.Exp(eps*lz)*s)
	return num * m.PAlive(c)
}

// seriesS sums Σ_{k≥1} (p)_k (q)_{k−1} / ((c)_k k!) z^k for 0 ≤ z < 1.
func seriesS(p, q, c, z float64) (float64, error) {
	if z == 0 {
		return 0, nil
	}
	t := p / c * z
	sum := t
	kmin := math.Abs(p) + math.Abs(q) + math.Abs(c) + 2
	for k := 1; k < maxSeriesTerms; k++ {
		fk := float64(k)
		ratio := (p + fk) * (q + fk - 1) / ((c + fk) * (fk + 1)) * z
		t *= ratio
		sum += t
		qq := math.Max(math.Abs(ratio), z)
		if t == 0 || (fk >= kmin && qq < 1 && math.Abs(t)*qq/(1-qq) <= seriesEps*math.Abs(sum)) {
			return sum, nil
		}
	}
	return math.NaN(), fmt.Errorf("series did not converge")
}

// ProbPurchases is P(X(t) = n), the probability that a new customer makes
// exactly n repeat purchases in the first t weeks (FHL 2005, eq. 8).
func (m BGNBD) ProbPurchases(t float64, n int) float64 {
	if n < 0 {
		return 0
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	fn := float64(n)
	lp := math.Log(alpha / (alpha + t)) // ln of the NBD "p"
	lq := math.Log(t / (alpha + t))
	if t == 0 {
		if n == 0 {
			return 1
		}
		return 0
	}
	lb := lbeta(a, b)
	p := math.Exp(lbeta(a, b+fn) - lb + lgamma(r+fn) - lgamma(r) - lgamma(fn+1) + r*lp + fn*lq)
	if n == 0 {
		return p
	}
	return p + math.Exp(lbeta(a+1, b+fn-1)-lb)*nbdTail(r, lp, lq, n)
}

// nbdTail is P(N ≥ n) for N negative binomial with shape r and
// ln p = lp, ln(1−p) = lq: one minus the head when the head is small, the
// tail series otherwise, so small tails keep their precision.
func nbdTail(r, lp, lq float64, n int) float64 {
	pj := math.Exp(r * lp) // P(N = 0)
	head := 0.0
	q := math.Exp(lq)
	for j := 0; j < n; j++ {
		head += pj
		pj *= (r + float64(j)) / float64(j+1) * q
	}
	if head < 0.5 {
		return 1 - head
	}
	tail := 0.0
	for j := n; j < n+maxSeriesTerms; j++ {
		tail += pj
		ratio := (r + float64(j)) / float64(j+1) * q
		pj *= ratio
		if ratio < 1 && pj*ratio/(1-ratio) <= seriesEps*tail || pj == 0 {
			break
		}
	}
	return tail
}
