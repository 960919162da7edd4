package forecast

import (
	"errors"
	"fmt"
	"math"
)

// Method names a forecasting method. The ETS ones are named by their trend and season
// letters (N none, A additive, Ad additive damped, M multiplicative); all have additive
// errors.
type Method string

// Methods.
const (
	Auto                            Method = "auto"   // pick by AICc, fall back for short series
	Naive                           Method = "naive"  // last value
	SeasonalNaive                   Method = "snaive" // value one season ago
	SES                             Method = "ANN"    // simple exponential smoothing
	Holt                            Method = "AAN"    // Holt's linear trend
	DampedHolt                      Method = "AAdN"   // Holt's damped trend
	SeasonalAdditive                Method = "ANA"    // level + additive season
	HoltWintersAdditive             Method = "AAA"    // additive Holt-Winters
	DampedHoltWintersAdditive       Method = "AAdA"   // additive Holt-Winters, damped trend
	SeasonalMultiplicative          Method = "ANM"    // level × season
	HoltWintersMultiplicative       Method = "AAM"    // multiplicative Holt-Winters
	DampedHoltWintersMultiplicative Method = "AAdM"   // multiplicative Holt-Winters, damped trend
)

// Errors for bad input; returned wrapped with detail.
var (
	ErrEmpty    = errors.New("empty series")
	ErrInvalid  = errors.New("value is NaN or infinite")
	ErrNegative = errors.New("negative value")
	ErrTooShort = errors.New("history too short")
)

// spec is the structure of an ETS method.
type spec struct {
	trend  bool
	damped bool
	season byte // 'N', 'A' or 'M'
}

var specs = map[Method]spec{
	SES:                             {false, false, 'N'},
	Holt:                            {true, false, 'N'},
	DampedHolt:                      {true, true, 'N'},
	SeasonalAdditive:                {false, false, 'A'},
	HoltWintersAdditive:             {true, false, 'A'},
	DampedHoltWintersAdditive:       {true, true, 'A'},
	SeasonalMultiplicative:          {false, false, 'M'},
	HoltWintersMultiplicative:       {true, false, 'M'},
	DampedHoltWintersMultiplicative: {true, true, 'M'},
}

// candidate order for Auto: simpler models first, so ties go to the simpler one.
var (
	nonSeasonal = []Method{SES, Holt, DampedHolt}
	seasonal    = []Method{SeasonalAdditive, HoltWintersAdditive, DampedHoltWintersAdditive,
		SeasonalMultiplicative, HoltWintersMultiplicative, DampedHoltWintersMultiplicative}
)

func (s spec) seasonal() bool { return s.season != 'N' }

// smoothing counts the smoothing parameters (α, β, γ, φ) the spec estimates.
func (s spec) smoothing() int {
	k := 1
	if s.trend {
		k++
	}
	if s.damped {
		k++
	}
	if s.seasonal() {
		k++
	}
	return k
}

// states counts the free initial states (level, trend, m−1 seasonal).
func (s spec) states(m int) int {
	k := 1
	if s.trend {
		k++
	}
	if s.seasonal() {
		k += m - 1
	}
	return k
}

// minLen is the shortest history the method is fitted on: seasonal models need two full
// seasons for their initial indices and a few points more to learn anything.
func (s spec) minLen(m int) int {
	if s.seasonal() {
		return 2*m + 2
	}
	return 4
}

// Options choose how Fit works.
type Options struct {
	// Period is the season length: 7 for daily data, 52 for weekly, 12 for monthly;
	// 0 or 1 means no season.
	Period int
	// Method is the model; empty means Auto.
	Method Method
}

// Params are a smoothing model's parameters and initial states. Fit returns them in
// Model.Params; Smooth runs a model with given ones.
type Params struct {
	Method Method  `json:"method"`
	Period int     `json:"period"`
	Alpha  float64 `json:"alpha"`
	Beta   float64 `json:"beta,omitempty"`  // trend smoothing, error-correction form (β = α·β*)
	Gamma  float64 `json:"gamma,omitempty"` // season smoothing
	Phi    float64 `json:"phi,omitempty"`   // damping; taken as 1 for undamped trends
	Level  float64 `json:"level"`           // initial level l₀
	Trend  float64 `json:"trend,omitempty"` // initial trend b₀
	// Season holds the initial seasonal states: Season[j] applies to y[j] for j < Period
	// (and to every later point of the same season position until updated).
	Season []float64 `json:"season,omitempty"`
}

