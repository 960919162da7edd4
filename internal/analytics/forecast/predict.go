package forecast

import (
	"fmt"
	"math"
)

// Forecast holds point forecasts and prediction intervals for the next len(Mean) periods.
type Forecast struct {
	Mean  []float64 `json:"mean"`
	Lower []float64 `json:"lower"`
	Upper []float64 `json:"upper"`
	Level float64   `json:"level"` // interval coverage, e.g. 0.95
}

// minEmpiricalErrors is the fewest in-sample h-step errors trusted for an empirical
// variance.
const minEmpiricalErrors = 10

// Forecast predicts the next h periods with prediction intervals at the given level
// (0 < level < 1, e.g. 0.8 or 0.95). Mean and Lower are cut at zero.
func (md *Model) Forecast(h int, level float64) (*Forecast, error) {
	if h < 1 {
		return nil, fmt.Errorf("forecast: horizon %d, want at least 1", h)
	}
	if !(level > 0 && level < 1) {
		return nil, fmt.Errorf("forecast: interval level %v, want 0 < level < 1", level)
	}
	mean := md.means(h)
	v := md.variances(h)
	z := math.Sqrt2 * math.Erfinv(level)
	fc := &Forecast{Mean: mean, Lower: make([]float64, h), Upper: make([]float64, h), Level: level}
	for i := range mean {
		w := z * math.Sqrt(v[i])
		fc.Lower[i] = math.Max(0, mean[i]-w)
		fc.Upper[i] = mean[i] + w
		mean[i] = math.Max(0, mean[i])
	}
	return fc, nil
}

// means are the point forecasts 1..h steps ahead, not yet cut at zero.
func (md *Model) means(h int) []float64 {
	out := make([]float64, h)
	switch md.Method {
	case Naive:
		for i := range out {
			out[i] = md.Level
		}
		return out
	case SeasonalNaive:
		for i := range out {
			out[i] = md.Season[i%md.Period]
		}
		return out
	}
	f := md.endFilter()
	for i := range out {
		out[i] = f.ahead(md.N, i+1)
	}
	return out
}

// endFilter rebuilds the filter state after the last observation.
func (md *Model) endFilter() *filter {
	sp := md.spec()
	f := &filter{sp: sp, p: md.Params, m: md.Period, l: md.Level, b: md.Trend}
	if sp.seasonal() {
		f.s = make([]float64, md.Period)
		for i, v := range md.Season {
			f.s[(md.N+i)%md.Period] = v
		}
	}
	return f
}

// variances are the forecast-error variances 1..h steps ahead.
func (md *Model) variances(h int) []float64 {
	v := make([]float64, h)
	switch md.Method {
	case Naive, SeasonalNaive:
		for i := range v {
			v[i] = md.Sigma2 * float64(i/md.Period+1)
		}
		return v
	}
	lin := md.linearVariances(h)
	if md.spec().season != 'M' || md.y == nil {
		return lin
	}
	return md.empiricalVariances(h, lin)
}

// linearVariances is the exact h-step variance of the additive-error linear models:
// σ²·(1 + Σ_{j<h} c_j²), c_j = α + β·φ_j + γ·[j mod m = 0].
func (md *Model) linearVariances(h int) []float64 {
	p := md.Params
	sp := md.spec()
	v := make([]float64, h)
	acc := 1.0
	phij := 0.0
	pw := 1.0
	for i := range v {
		v[i] = md.Sigma2 * acc
		j := i + 1
		pw *= p.Phi
		phij += pw
		c := p.Alpha
		if sp.trend {
			c += p.Beta * phij
		}
		if sp.seasonal() && j%md.Period == 0 {
			c += p.Gamma
		}
		acc += c * c
	}
	return v
}

// empiricalVariances estimates the multiplicative models' h-step variances as the mean
// squared in-sample h-step error, from every origin after the first two seasons. Horizons
// with too few errors grow from the last reliable one by the ratio of the linear formula.
func (md *Model) empiricalVariances(h int, lin []float64) []float64 {
	sum := make([]float64, h)
	cnt := make([]int, h)
	f := newFilter(md.spec(), md.Params, md.Period)
	first := 2 * md.Period
	for t := range md.N {
		if t >= first {
			for k := 1; k <= h && t+k-1 < md.N; k++ {
				e := md.y[t+k-1] - f.ahead(t, k)
				sum[k-1] += e * e
				cnt[k-1]++
			}
		}
		if _, ok := f.update(t, md.y[t]); !ok {
			break
		}
	}
	v := make([]float64, h)
	for i := range v {
		switch {
		case cnt[i] >= minEmpiricalErrors && i == 0:
			v[i] = sum[i] / float64(cnt[i])
		case cnt[i] >= minEmpiricalErrors:
			// Variance cannot shrink with the horizon; noise in short samples can make it.
			v[i] = math.Max(sum[i]/float64(cnt[i]), v[i-1])
		case i == 0:
			v[i] = md.Sigma2
		default:
			v[i] = v[i-1] * lin[i] / lin[i-1]
		}
	}
	return v
}
