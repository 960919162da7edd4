package clv

import (
	"fmt"
	"math"
)

// ParetoNBD is a fitted Pareto/NBD model (Schmittlein, Morrison & Colombo
// 1987): while alive a customer buys at Poisson rate λ ~ Gamma(r, α) and
// stays alive for an exponential time with rate μ ~ Gamma(s, β).
type ParetoNBD struct {
	R, Alpha, S, Beta float64
	// LogLik is the log-likelihood of the fitted customers.
	LogLik float64
}

// paretoEval evaluates the grouped Pareto/NBD log-likelihood and gradient.
type paretoEval struct {
	d    *compact
	px   []pnX
	pt   []pnTime
	pp   []pnPair
	coef []hyperCoef // per distinct x
}

type pnX struct {
	lrR, drR float64 // ln Γ(r+x)/Γ(r), ψ(r+x) − ψ(r)
	lnRSX    float64 // ln(r+s+x)
	invRSX   float64 // 1/(r+s+x)
	cached   bool    // coef holds the series of this x
}

type pnTime struct{ lnA, lnB, invA, invB float64 } // ln(α+t), ln(β+t), 1/(α+t), 1/(β+t)

// pnPair holds l(x, t) = ln[₂F₁(·; z(t)) / (L+t)^(r+s+x)], one of the two
// terms of A₀, and its gradient in (r, α, s, β).
type pnPair struct {
	l  float64
	dl [4]float64
}

func newParetoEval(d *compact) *paretoEval {
	d.withPairs()
	return &paretoEval{d: d, px: make([]pnX, len(d.xs)), pt: make([]pnTime, len(d.times)),
		pp: make([]pnPair, len(d.pairs)), coef: make([]hyperCoef, len(d.xs))}
}

// pairTerm computes l(x, t) of Fader & Hardie (2005, "A note on deriving
// the Pareto/NBD model", eq. 19–20):
//
//	α ≥ β: ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) / (α+t)^(r+s+x)
//	α < β: ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) / (β+t)^(r+s+x)
//
// in log space through hyperH, with the gradient when grad is set. ok is
// false when the series cannot be evaluated.
func pairTerm(r, alpha, s, beta, x, t float64, grad bool) (l float64, dl [4]float64, ok bool) {
	big, small := alpha, beta
	swap := alpha < beta
	if swap {
		big, small = beta, alpha
	}
	e, b := pairParams(r, s, x, swap)
	z := (big - small) / (big + t)
	h, hE, hC, hZ, ok := hyperH(e, r+s+x+1, z, grad)
	if !ok {
		return math.NaN(), dl, false
	}
	l, dl = pairAssemble(r, s, x, b, swap, z, math.Log(big+t), math.Log1p(-z), 1/(big+t), h, hE, hC, hZ, grad)
	return l, dl, true
}

// pairParams gives the e = a+1−b of hyperH and the b of ₂F₁(a, b; a+1; z)
// for the case α < β (swap) or α ≥ β.
func pairParams(r, s, x float64, swap bool) (e, b float64) {
	if swap {
		return s + 1, r + x
	}
	return r + x, s + 1
}

// pairAssemble turns H = ₂F₁(1, e; a+1; z) and its partial derivatives into
// l = (1−b) ln(1−z) + ln H − a ln(L+t) and its gradient in (r, α, s, β);
// lnLT = ln(L+t), l1z = ln(1−z), invLT = 1/(L+t).
func pairAssemble(r, s, x, b float64, swap bool, z, lnLT, l1z, invLT, h, hE, hC, hZ float64, grad bool) (l float64, dl [4]float64) {
	a := r + s + x
	l = (1-b)*l1z + math.Log(h) - a*lnLT
	if !grad {
		return l, dl
	}
	ih := 1 / h
	dE, dC := hE*ih, hC*ih
	q := -(1-b)/(1-z) + hZ*ih // ∂l/∂z
	// z = (L−S)/(L+t): ∂z/∂L = (1−z)/(L+t), ∂z/∂S = −1/(L+t).
	dBig := (q*(1-z) - a) * invLT
	dSmall := -q * invLT
	// r enters through a (and c = a+1) in both cases, through e when
	// α ≥ β and through b when α < β; s the other way round.
	viaE := dE + dC - lnLT
	viaB := -l1z + dC - lnLT
	if swap {
		return l, [4]float64{viaB, dSmall, viaE, dBig}
	}
	return l, [4]float64{viaE, dBig, viaB, dSmall}
}

