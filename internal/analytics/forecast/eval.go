package forecast

import (
	"fmt"
	"math"
)

// MASE is the mean absolute scaled error of predicted against actual (Hyndman & Koehler
// 2006): the mean absolute error divided by the mean absolute period-m difference of the
// history (m ≤ 1 means the one-step difference). Values below 1 beat the in-sample
// seasonal naive forecast.
func MASE(actual, predicted, history []float64, m int) (float64, error) {
	if len(actual) == 0 || len(actual) != len(predicted) {
		return 0, fmt.Errorf("forecast: MASE of %d actual and %d predicted values", len(actual), len(predicted))
	}
	scale, err := naiveScale(history, m)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for i, a := range actual {
		if math.IsNaN(a) || math.IsNaN(predicted[i]) {
			return 0, fmt.Errorf("forecast: MASE at %d: %w", i, ErrInvalid)
		}
		s += math.Abs(a - predicted[i])
	}
	return s / float64(len(actual)) / scale, nil
}

// naiveScale is the in-sample mean absolute seasonal difference.
func naiveScale(history []float64, m int) (float64, error) {
	m = max(m, 1)
	if len(history) <= m {
		return 0, fmt.Errorf("forecast: MASE scale with period %d needs %d history points, have %d: %w",
			m, m+1, len(history), ErrTooShort)
	}
	s := 0.0
	for t := m; t < len(history); t++ {
		s += math.Abs(history[t] - history[t-m])
	}
	s /= float64(len(history) - m)
	if s == 0 || math.IsNaN(s) {
		return 0, fmt.Errorf("forecast: MASE undefined, history has no seasonal variation")
	}
	return s, nil
}

// Evaluation is the result of a rolling-origin backtest.
type Evaluation struct {
	Origins   int     `json:"origins"`   // forecast origins
	Forecasts int     `json:"forecasts"` // (origin, step) pairs scored
	MAE       float64 `json:"mae"`
	MASE      float64 `json:"mase"`
	// The seasonal naive forecast (naive when Period ≤ 1) on the same origins and steps.
	BaselineMAE  float64 `json:"baseline_mae"`
	BaselineMASE float64 `json:"baseline_mase"`
	// Coverage is the share of actual values inside the model's prediction interval.
	Coverage float64 `json:"coverage"`
	// Methods counts the method chosen at each origin.
	Methods map[Method]int `json:"methods"`
}

// Holdout says which forecasts a backtest scores.
type Holdout struct {
	Test    int     // points held out at the end of the series
	Horizon int     // steps forecast from each origin (default 1)
	Step    int     // points between origins (default 1: every held-out point)
	Level   float64 // prediction interval level scored in Coverage (default 0.95)
}

// Backtest refits opt at origins n−Test, n−Test+Step, … of y, forecasts up to Horizon
// steps from each (never past the end of y) and scores the forecasts against y and against
// the seasonal naive forecast with opt.Period on the same origins. MASE scales each
// origin's errors by that origin's in-sample mean absolute seasonal difference and averages
// them over all scored forecasts.
func Backtest(y []float64, opt Options, ho Holdout) (*Evaluation, error) {
	if err := check(y); err != nil {
		return nil, fmt.Errorf("forecast: backtest: %w", err)
	}
	n := len(y)
	test, horizon, step, level := ho.Test, max(ho.Horizon, 1), max(ho.Step, 1), ho.Level
	if level == 0 {
		level = 0.95
	}
	if test < 1 || test >= n {
		return nil, fmt.Errorf("forecast: backtest of %d points in a series of %d", test, n)
	}
	if ho.Horizon < 0 || ho.Step < 0 {
		return nil, fmt.Errorf("forecast: backtest horizon %d and step %d must not be negative", ho.Horizon, ho.Step)
	}
	m, err := period(opt.Period)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{Methods: map[Method]int{}}
	var inside int
	var absSum, baseAbsSum, scaled, baseScaled float64
	for o := n - test; o < n; o += step {
		train := y[:o]
		scale, err := naiveScale(train, m)
		if err != nil {
			return nil, fmt.Errorf("forecast: backtest origin %d: %w", o, err)
		}
		md, err := Fit(train, opt)
		if err != nil {
			return nil, fmt.Errorf("forecast: backtest origin %d: %w", o, err)
		}
		base, err := fitNaive(train, m)
		if err != nil {
			return nil, fmt.Errorf("forecast: backtest origin %d: %w", o, err)
		}
		h := min(horizon, n-o)
		fc, err := md.Forecast(h, level)
		if err != nil {
			return nil, err
		}
		bm := base.means(h)
		for i := range h {
			a := y[o+i]
			e := math.Abs(a - fc.Mean[i])
			be := math.Abs(a - math.Max(0, bm[i]))
			absSum += e
			baseAbsSum += be
			scaled += e / scale
			baseScaled += be / scale
			if a >= fc.Lower[i] && a <= fc.Upper[i] {
				inside++
			}
			ev.Forecasts++
		}
		ev.Origins++
		ev.Methods[md.Method]++
	}
	k := float64(ev.Forecasts)
	ev.MAE, ev.BaselineMAE = absSum/k, baseAbsSum/k
	ev.MASE, ev.BaselineMASE = scaled/k, baseScaled/k
	ev.Coverage = float64(inside) / k
	return ev, nil
}
