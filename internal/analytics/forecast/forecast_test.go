package forecast

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"
)

// Reference series as used by the statsmodels Holt-Winters tests (from R's fpp package):
// Saudi Arabian oil production 1996–2007, Australian air passengers 1990–2004 and
// Asian livestock 1970–2000.
var (
	oil = []float64{446.6565229, 454.4733065, 455.662974, 423.6322388, 456.2713279, 440.5880501,
		425.3325201, 485.1494479, 506.0481621, 526.7919833, 514.268889, 494.2110193}
	air = []float64{17.5534, 21.8601, 23.8866, 26.9293, 26.8885, 28.8314, 30.0751, 30.9535,
		30.1857, 31.5797, 32.577569, 33.477398, 39.021581, 41.386432, 41.596552}
	livestock = []float64{263.917747, 268.307222, 260.662556, 266.639419, 277.515778, 283.834045,
		290.309028, 292.474198, 300.830694, 309.286657, 318.331081, 329.37239, 338.883998,
		339.244126, 328.600632, 314.255385, 314.459695, 321.413779, 329.789292, 346.385165,
		352.297882, 348.370515, 417.562922, 417.12357, 417.749459, 412.233904, 411.946817,
		394.697075, 401.49927, 408.270468, 414.2428}
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.8g, want %.8g (±%g)", what, got, want, tol)
	}
}

// R: ets(livestock, model="AAN", damped=TRUE, phi=0.98); the states, fitted values and
// forecasts are quoted in statsmodels' test_holt_damp_R.
func TestSmoothMatchesRets(t *testing.T) {
	md, err := Smooth(livestock, Params{Method: DampedHolt, Alpha: 0.97402626, Beta: 0.00010006,
		Phi: 0.98, Level: 252.59039965, Trend: 6.90265918})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mse", md.SSE/float64(md.N), 195.4397924865488, 1e-4)
	near(t, "fitted[0]", md.Fitted[0], 259.3550056432622, 1e-6)
	near(t, "fitted[30]", md.Fitted[30], 411.8810877289437, 1e-6)
	near(t, "final level", md.Level, 414.1814574903921, 1e-6)
	near(t, "final trend", md.Trend, 3.690553892582855, 1e-6)
	fc, err := md.Forecast(10, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{417.7982003051233, 421.3426082635598, 424.8161280628277, 428.2201774661102,
		431.5561458813270, 434.8253949282395, 438.0292589942138, 441.1690457788685,
		444.2460368278302, 447.2614880558126}
	for i, w := range want {
		near(t, "forecast", fc.Mean[i], w, 1e-5)
	}
}

// statsmodels test_simple_exp_smoothing and test_holt with fixed parameters and the
// initial states l₀ = y₁, b₀ = y₂ − y₁.
func TestSmoothMatchesStatsmodels(t *testing.T) {
	for _, c := range []struct {
		alpha, want float64
	}{{0.2, 484.802468}, {0.6, 501.837461}} {
		md, err := Smooth(oil, Params{Method: SES, Alpha: c.alpha, Level: oil[0]})
		if err != nil {
			t.Fatal(err)
		}
		fc, _ := md.Forecast(1, 0.95)
		near(t, "oil SES forecast", fc.Mean[0], c.want, 1e-5)
	}
	// statsmodels' smoothing_slope 0.2 is β* of the component form; β = α·β*.
	md, err := Smooth(air, Params{Method: Holt, Alpha: 0.8, Beta: 0.8 * 0.2, Level: air[0], Trend: air[1] - air[0]})
	if err != nil {
		t.Fatal(err)
	}
	fc, _ := md.Forecast(5, 0.95)
	for i, w := range []float64{43.76, 45.59, 47.43, 49.27, 51.10} {
		near(t, "air Holt forecast", fc.Mean[i], w, 0.005)
	}
	near(t, "air Holt fitted[1]", md.Fitted[1], 22.032368, 1e-5)
	near(t, "air Holt fitted[14]", md.Fitted[14], 43.21586036, 1e-5)
}

// Least-squares estimates published by statsmodels (SES with estimated l₀; damped Holt on
// livestock, "a better SSE than the text book").
func TestFitMatchesPublished(t *testing.T) {
	md, err := Fit(oil, Options{Method: SES})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "oil alpha", md.Params.Alpha, 0.891998, 1e-4)
	near(t, "oil l0", md.Params.Level, 447.47844, 1e-2)
	fc, _ := md.Forecast(1, 0.95)
	near(t, "oil forecast", fc.Mean[0], 496.493543, 1e-3)

	md, err = Fit(livestock, Options{Method: DampedHolt})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "livestock alpha", md.Params.Alpha, 0.98, 0.005)
	near(t, "livestock beta", md.Params.Beta, 0.00, 0.005)
	near(t, "livestock phi", md.Params.Phi, 0.98, 0.005)
	near(t, "livestock l0", md.Params.Level, 257.36, 0.005)
	near(t, "livestock b0", md.Params.Trend, 6.64, 0.005)
	near(t, "livestock sse", md.SSE, 6036.56, 0.005)
}

