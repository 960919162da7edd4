package propensity

import (
	"math"
	"testing"
)

func TestAUC(t *testing.T) {
	for _, c := range []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		// scikit-learn's roc_auc_score documentation example.
		{"sklearn example", []float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		{"perfect", []float64{1, 2, 3, 4}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{4, 3, 2, 1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{5, 5, 5, 5}, []bool{false, true, false, true}, 0.5},
		// Pairs (pos, neg): (0.5 vs 0.2) win, (0.5 vs 0.5) half, (0.9 vs both) win → 3.5/4.
		{"partial tie", []float64{0.2, 0.5, 0.5, 0.9}, []bool{false, false, true, true}, 0.875},
	} {
		got, err := AUC(c.scores, c.labels)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: AUC %v, want %v", c.name, got, c.want)
		}
	}
	for name, c := range map[string]struct {
		s []float64
		l []bool
	}{
		"one class": {[]float64{1, 2}, []bool{true, true}},
		"lengths":   {[]float64{1, 2}, []bool{true}},
		"NaN":       {[]float64{math.NaN(), 2}, []bool{true, false}},
		"empty":     {nil, nil},
	} {
		if _, err := AUC(c.s, c.l); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestLogLoss(t *testing.T) {
	got, err := LogLoss([]float64{0.8, 0.4}, []bool{true, false})
	if err != nil {
		t.Fatal(err)
	}
	if want := -(math.Log(0.8) + math.Log(0.6)) / 2; math.Abs(got-want) > 1e-12 {
		t.Errorf("log loss %v, want %v", got, want)
	}
	if got, _ := LogLoss([]float64{0}, []bool{true}); math.Abs(got-34.538776394910684) > 1e-9 {
		t.Errorf("clipped log loss %v", got)
	}
	for _, p := range [][]float64{{1.5}, {-0.1}, {math.NaN()}} {
		if _, err := LogLoss(p, []bool{true}); err == nil {
			t.Errorf("probability %v: no error", p)
		}
	}
	if _, err := LogLoss(nil, nil); err == nil {
		t.Error("empty: no error")
	}
}