// Model is a fitted forecasting model.
type Model struct {
	Method Method  `json:"method"`
	Period int     `json:"period"` // 1 when the model has no season
	Params Params  `json:"params"` // zero for Naive and SeasonalNaive
	N      int     `json:"n"`
	SSE    float64 `json:"sse"`    // sum of squared one-step in-sample errors
	Sigma2 float64 `json:"sigma2"` // one-step error variance
	AICc   float64 `json:"aicc"`   // +Inf when the history is too short to rank the model
	// Fitted holds the one-step in-sample forecasts (NaN-free; the first Period points of a
	// naive model are their own forecasts).
	Fitted []float64 `json:"fitted"`
	// Level, Trend and Season are the final states; Season[i] applies to the forecast i+1
	// steps ahead (and every Period steps after).
	Level  float64   `json:"level"`
	Trend  float64   `json:"trend"`
	Season []float64 `json:"season,omitempty"`

	y []float64 // the history, for empirical intervals; absent after JSON decoding
}

func (md *Model) spec() spec { return specs[md.Method] }

// check rejects series that no method accepts.
func check(y []float64) error {
	if len(y) == 0 {
		return ErrEmpty
	}
	for i, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("y[%d] = %v: %w", i, v, ErrInvalid)
		}
		if v < 0 {
			return fmt.Errorf("y[%d] = %v: %w", i, v, ErrNegative)
		}
	}
	return nil
}

func period(p int) (int, error) {
	if p < 0 {
		return 0, fmt.Errorf("forecast: period %d is negative", p)
	}
	if p == 0 {
		return 1, nil
	}
	return p, nil
}

// Fit fits a model to y, oldest first. y must be non-empty, finite and non-negative.
func Fit(y []float64, opt Options) (*Model, error) {
	if err := check(y); err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	m, err := period(opt.Period)
	if err != nil {
		return nil, err
	}
	method := opt.Method
	if method == "" {
		method = Auto
	}
	n := len(y)
	switch method {
	case Auto:
		return fitAuto(y, m)
	case Naive:
		return fitNaive(y, 1)
	case SeasonalNaive:
		return fitNaive(y, m)
	}
	sp, ok := specs[method]
	if !ok {
		return nil, fmt.Errorf("forecast: unknown method %q", method)
	}
	if sp.seasonal() && m < 2 {
		return nil, fmt.Errorf("forecast: method %s needs a period of at least 2", method)
	}
	if !sp.seasonal() {
		m = 1
	}
	if n < sp.minLen(m) {
		return nil, fmt.Errorf("forecast: method %s with period %d needs %d points, have %d: %w",
			method, m, sp.minLen(m), n, ErrTooShort)
	}
	if sp.season == 'M' {
		for i, v := range y {
			if v <= 0 {
				return nil, fmt.Errorf("forecast: method %s needs positive data, y[%d] = %v", method, i, v)
			}
		}
	}
	return fitETS(y, m, method, sp)
}

func fitAuto(y []float64, m int) (*Model, error) {
	n := len(y)
	positive := true
	for _, v := range y {
		if v <= 0 {
			positive = false
			break
		}
	}
	var cands []Method
	switch {
	case m > 1 && n >= 2*m+2:
		cands = append(cands, nonSeasonal...)
		for _, c := range seasonal {
			if specs[c].season == 'M' && !positive {
				continue
			}
			cands = append(cands, c)
		}
	case m > 1 && n > m:
		return fitNaive(y, m)
	case n >= 5:
		cands = nonSeasonal
	case n >= 2:
		return fitNaive(y, 1)
	default:
		return nil, fmt.Errorf("forecast: need at least 2 points, have %d: %w", n, ErrTooShort)
	}
	var best *Model
	var lastErr error
	for _, c := range cands {
		sp := specs[c]
		mm := m
		if !sp.seasonal() {
			mm = 1
		}
		md, err := fitETS(y, mm, c, sp)
		if err != nil {
			lastErr = err
			continue
		}
		if best == nil || md.AICc < best.AICc {
			best = md
		}
	}
	if best == nil {
		return nil, lastErr
	}
	return best, nil
}