// maxCachedTerms bounds the cached series; a longer one (an argument very
// near 1) is summed pair by pair by hyperH instead.
const maxCachedTerms = 1 << 12

// hyperCoef caches the coefficients of H(e, c, z) = Σ c_k z^k for one
// (e, c). All pairs of one x share e and c and differ only in z, so the
// divisions of the series are done once per x and evaluation, and each
// pair costs only multiply-adds.
type hyperCoef struct {
	c, ce, cc, kc []float64 // c_k, c_k·Σ_{j<k} 1/(e+j), c_k·Σ_{j<k} 1/(c+j), k·c_k
}

// build computes enough coefficients for every 0 ≤ z ≤ zmax (with the
// stopping rule of hyperH); false when that takes more than
// maxCachedTerms.
func (hc *hyperCoef) build(e, c, zmax float64) bool {
	hc.c, hc.ce, hc.cc, hc.kc = hc.c[:0], hc.ce[:0], hc.cc[:0], hc.kc[:0]
	inv := 1 / (1 - zmax)
	t, se, sc, zk := 1.0, 0.0, 0.0, 1.0
	for k := 0; ; k++ {
		fk := float64(k)
		hc.c = append(hc.c, t)
		hc.ce = append(hc.ce, t*se)
		hc.cc = append(hc.cc, t*sc)
		hc.kc = append(hc.kc, fk*t)
		if k > 0 && t*zk*(fk+1+inv)*inv <= seriesEps {
			return true
		}
		if k >= maxCachedTerms {
			return false
		}
		ie, ic := 1/(e+fk), 1/(c+fk)
		se += ie
		sc += ic
		t *= (e + fk) * ic
		zk *= zmax
	}
}

// eval sums the cached series at z ≤ zmax: H, ∂H/∂e, ∂H/∂c, ∂H/∂z.
func (hc *hyperCoef) eval(z float64) (h, dE, dC, dZ float64) {
	inv := 1 / (1 - z)
	zk, zk1 := 1.0, 0.0 // z^k, z^(k−1)
	for k, ck := range hc.c {
		h += ck * zk
		dE += hc.ce[k] * zk
		dC += hc.cc[k] * zk
		dZ += hc.kc[k] * zk1
		if k > 0 && ck*zk*(float64(k)+1+inv)*inv <= seriesEps*h {
			break
		}
		zk1 = zk
		zk *= z
	}
	return h, dE, -dC, dZ
}

