package clv

import (
	"errors"
	"fmt"
	"math"
)

// GammaGamma is a fitted gamma-gamma spend model (Fader & Hardie 2013, after
// Colombo & Jiang 1999): a customer's transaction values are Gamma(p, ν)
// around the customer's mean p/ν, with ν ~ Gamma(q, γ) across customers,
// independent of the purchase process.
type GammaGamma struct {
	P, Q, Gamma float64
	// LogLik is the log-likelihood of the repeat buyers' mean values.
	LogLik float64
	// N is the number of customers fitted (those with x > 0).
	N int
}

// ggEval evaluates the gamma-gamma log-likelihood of the repeat buyers.
// The mean z̄ of x values has x·z̄ ~ Gamma(px, ν), so per customer
//
//	ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ
//	    + (px−1) ln(x z̄) + ln x − (px+q) ln(γ + x z̄).
//
// Everything but the last term depends on the customer only through x or
// through sums fixed before the search, so an evaluation costs one
// logarithm per customer and a few special functions per distinct x.
type ggEval struct {
	m      []float64 // x·z̄ per customer
	x      []float64 // x per customer
	xs     []float64 // distinct x
	nx     []float64 // customers per distinct x
	sumXLM float64   // Σ x ln(x z̄)
	sumLM  float64   // Σ ln(x z̄)
	sumLX  float64   // Σ ln x
	sumX   float64   // Σ x
	n      float64
}

func newGGEval(cs []Customer) (*ggEval, error) {
	e := &ggEval{}
	idx := map[float64]int{}
	for _, c := range cs {
		if c.X == 0 {
			continue
		}
		if !(c.Zbar > 0) {
			return nil, fmt.Errorf("customer %q has x = %v repeat purchases but zbar = %v; the spend model needs positive values", c.ID, c.X, c.Zbar)
		}
		m := c.X * c.Zbar
		e.m = append(e.m, m)
		e.x = append(e.x, c.X)
		lm := math.Log(m)
		e.sumXLM += c.X * lm
		e.sumLM += lm
		e.sumLX += math.Log(c.X)
		e.sumX += c.X
		i, ok := idx[c.X]
		if !ok {
			i = len(e.xs)
			idx[c.X] = i
			e.xs = append(e.xs, c.X)
			e.nx = append(e.nx, 0)
		}
		e.nx[i]++
	}
	e.n = float64(len(e.m))
	if len(e.m) == 0 {
		return nil, errors.New("no customer has a repeat purchase, so there are no transaction values to fit")
	}
	return e, nil
}

func (e *ggEval) logLik(th, grad []float64) float64 {
	p, q, g := th[0], th[1], th[2]
	if !(p > 0 && q > 0 && g > 0) {
		return math.NaN()
	}
	lnG := math.Log(g)
	ll := e.n*(q*lnG-lgamma(q)) + p*e.sumXLM - e.sumLM + e.sumLX
	dp, dq, dg := e.sumXLM, e.n*(lnG-digamma(q)), e.n*q/g
	for i, x := range e.xs {
		px := p * x
		ll += e.nx[i] * (lgamma(px+q) - lgamma(px))
		if grad != nil {
			d := digamma(px + q)
			dp += e.nx[i] * x * (d - digamma(px))
			dq += e.nx[i] * d
		}
	}
	for i, m := range e.m {
		x := e.x[i]
		l := math.Log(g + m)
		ll -= (p*x + q) * l
		if grad != nil {
			dp -= x * l
			dq -= l
			dg -= (p*x + q) / (g + m)
		}
	}
	if grad != nil {
		grad[0], grad[1], grad[2] = dp, dq, dg
	}
	return ll
}

// FitGammaGamma estimates the gamma-gamma parameters by maximum likelihood
// from the customers with repeat purchases (x > 0), whose Zbar must be
// positive; customers with x = 0 carry no spend information and are
// skipped. The search runs over the parameters' logarithms by BFGS.
func FitGammaGamma(cs []Customer) (GammaGamma, error) {
	if err := validate(cs); err != nil {
		return GammaGamma{}, fmt.Errorf("clv: gamma-gamma: %w", err)
	}
	e, err := newGGEval(cs)
	if err != nil {
		return GammaGamma{}, fmt.Errorf("clv: gamma-gamma: %w", err)
	}
	// Start at shape 1 for both gammas, the scale matching the mean
	// transaction value: E[z] = pγ/(q−1) needs q > 1, so q = 2.
	var mean float64
	for i, m := range e.m {
		mean += m / e.x[i]
	}
	mean /= e.n
	th, ll, err := fitLogParams(e.logLik, []float64{1, 2, mean}, ggRatio, []string{"p", "q", "gamma"})
	if err != nil {
		return GammaGamma{}, fmt.Errorf("clv: gamma-gamma: %w", err)
	}
	return GammaGamma{P: th[0], Q: th[1], Gamma: th[2], LogLik: ll, N: len(e.m)}, nil
}

// LogLikelihood is the log-likelihood of the repeat buyers in cs, NaN when
// a customer is invalid or has x > 0 with a non-positive zbar.
func (g GammaGamma) LogLikelihood(cs []Customer) float64 {
	if validate(cs) != nil {
		return math.NaN()
	}
	e, err := newGGEval(cs)
	if err != nil {
		return math.NaN()
	}
	return e.logLik([]float64{g.P, g.Q, g.Gamma}, nil)
}

// ConditionalExpectedSpend is the expected value of a future transaction
// of a customer with x repeat transactions of mean value zbar (Fader &
// Hardie 2013, eq. 5): a weighted mean of the population mean pγ/(q−1)
// and the customer's own zbar,
//
//	E[Z | x, z̄] = p (γ + x z̄) / (px + q − 1).
//
// With x = 0 it is the population mean, +Inf when q ≤ 1 (no finite mean).
func (g GammaGamma) ConditionalExpectedSpend(c Customer) float64 {
	den := g.P*c.X + g.Q - 1
	if den <= 0 {
		return math.Inf(1)
	}
	return g.P * (g.Gamma + c.X*c.Zbar) / den
}