// The closed form c_j = α + βφ_j + γd_{j,m} must equal w'F^{j−1}g of the state-space form.
func TestLinearVarianceMatchesStateSpace(t *testing.T) {
	const m = 4
	p := Params{Method: DampedHoltWintersAdditive, Period: m, Alpha: 0.3, Beta: 0.1, Gamma: 0.2, Phi: 0.9}
	md := &Model{Method: p.Method, Period: m, Params: p, Sigma2: 2.5}
	h := 11
	got := md.linearVariances(h)

	// State (l, b, s_t, s_{t-1}, …, s_{t-m+1}).
	d := 2 + m
	F := make([][]float64, d)
	for i := range F {
		F[i] = make([]float64, d)
	}
	F[0][0], F[0][1], F[1][1] = 1, p.Phi, p.Phi
	F[2][d-1] = 1
	for i := 3; i < d; i++ {
		F[i][i-1] = 1
	}
	w := make([]float64, d)
	w[0], w[1], w[d-1] = 1, p.Phi, 1
	g := make([]float64, d)
	g[0], g[1], g[2] = p.Alpha, p.Beta, p.Gamma
	x := append([]float64(nil), g...) // F^{j-1} g
	acc := 1.0
	for k := range h {
		near(t, "variance", got[k], md.Sigma2*acc, 1e-12)
		c := 0.0
		for i := range w {
			c += w[i] * x[i]
		}
		acc += c * c
		nx := make([]float64, d)
		for i := range F {
			for j := range F[i] {
				nx[i] += F[i][j] * x[j]
			}
		}
		x = nx
	}
}

func TestSESVarianceFormula(t *testing.T) {
	md, err := Fit(oil, Options{Method: SES})
	if err != nil {
		t.Fatal(err)
	}
	v := md.variances(5)
	for h := 1; h <= 5; h++ {
		a := md.Params.Alpha
		near(t, "SES variance", v[h-1], md.Sigma2*(1+a*a*float64(h-1)), 1e-9)
	}
	fc, _ := md.Forecast(5, 0.95)
	z := 1.959963984540054
	near(t, "upper", fc.Upper[0], fc.Mean[0]+z*math.Sqrt(v[0]), 1e-9)
}

// seasonalSeries is a noise-free level + trend + season series.
func seasonalSeries(n, m int, mult bool) []float64 {
	y := make([]float64, n)
	for t := range y {
		s := math.Sin(2 * math.Pi * float64(t%m) / float64(m))
		base := 100 + 0.5*float64(t)
		if mult {
			y[t] = base * (1 + 0.3*s)
		} else {
			y[t] = base + 20*s
		}
	}
	return y
}

func TestSeasonalModelsTrackCleanSeries(t *testing.T) {
	for _, c := range []struct {
		method Method
		mult   bool
	}{{HoltWintersAdditive, false}, {HoltWintersMultiplicative, true}, {Auto, false}, {Auto, true}} {
		full := seasonalSeries(8*7+14, 7, c.mult)
		y, future := full[:8*7], full[8*7:]
		md, err := Fit(y, Options{Period: 7, Method: c.method})
		if err != nil {
			t.Fatal(err)
		}
		fc, err := md.Forecast(len(future), 0.9)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range future {
			if math.Abs(fc.Mean[i]-want) > 0.02*want {
				t.Errorf("%s (mult %v, chose %s) step %d: forecast %.3f, want %.3f", c.method, c.mult, md.Method, i+1, fc.Mean[i], want)
				break
			}
		}
	}
}

