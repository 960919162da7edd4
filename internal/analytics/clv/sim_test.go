package clv

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// gammaRand draws from Gamma(shape, rate 1) (Marsaglia & Tsang 2000).
func gammaRand(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		return gammaRand(rng, shape+1) * math.Pow(rng.Float64(), 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// simBGNBD draws n customers from a BG/NBD with calibration lengths
// spread evenly over [tmin, tmax] weeks.
func simBGNBD(seed uint64, n int, r, alpha, a, b, tmin, tmax float64) []Customer {
	rng := rand.New(rand.NewPCG(seed, 1))
	cs := make([]Customer, n)
	for i := range cs {
		lambda := gammaRand(rng, r) / alpha
		ga, gb := gammaRand(rng, a), gammaRand(rng, b)
		p := ga / (ga + gb)
		c := Customer{ID: strconv.Itoa(i + 1), T: tmin + (tmax-tmin)*float64(i)/float64(n)}
		t := 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > c.T {
				break
			}
			c.X++
			c.TX = t
			if rng.Float64() < p {
				break
			}
		}
		cs[i] = c
	}
	return cs
}

// simParetoNBD draws n customers from a Pareto/NBD.
func simParetoNBD(seed uint64, n int, r, alpha, s, beta, tmin, tmax float64) []Customer {
	rng := rand.New(rand.NewPCG(seed, 2))
	cs := make([]Customer, n)
	for i := range cs {
		lambda := gammaRand(rng, r) / alpha
		mu := gammaRand(rng, s) / beta
		c := Customer{ID: strconv.Itoa(i + 1), T: tmin + (tmax-tmin)*float64(i)/float64(n)}
		end := math.Min(c.T, rng.ExpFloat64()/mu)
		t := 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > end {
				break
			}
			c.X++
			c.TX = t
		}
		cs[i] = c
	}
	return cs
}