// logLik returns the log-likelihood at θ = (r, α, s, β) and, when grad is
// not nil, its gradient. Per customer (Fader & Hardie 2005, eq. 22)
//
//	ℓ = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + A₁ + ln(1 + e^(A₂−A₁)),
//	A₁ = −(r+x) ln(α+T) − s ln(β+T),
//	A₂ = ln s − ln(r+s+x) + ln A₀,  A₀ = e^l(x, t_x) − e^l(x, T),
//
// kept in log space. NaN where it cannot be evaluated.
func (e *paretoEval) logLik(th []float64, grad []float64) float64 {
	r, alpha, s, beta := th[0], th[1], th[2], th[3]
	if !(r > 0 && alpha > 0 && s > 0 && beta > 0) {
		return math.NaN()
	}
	d := e.d
	g := grad != nil
	lnAlpha, lnBeta, lnS := math.Log(alpha), math.Log(beta), math.Log(s)
	swap := alpha < beta
	big, small := alpha, beta
	if swap {
		big, small = beta, alpha
	}
	for i, x := range d.xs {
		p := &e.px[i]
		p.lrR = lgammaRatio(r, x)
		if g {
			p.drR = digammaRatio(r, x)
		}
		p.lnRSX, p.invRSX = math.Log(r+s+x), 1/(r+s+x)
		ex, _ := pairParams(r, s, x, swap)
		zmax := math.Min((big-small)/(big+d.tmin[i]), seriesZMax)
		p.cached = e.coef[i].build(ex, r+s+x+1, zmax)
	}
	for i, t := range d.times {
		e.pt[i] = pnTime{math.Log(alpha + t), math.Log(beta + t), 1 / (alpha + t), 1 / (beta + t)}
	}
	for i, p := range d.pairs {
		tm := &e.pt[p.ti]
		lnLT, lnST, invLT := tm.lnA, tm.lnB, tm.invA
		if swap {
			lnLT, lnST, invLT = tm.lnB, tm.lnA, tm.invB
		}
		z := (big - small) * invLT
		var h, hE, hC, hZ float64
		if e.px[p.xi].cached && z <= seriesZMax {
			h, hE, hC, hZ = e.coef[p.xi].eval(z)
		} else {
			var ok bool
			ex, _ := pairParams(r, s, p.x, swap)
			if h, hE, hC, hZ, ok = hyperH(ex, r+s+p.x+1, z, g); !ok {
				return math.NaN()
			}
		}
		_, b := pairParams(r, s, p.x, swap)
		// ln(1−z) = ln((S+t)/(L+t)) from the logs at hand.
		l, dl := pairAssemble(r, s, p.x, b, swap, z, lnLT, lnST-lnLT, invLT, h, hE, hC, hZ, g)
		e.pp[i] = pnPair{l, dl}
	}
	var ll float64
	var gs [4]float64
	for _, gr := range d.groups {
		rx := r + gr.x
		px := &e.px[gr.xi]
		tT := &e.pt[gr.ti]
		c := px.lrR + r*lnAlpha + s*lnBeta
		a1 := -rx*tT.lnA - s*tT.lnB
		p1, p2 := &e.pp[gr.ptx], &e.pp[gr.pt]
		// A₀ = e^l₁ (1 − v), v = e^(l₂−l₁) < 1 as l decreases in t.
		dl := p2.l - p1.l
		var om float64 // 1 − v
		if gr.ptx != gr.pt && dl < 0 {
			if dl > -math.Ln2 {
				om = -math.Expm1(dl)
			} else {
				om = 1 - math.Exp(dl)
			}
		}
		// w2 is the share of A₂ in the bracket, i.e. 1 − P(alive).
		var lse, w2 float64
		if om > 0 {
			lr := lnS - px.lnRSX + p1.l - a1 // ln e^(A₂−A₁) − ln(1−v)
			if lr < 600 {
				q := math.Exp(lr) * om
				lse, w2 = math.Log1p(q), q/(1+q)
			} else {
				lq := lr + math.Log(om)
				q := math.Exp(-lq)
				lse, w2 = lq+math.Log1p(q), 1/(1+q)
			}
		}
		ll += gr.w * (c + a1 + lse)
		if !g {
			continue
		}
		w1 := 1 - w2
		gc := [4]float64{px.drR + lnAlpha, r / alpha, lnBeta, s / beta}
		g1 := [4]float64{-tT.lnA, -rx * tT.invA, -tT.lnB, -s * tT.invB}
		for k := range 4 {
			gs[k] += gr.w * (gc[k] + w1*g1[k])
		}
		if w2 > 0 {
			// ∂ln A₀ = (∂l₁ − v ∂l₂)/(1 − v).
			v, inv := 1-om, 1/om
			rsx := px.invRSX
			g2 := [4]float64{-rsx, 0, 1/s - rsx, 0}
			for k := range 4 {
				gs[k] += gr.w * w2 * (g2[k] + (p1.dl[k]-v*p2.dl[k])*inv)
			}
		}
	}
	if g {
		copy(grad, gs[:])
	}
	return ll
}