// fitNaive builds the (seasonal) naive benchmark with period m.
func fitNaive(y []float64, m int) (*Model, error) {
	n := len(y)
	if n <= m {
		return nil, fmt.Errorf("forecast: naive forecast with period %d needs %d points, have %d: %w",
			m, m+1, n, ErrTooShort)
	}
	method := SeasonalNaive
	if m == 1 {
		method = Naive
	}
	md := &Model{Method: method, Period: m, N: n, AICc: math.Inf(1), y: append([]float64(nil), y...)}
	md.Fitted = make([]float64, n)
	for t := range y {
		if t < m {
			md.Fitted[t] = y[t]
			continue
		}
		md.Fitted[t] = y[t-m]
		e := y[t] - y[t-m]
		md.SSE += e * e
	}
	md.Sigma2 = md.SSE / float64(n-m)
	md.Level = y[n-1]
	if m > 1 {
		md.Season = append([]float64(nil), y[n-m:]...)
	}
	return md, nil
}

// Smooth runs an ETS model with fixed parameters and initial states over y, for
// reproducing a stored model or a published one. Fields the method lacks are ignored.
func Smooth(y []float64, p Params) (*Model, error) {
	if err := check(y); err != nil {
		return nil, fmt.Errorf("forecast: %w", err)
	}
	sp, ok := specs[p.Method]
	if !ok {
		return nil, fmt.Errorf("forecast: Smooth needs an ETS method, not %q", p.Method)
	}
	m := 1
	if sp.seasonal() {
		m = p.Period
		if m < 2 {
			return nil, fmt.Errorf("forecast: method %s needs a period of at least 2", p.Method)
		}
		if len(p.Season) != m {
			return nil, fmt.Errorf("forecast: %d initial seasonal states for period %d", len(p.Season), m)
		}
	}
	for _, v := range []float64{p.Alpha, p.Beta, p.Gamma, p.Phi, p.Level, p.Trend} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("forecast: parameter %v: %w", v, ErrInvalid)
		}
	}
	q := normalise(p, sp, m)
	md := &Model{Method: p.Method, Period: m, Params: q, N: len(y), y: append([]float64(nil), y...)}
	md.Fitted = make([]float64, len(y))
	f := newFilter(sp, q, m)
	for t, v := range y {
		md.Fitted[t] = f.predict(t)
		e, ok := f.update(t, v)
		if !ok {
			return nil, fmt.Errorf("forecast: multiplicative state not positive at y[%d]", t)
		}
		md.SSE += e * e
	}
	md.finish(f)
	return md, nil
}

// normalise drops the fields the method does not use so that a Model's Params say exactly
// what was run.
func normalise(p Params, sp spec, m int) Params {
	q := Params{Method: p.Method, Period: m, Alpha: p.Alpha, Level: p.Level}
	if sp.trend {
		q.Beta, q.Trend, q.Phi = p.Beta, p.Trend, 1
		if sp.damped {
			q.Phi = p.Phi
		}
	}
	if sp.seasonal() {
		q.Gamma = p.Gamma
		q.Season = append([]float64(nil), p.Season...)
	}
	return q
}

// finish fills the summary fields from a filter that has consumed all of y.
func (md *Model) finish(f *filter) {
	n := md.N
	sp := md.spec()
	k := sp.smoothing() + sp.states(md.Period)
	md.Sigma2 = md.SSE / float64(max(n-k, 1))
	md.AICc = aicc(md.SSE, n, k+1)
	md.Level, md.Trend = f.l, f.b
	if sp.seasonal() {
		md.Season = make([]float64, md.Period)
		for i := range md.Season {
			md.Season[i] = f.s[(n+i)%md.Period]
		}
	}
}

func aicc(sse float64, n, k int) float64 {
	if n-k-1 <= 0 {
		return math.Inf(1)
	}
	// A perfect fit would give log(0); a floor keeps the ranking finite and stable.
	mse := math.Max(sse/float64(n), 1e-300)
	return float64(n)*math.Log(mse) + 2*float64(k) + 2*float64(k*(k+1))/float64(n-k-1)
}