func TestAutoFallsBack(t *testing.T) {
	long := seasonalSeries(40, 7, false)
	for _, c := range []struct {
		name   string
		y      []float64
		period int
		want   Method
	}{
		{"two points", []float64{3, 4}, 0, Naive},
		{"four points", []float64{3, 4, 5, 4}, 0, Naive},
		{"one week of days", long[:8], 7, SeasonalNaive},
		{"under two weeks", long[:15], 7, SeasonalNaive},
		{"six points no season", []float64{3, 4, 5, 4, 5, 6}, 1, SES},
		{"six days weekly period", []float64{3, 4, 5, 4, 5, 6}, 7, SES},
	} {
		md, err := Fit(c.y, Options{Period: c.period})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.want == SES {
			if _, ok := specs[md.Method]; !ok || specs[md.Method].seasonal() {
				t.Errorf("%s: chose %s, want a non-seasonal smoothing model", c.name, md.Method)
			}
			continue
		}
		if md.Method != c.want {
			t.Errorf("%s: chose %s, want %s", c.name, md.Method, c.want)
		}
	}
	md, err := Fit(long, Options{Period: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !specs[md.Method].seasonal() {
		t.Errorf("clean seasonal series: chose %s, want a seasonal model", md.Method)
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		y    []float64
		opt  Options
		want error
	}{
		{"empty", nil, Options{}, ErrEmpty},
		{"NaN", []float64{1, math.NaN(), 3}, Options{}, ErrInvalid},
		{"Inf", []float64{1, math.Inf(1), 3}, Options{}, ErrInvalid},
		{"negative sales", []float64{1, -2, 3}, Options{}, ErrNegative},
		{"one point", []float64{5}, Options{}, ErrTooShort},
		{"short seasonal", seasonalSeries(10, 7, false), Options{Period: 7, Method: HoltWintersAdditive}, ErrTooShort},
		{"short SES", []float64{1, 2}, Options{Method: SES}, ErrTooShort},
		{"short snaive", seasonalSeries(7, 7, false), Options{Period: 7, Method: SeasonalNaive}, ErrTooShort},
		{"negative period", []float64{1, 2, 3}, Options{Period: -1}, nil},
		{"unknown method", []float64{1, 2, 3, 4, 5}, Options{Method: "ARIMA"}, nil},
		{"seasonal without period", seasonalSeries(30, 7, false), Options{Method: HoltWintersAdditive}, nil},
		{"multiplicative with zero", append(seasonalSeries(30, 7, true), 0), Options{Period: 7, Method: HoltWintersMultiplicative}, nil},
	} {
		_, err := Fit(c.y, c.opt)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Smooth(oil, Params{Method: Auto}); err == nil {
		t.Error("Smooth with Auto: no error")
	}
	if _, err := Smooth(oil, Params{Method: HoltWintersAdditive, Period: 4, Season: []float64{1}}); err == nil {
		t.Error("Smooth with wrong season length: no error")
	}
	md, _ := Fit(oil, Options{})
	for _, c := range []struct {
		h     int
		level float64
	}{{0, 0.95}, {3, 0}, {3, 1}, {3, math.NaN()}} {
		if _, err := md.Forecast(c.h, c.level); err == nil {
			t.Errorf("Forecast(%d, %v): no error", c.h, c.level)
		}
	}
}

func TestNaiveForecasts(t *testing.T) {
	y := []float64{10, 20, 30, 12, 22, 32, 14, 24, 34}
	md, err := Fit(y, Options{Period: 3, Method: SeasonalNaive})
	if err != nil {
		t.Fatal(err)
	}
	fc, _ := md.Forecast(5, 0.8)
	for i, w := range []float64{14, 24, 34, 14, 24} {
		near(t, "snaive mean", fc.Mean[i], w, 0)
	}
	// Every seasonal difference is 2, so σ² = 4 and v_h = 4·(⌊(h−1)/3⌋+1).
	z := math.Sqrt2 * math.Erfinv(0.8)
	near(t, "snaive upper h=1", fc.Upper[0], 14+z*2, 1e-12)
	near(t, "snaive upper h=4", fc.Upper[3], 14+z*math.Sqrt(8), 1e-12)
	md, _ = Fit(y, Options{Method: Naive})
	fc, _ = md.Forecast(2, 0.8)
	near(t, "naive mean", fc.Mean[1], 34, 0)
}

func TestMultiplicativeIntervalsWiden(t *testing.T) {
	y := seasonalSeries(120, 7, true)
	for i := range y {
		y[i] *= 1 + 0.05*math.Sin(float64(i)*1.7) // deterministic wiggle as noise
	}
	md, err := Fit(y, Options{Period: 7, Method: SeasonalMultiplicative})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := md.Forecast(40, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	v := md.variances(40)
	for i := range v {
		if !(v[i] > 0) || math.IsInf(v[i], 0) || (i > 0 && v[i] < v[i-1]) {
			t.Fatalf("variance %d = %v after %v", i, v[i], v[max(i-1, 0)])
		}
		if fc.Lower[i] > fc.Mean[i] || fc.Upper[i] < fc.Mean[i] {
			t.Fatalf("interval %d [%v, %v] misses mean %v", i, fc.Lower[i], fc.Upper[i], fc.Mean[i])
		}
	}
}

func TestFitIsDeterministicAndSerialisable(t *testing.T) {
	y := seasonalSeries(60, 7, false)
	for i := range y {
		y[i] += 3 * math.Cos(float64(i)*2.3)
	}
	a, err := Fit(y, Options{Period: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Fit(y, Options{Period: 7})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("two fits of the same series differ")
	}
	var c Model
	if err := json.Unmarshal(ja, &c); err != nil {
		t.Fatal(err)
	}
	fa, _ := a.Forecast(9, 0.9)
	fc, err := c.Forecast(9, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fa.Mean {
		near(t, "decoded mean", fc.Mean[i], fa.Mean[i], 1e-9)
		near(t, "decoded upper", fc.Upper[i], fa.Upper[i], 1e-9)
	}
}

func TestAggregate(t *testing.T) {
	d := func(m time.Month, day int) time.Time { return time.Date(2024, m, day, 15, 4, 0, 0, time.UTC) }
	pts := []Point{{d(1, 1), 1}, {d(1, 1), 2}, {d(1, 3), 4}, {d(1, 8), 8}, {d(2, 29), 16}, {d(3, 31), 32}, {d(4, 1), 64}}
	day, err := Aggregate(pts, Day, d(1, 1), d(1, 4))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{3, 0, 4}; !equal(day, want) {
		t.Errorf("daily %v, want %v", day, want)
	}
	week, err := Aggregate(pts, Week, d(1, 1), d(1, 15))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{7, 8}; !equal(week, want) {
		t.Errorf("weekly %v, want %v", week, want)
	}
	month, err := Aggregate(pts, Month, d(1, 1), d(4, 1))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{15, 16, 32}; !equal(month, want) {
		t.Errorf("monthly %v, want %v", month, want)
	}
	shanghai := time.FixedZone("CST", 8*3600)
	late := time.Date(2024, 1, 2, 23, 30, 0, 0, shanghai)
	got, _ := Aggregate([]Point{{late, 5}}, Day, d(1, 1), d(1, 4))
	if want := []float64{0, 5, 0}; !equal(got, want) {
		t.Errorf("point at 23:30 local: %v, want %v (dates are taken in the point's own zone)", got, want)
	}
	for _, c := range []struct {
		name     string
		pts      []Point
		unit     Unit
		from, to time.Time
	}{
		{"empty range", nil, Day, d(1, 5), d(1, 5)},
		{"partial week", nil, Week, d(1, 1), d(1, 10)},
		{"month not on first", nil, Month, d(1, 2), d(3, 1)},
		{"bad unit", nil, Unit(9), d(1, 1), d(1, 5)},
		{"NaN", []Point{{d(1, 1), math.NaN()}}, Day, d(1, 1), d(1, 5)},
		{"negative", []Point{{d(1, 1), -1}}, Day, d(1, 1), d(1, 5)},
	} {
		if _, err := Aggregate(c.pts, c.unit, c.from, c.to); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if Day.Period() != 7 || Week.Period() != 52 || Month.Period() != 12 || Week.String() != "week" {
		t.Error("unit periods or names changed")
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMASE(t *testing.T) {
	// Scale: mean |Δ| of history = (2+2+2)/3 = 2; MAE = (1+3)/2 = 2.
	got, err := MASE([]float64{10, 12}, []float64{11, 9}, []float64{2, 4, 6, 8}, 1)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MASE", got, 1, 1e-12)
	got, _ = MASE([]float64{10}, []float64{11}, []float64{1, 5, 2, 6}, 2)
	near(t, "seasonal MASE", got, 1, 1e-12)
	for _, c := range []struct {
		name          string
		a, p, history []float64
		m             int
	}{
		{"length mismatch", []float64{1}, []float64{1, 2}, []float64{1, 2, 3}, 1},
		{"empty", nil, nil, []float64{1, 2, 3}, 1},
		{"short history", []float64{1}, []float64{1}, []float64{1, 2}, 2},
		{"flat history", []float64{1}, []float64{1}, []float64{3, 3, 3}, 1},
		{"NaN", []float64{math.NaN()}, []float64{1}, []float64{1, 2, 3}, 1},
	} {
		if _, err := MASE(c.a, c.p, c.history, c.m); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestBacktest(t *testing.T) {
	y := seasonalSeries(70, 7, false)
	for i := range y {
		y[i] += 4 * math.Sin(float64(i)*2.9)
	}
	ev, err := Backtest(y, Options{Period: 7}, Holdout{Test: 14, Horizon: 7, Step: 7})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Origins != 2 || ev.Forecasts != 14 {
		t.Errorf("origins %d forecasts %d, want 2 and 14", ev.Origins, ev.Forecasts)
	}
	if !(ev.MASE < ev.BaselineMASE) {
		t.Errorf("MASE %.3f not below seasonal naive %.3f on a trending seasonal series", ev.MASE, ev.BaselineMASE)
	}
	for _, ho := range []Holdout{{Test: 0}, {Test: 70}, {Test: 5, Horizon: -1}, {Test: 5, Step: -2}} {
		if _, err := Backtest(y, Options{Period: 7}, ho); err == nil {
			t.Errorf("holdout %+v: no error", ho)
		}
	}
	if _, err := Backtest([]float64{1, math.NaN(), 2}, Options{}, Holdout{Test: 1}); err == nil {
		t.Error("NaN series: no error")
	}
}