// FitParetoNBD estimates the Pareto/NBD parameters by maximum likelihood
// (BFGS on the analytic gradient in log-parameter space, see
// fitLogParams). It fails when a customer is invalid, nobody has a repeat
// purchase, or the search does not reach an interior maximum.
func FitParetoNBD(cs []Customer) (ParetoNBD, error) {
	if err := validate(cs); err != nil {
		return ParetoNBD{}, fmt.Errorf("clv: Pareto/NBD: %w", err)
	}
	if err := needRepeat(cs); err != nil {
		return ParetoNBD{}, fmt.Errorf("clv: Pareto/NBD: %w", err)
	}
	e := newParetoEval(compactOf(cs))
	// Start the drop-out rates at shape 0.5 and mean 1/(2·mean T): most
	// customers alive through calibration, rates varying widely. Of the
	// starts tried on CDNOW and simulated bases this needed the fewest
	// evaluations.
	r0, a0 := startNBD(cs)
	var meanT float64
	for _, c := range cs {
		meanT += c.T
	}
	meanT /= float64(len(cs))
	th, ll, err := fitLogParams(e.logLik, []float64{r0, a0, 0.5, meanT}, pnRatio, []string{"r", "alpha", "s", "beta"})
	if err != nil {
		return ParetoNBD{}, fmt.Errorf("clv: Pareto/NBD: %w", err)
	}
	return ParetoNBD{R: th[0], Alpha: th[1], S: th[2], Beta: th[3], LogLik: ll}, nil
}

// LogLikelihood is the log-likelihood of cs under m, or NaN when a
// customer is invalid or the likelihood cannot be evaluated.
func (m ParetoNBD) LogLikelihood(cs []Customer) float64 {
	if validate(cs) != nil {
		return math.NaN()
	}
	return newParetoEval(compactOf(cs)).logLik([]float64{m.R, m.Alpha, m.S, m.Beta}, nil)
}

// PAlive is the probability that a customer with this history is still
// alive at the end of calibration (Fader & Hardie 2005, eq. 18), NaN when
// it cannot be evaluated.
func (m ParetoNBD) PAlive(c Customer) float64 {
	r, s := m.R, m.S
	l1, _, ok1 := pairTerm(r, m.Alpha, s, m.Beta, c.X, c.TX, false)
	l2, _, ok2 := pairTerm(r, m.Alpha, s, m.Beta, c.X, c.T, false)
	if !ok1 || !ok2 {
		return math.NaN()
	}
	if c.TX == c.T {
		return 1
	}
	// 1/P − 1 = s/(r+s+x) (α+T)^(r+x) (β+T)^s A₀
	l := math.Log(s) - math.Log(r+s+c.X) + (r+c.X)*math.Log(m.Alpha+c.T) + s*math.Log(m.Beta+c.T) + logSubExp(l1, l2)
	return 1 / (1 + math.Exp(l))
}

// ExpectedPurchases is E[X(t)], the expected number of repeat purchases of
// a new customer in the first t weeks (Fader & Hardie 2005, eq. 17).
func (m ParetoNBD) ExpectedPurchases(t float64) float64 {
	return m.R * m.Beta / m.Alpha * powTerm(m.S-1, math.Log1p(t/m.Beta))
}

// ConditionalExpectedPurchases is E[Y(t) | x, t_x, T], the expected
// purchases in the t weeks after calibration of a customer with history c
// (Fader & Hardie 2005, eq. 24).
func (m ParetoNBD) ConditionalExpectedPurchases(t float64, c Customer) float64 {
	bt := m.Beta + c.T
	return (m.R + c.X) * bt / (m.Alpha + c.T) * powTerm(m.S-1, math.Log1p(t/bt)) * m.PAlive(c)
}

// powTerm is (1 − e^(−k·l))/k, which is l at k = 0: the factor
// [1 − (β/(β+t))^(s−1)]/(s−1) of the Pareto/NBD expectations, kept exact
// as s → 1.
func powTerm(k, l float64) float64 {
	if k == 0 {
		return l
	}
	return -math.Expm1(-k*l) / k
}