// filter runs the ETS recursions. Its seasonal ring s holds the state for season position
// t mod m.
type filter struct {
	sp   spec
	p    Params
	m    int
	l, b float64
	s    []float64
}

func newFilter(sp spec, p Params, m int) *filter {
	f := &filter{sp: sp, p: p, m: m, l: p.Level, b: p.Trend}
	if sp.seasonal() {
		f.s = append([]float64(nil), p.Season...)
	}
	if !sp.trend {
		f.b = 0
	}
	return f
}

// phib is the damped trend carried into the next step.
func (f *filter) phib() float64 {
	if !f.sp.trend {
		return 0
	}
	return f.p.Phi * f.b
}

// predict is the one-step forecast of y[t] from the states after y[t-1].
func (f *filter) predict(t int) float64 {
	base := f.l + f.phib()
	switch f.sp.season {
	case 'A':
		return base + f.s[t%f.m]
	case 'M':
		return base * f.s[t%f.m]
	}
	return base
}

// ahead is the h-step forecast (h ≥ 1) of y[t+h-1] from the states after y[t-1].
func (f *filter) ahead(t, h int) float64 {
	base := f.l
	if f.sp.trend {
		base += dampSum(f.p.Phi, h) * f.b
	}
	switch f.sp.season {
	case 'A':
		return base + f.s[(t+h-1)%f.m]
	case 'M':
		return base * f.s[(t+h-1)%f.m]
	}
	return base
}

// update absorbs y[t]; it reports false when a multiplicative model's states leave the
// positive range, where the model is undefined.
func (f *filter) update(t int, y float64) (float64, bool) {
	p := f.p
	pb := f.phib()
	base := f.l + pb
	switch f.sp.season {
	case 'N':
		e := y - base
		f.l = base + p.Alpha*e
		f.b = pb + p.Beta*e
		return e, true
	case 'A':
		i := t % f.m
		e := y - base - f.s[i]
		f.l = base + p.Alpha*e
		f.b = pb + p.Beta*e
		f.s[i] += p.Gamma * e
		return e, true
	default:
		i := t % f.m
		s := f.s[i]
		if s <= 0 || base <= 0 {
			return math.NaN(), false
		}
		e := y - base*s
		f.l = base + p.Alpha*e/s
		f.b = pb + p.Beta*e/s
		f.s[i] = s + p.Gamma*e/base
		return e, true
	}
}

// dampSum is φ + φ² + … + φ^h (h when φ = 1).
func dampSum(phi float64, h int) float64 {
	if phi == 1 {
		return float64(h)
	}
	sum, pw := 0.0, 1.0
	for range h {
		pw *= phi
		sum += pw
	}
	return sum
}

// sse runs the model over y and returns the sum of squared one-step errors, +Inf when the
// model breaks down. It repeats filter.update with the branches hoisted out of the loop
// because the optimiser calls it thousands of times per fit.
func sse(y []float64, sp spec, p Params, m int, ring []float64) float64 {
	l, b, phi := p.Level, 0.0, 1.0
	if sp.trend {
		b, phi = p.Trend, p.Phi
	}
	a, be, g := p.Alpha, p.Beta, p.Gamma
	total := 0.0
	switch sp.season {
	case 'N':
		for _, v := range y {
			pb := phi * b
			base := l + pb
			e := v - base
			l = base + a*e
			b = pb + be*e
			total += e * e
		}
	case 'A':
		s := append(ring[:0], p.Season...)
		i := 0
		for _, v := range y {
			pb := phi * b
			base := l + pb
			e := v - base - s[i]
			l = base + a*e
			b = pb + be*e
			s[i] += g * e
			total += e * e
			if i++; i == m {
				i = 0
			}
		}
	default:
		s := append(ring[:0], p.Season...)
		i := 0
		for _, v := range y {
			pb := phi * b
			base := l + pb
			si := s[i]
			if si <= 0 || base <= 0 {
				return math.Inf(1)
			}
			e := v - base*si
			l = base + a*e/si
			b = pb + be*e/si
			s[i] = si + g*e/base
			total += e * e
			if i++; i == m {
				i = 0
			}
		}
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return math.Inf(1)
	}
	return total
}
