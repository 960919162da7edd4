package propensity

import (
	"math"
	"testing"
)

// Rates that follow a logistic curve in log(1+x) exactly must come back as fitted
// probabilities: the maximum-likelihood fit of a saturated-in-x logistic model
// reproduces the observed rates.
func TestFitLogisticRecoversRates(t *testing.T) {
	xs := []float64{0, 1, 3, 7, 15}
	var X [][]float64
	var y []bool
	rates := map[float64]float64{}
	for _, x := range xs {
		r := 1 / (1 + math.Exp(-(-2 + 1.5*math.Log1p(x))))
		const n = 2000
		pos := int(math.Round(r * n))
		rates[x] = float64(pos) / n
		for i := range n {
			X = append(X, []float64{x, 99})
			y = append(y, i < pos)
		}
	}
	l, err := FitLogistic(X, y, []string{"x", "other"}, []string{"x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range xs {
		p, _ := l.Predict([]float64{x, 0})
		if math.Abs(p-rates[x]) > 0.002 {
			t.Errorf("x = %v: predicted %.4f, observed rate %.4f", x, p, rates[x])
		}
	}
	// Back on the raw scale the slope is 1.5 per unit of log(1+x).
	if slope := l.Coef[0] / l.Scale[0]; math.Abs(slope-1.5) > 0.02 {
		t.Errorf("slope %.4f, want 1.5", slope)
	}
}

func TestFitLogisticRejectsBadInput(t *testing.T) {
	X := [][]float64{{1, 2}, {2, 1}, {0, 0}}
	y := []bool{true, false, true}
	if _, err := FitLogistic(X, y, []string{"a", "b"}, []string{"c"}); err == nil {
		t.Error("unknown feature: no error")
	}
	if _, err := FitLogistic(X, y, []string{"a", "b"}, nil); err == nil {
		t.Error("no features: no error")
	}
	if _, err := FitLogistic([][]float64{{-1, 0}, {1, 0}}, []bool{true, false}, []string{"a", "b"}, []string{"a"}); err == nil {
		t.Error("negative value: no error")
	}
	if _, err := FitLogistic(X, []bool{true, true, true}, []string{"a", "b"}, []string{"a"}); err == nil {
		t.Error("one class: no error")
	}
	l, err := FitLogistic(X, y, []string{"a", "b"}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Predict([]float64{1}); err == nil {
		t.Error("short vector: no error")
	}
	if _, err := l.PredictDataset(&Dataset{Features: []string{"z"}}); err == nil {
		t.Error("other features: no error")
	}
}
