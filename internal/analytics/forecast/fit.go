package forecast

import (
	"fmt"
	"math"
)

// Bounds of the parameter region searched (Hyndman et al. 2008, §5.4 "usual" region).
const (
	alphaLo, alphaHi = 1e-4, 0.9999
	phiLo, phiHi     = 0.8, 0.98
)

func sigmoid(u float64) float64 { return 1 / (1 + math.Exp(-u)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// coder maps an unconstrained vector to parameters inside the region, so Nelder-Mead can
// search freely: α in (alphaLo, alphaHi), β = α·β*, γ = (1−α)·γ*, φ in (phiLo, phiHi),
// and the initial level and trend as offsets from the heuristic start in data units.
type coder struct {
	sp         spec
	m          int
	start      Params
	levelScale float64
	trendScale float64
}

func (c coder) dim() int {
	d := c.sp.smoothing() + 1
	if c.sp.trend {
		d++
	}
	return d
}

func (c coder) decode(u []float64) Params {
	p := c.start
	i := 0
	p.Alpha = alphaLo + (alphaHi-alphaLo)*sigmoid(u[i])
	i++
	p.Phi = 1
	if c.sp.trend {
		p.Beta = p.Alpha * sigmoid(u[i])
		i++
	}
	if c.sp.seasonal() {
		p.Gamma = (1 - p.Alpha) * sigmoid(u[i])
		i++
	}
	if c.sp.damped {
		p.Phi = phiLo + (phiHi-phiLo)*sigmoid(u[i])
		i++
	}
	p.Level = c.start.Level + c.levelScale*u[i]
	i++
	if c.sp.trend {
		p.Trend = c.start.Trend + c.trendScale*u[i]
	}
	return p
}

// encode is decode's inverse for the smoothing part, with the initial states at their
// heuristic start.
func (c coder) encode(alpha, betaStar, gammaStar, phi float64) []float64 {
	u := []float64{logit((alpha - alphaLo) / (alphaHi - alphaLo))}
	if c.sp.trend {
		u = append(u, logit(betaStar))
	}
	if c.sp.seasonal() {
		u = append(u, logit(gammaStar))
	}
	if c.sp.damped {
		u = append(u, logit((phi-phiLo)/(phiHi-phiLo)))
	}
	u = append(u, 0)
	if c.sp.trend {
		u = append(u, 0)
	}
	return u
}

// fitETS estimates the smoothing parameters and the initial level and trend by least
// squares; the caller has checked length and sign.
func fitETS(y []float64, m int, method Method, sp spec) (*Model, error) {
	start := initStates(y, m, sp)
	start.Method, start.Period = method, m
	k := min(len(y), max(10, 2*m))
	scale := math.Max(stddev(y[:k]), 1e-9*(1+math.Abs(start.Level)))
	c := coder{sp: sp, m: m, start: start, levelScale: scale, trendScale: scale / float64(k)}
	ring := make([]float64, m)
	obj := func(u []float64) float64 { return sse(y, sp, c.decode(u), m, ring) }

	// A coarse grid finds the basin; Nelder-Mead from its best point, restarted once from
	// where it stopped (a collapsed simplex can stall short of the minimum), finds the
	// minimum.
	bestU, bestF := []float64(nil), math.Inf(1)
	for _, a := range []float64{0.05, 0.2, 0.5, 0.8} {
		for _, b := range pick(sp.trend, 0.05, 0.3) {
			for _, g := range pick(sp.seasonal(), 0.05, 0.3) {
				for _, ph := range pick(sp.damped, 0.9, 0.97) {
					u := c.encode(a, b, g, ph)
					if f := obj(u); bestU == nil || less(f, bestF) {
						bestU, bestF = u, f
					}
				}
			}
		}
	}
	maxIter := 200 * c.dim()
	u, _ := nelderMead(obj, bestU, 0.5, maxIter, 1e-8)
	u, _ = nelderMead(obj, u, 0.1, maxIter, 1e-10)
	md, err := Smooth(y, c.decode(u))
	if err != nil {
		// Only a multiplicative model whose every trial left the positive range gets here.
		return nil, fmt.Errorf("forecast: no valid %s fit: %w", method, err)
	}
	return md, nil
}

func pick(on bool, a, b float64) []float64 {
	if on {
		return []float64{a, b}
	}
	return []float64{0}
}

// initStates gives starting states by the heuristic of Hyndman et al. (2008, §2.6.1).
func initStates(y []float64, m int, sp spec) Params {
	n := len(y)
	adj := y
	var p Params
	if sp.seasonal() {
		idx := seasonalIndices(y[:min(n, 4*m)], m, sp.season == 'M')
		p.Season = idx
		adj = make([]float64, n)
		for t, v := range y {
			if sp.season == 'M' {
				adj[t] = v / idx[t%m]
			} else {
				adj[t] = v - idx[t%m]
			}
		}
	}
	k := min(n, max(10, 2*m))
	if sp.trend {
		a, b := line(adj[:k])
		p.Level, p.Trend, p.Phi = a, b, 1
	} else {
		p.Level = mean(adj[:k])
	}
	return p
}

// seasonalIndices detrends y (at least two seasons) by a centred moving average and
// averages the result per season position, normalised to sum 0 (additive) or mean 1
// (multiplicative).
func seasonalIndices(y []float64, m int, mult bool) []float64 {
	n := len(y)
	sum := make([]float64, m)
	cnt := make([]int, m)
	half := m / 2
	for t := half; t+half < n; t++ {
		var ma float64
		if m%2 == 0 {
			ma = 0.5*y[t-half] + 0.5*y[t+half]
			for j := t - half + 1; j < t+half; j++ {
				ma += y[j]
			}
		} else {
			for j := t - half; j <= t+half; j++ {
				ma += y[j]
			}
		}
		ma /= float64(m)
		if mult {
			sum[t%m] += y[t] / ma
		} else {
			sum[t%m] += y[t] - ma
		}
		cnt[t%m]++
	}
	idx := make([]float64, m)
	total := 0.0
	for i := range idx {
		if cnt[i] > 0 {
			idx[i] = sum[i] / float64(cnt[i])
		} else if mult {
			idx[i] = 1
		}
		total += idx[i]
	}
	for i := range idx {
		if mult {
			idx[i] /= total / float64(m)
		} else {
			idx[i] -= total / float64(m)
		}
	}
	return idx
}

// line fits y = a + b·t for t = 1..len(y) by least squares, so a is the value at t = 0.
func line(y []float64) (a, b float64) {
	n := float64(len(y))
	var st, sy, stt, sty float64
	for i, v := range y {
		t := float64(i + 1)
		st += t
		sy += v
		stt += t * t
		sty += t * v
	}
	den := n*stt - st*st
	if den == 0 {
		return sy / n, 0
	}
	b = (n*sty - st*sy) / den
	a = (sy - b*st) / n
	return a, b
}

func mean(y []float64) float64 {
	s := 0.0
	for _, v := range y {
		s += v
	}
	return s / float64(len(y))
}

func stddev(y []float64) float64 {
	if len(y) < 2 {
		return 0
	}
	mu := mean(y)
	s := 0.0
	for _, v := range y {
		s += (v - mu) * (v - mu)
	}
	return math.Sqrt(s / float64(len(y)-1))
}
