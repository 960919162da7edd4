package propensity

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// splitmix is a fixed-seed generator for synthetic data.
type splitmix uint64

func (s *splitmix) float() float64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// xorData: the label is an interaction (x0 > ½ XOR x1 > ½) flipped 10 % of the time; x2
// is noise. No additive model of x0, x1 can rank it.
func xorData(n int, seed uint64) ([][]float64, []bool) {
	s := splitmix(seed)
	X := make([][]float64, n)
	y := make([]bool, n)
	for i := range X {
		X[i] = []float64{s.float(), s.float(), s.float()}
		y[i] = (X[i][0] > 0.5) != (X[i][1] > 0.5)
		if s.float() < 0.1 {
			y[i] = !y[i]
		}
	}
	return X, y
}

var xorNames = []string{"x0", "x1", "noise"}

func TestFitLearnsInteraction(t *testing.T) {
	X, y := xorData(4000, 1)
	Xt, yt := xorData(4000, 2)
	m, err := Fit(X, y, xorNames, Params{Trees: 50, MaxDepth: 3, MinLeaf: 20})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.PredictAll(Xt)
	if err != nil {
		t.Fatal(err)
	}
	auc, _ := AUC(p, yt)
	lr, err := FitLogistic(X, y, xorNames, []string{"x0", "x1"})
	if err != nil {
		t.Fatal(err)
	}
	var pl []float64
	for _, x := range Xt {
		v, _ := lr.Predict(x)
		pl = append(pl, v)
	}
	lauc, _ := AUC(pl, yt)
	t.Logf("held-out AUC: boosted trees %.3f, logistic %.3f", auc, lauc)
	// With 10 % label noise the best possible AUC is 0.9.
	if auc < 0.85 || lauc > 0.6 {
		t.Errorf("AUC trees %.3f (want ≥ 0.85), logistic %.3f (want ≤ 0.6)", auc, lauc)
	}
	imp := m.Importances()
	if imp[2].Feature != "noise" {
		t.Errorf("importances %+v: noise should rank last", imp)
	}
	sum := 0.0
	for _, i := range imp {
		sum += i.Gain
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("importance shares sum to %v", sum)
	}
	if m.Examples != 4000 || len(m.Trees) != 50 {
		t.Errorf("model has %d examples, %d trees", m.Examples, len(m.Trees))
	}
}

func TestFitRespectsLimits(t *testing.T) {
	X, y := xorData(1000, 3)
	m, err := Fit(X, y, xorNames, Params{Trees: 5, MaxDepth: 2, MinLeaf: 100})
	if err != nil {
		t.Fatal(err)
	}
	for ti, tr := range m.Trees {
		var walk func(i, depth int) int
		// Count examples per leaf by routing the training data.
		counts := map[int]int{}
		for _, x := range X {
			i := 0
			for tr.Nodes[i].Feature >= 0 {
				if x[tr.Nodes[i].Feature] <= tr.Nodes[i].Threshold {
					i = tr.Nodes[i].Left
				} else {
					i = tr.Nodes[i].Right
				}
			}
			counts[i]++
		}
		for leaf, c := range counts {
			if c < 100 {
				t.Errorf("tree %d leaf %d holds %d examples, min leaf 100", ti, leaf, c)
			}
		}
		walk = func(i, depth int) int {
			if tr.Nodes[i].Feature < 0 {
				return depth
			}
			return max(walk(tr.Nodes[i].Left, depth+1), walk(tr.Nodes[i].Right, depth+1))
		}
		if d := walk(0, 0); d > 2 {
			t.Errorf("tree %d has depth %d, limit 2", ti, d)
		}
	}
}

func TestFitIsDeterministicAndRoundTrips(t *testing.T) {
	X, y := xorData(2000, 4)
	a, err := Fit(X, y, xorNames, Params{Trees: 20})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Fit(X, y, xorNames, Params{Trees: 20})
	a.Name, a.Version, a.FittedAt = "category-propensity", "3", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b.Name, b.Version, b.FittedAt = a.Name, a.Version, a.FittedAt
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two fits of the same data differ")
	}
	c, err := ReadModel(ja)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != a.Name || c.Version != "3" || !c.FittedAt.Equal(a.FittedAt) {
		t.Errorf("metadata lost: %q %q %v", c.Name, c.Version, c.FittedAt)
	}
	for _, x := range X[:200] {
		pa, _ := a.Predict(x)
		pc, _ := c.Predict(x)
		if pa != pc {
			t.Fatalf("decoded model predicts %v, original %v", pc, pa)
		}
	}
}

func TestReadModelRejectsMalformed(t *testing.T) {
	X, y := xorData(500, 5)
	m, _ := Fit(X, y, xorNames, Params{Trees: 2, MaxDepth: 2, MinLeaf: 20})
	good, _ := json.Marshal(m)
	mutate := func(f func(*Model)) []byte {
		var c Model
		_ = json.Unmarshal(good, &c)
		f(&c)
		out, _ := json.Marshal(c)
		return out
	}
	for name, data := range map[string][]byte{
		"not JSON":          []byte("{"),
		"wrong format":      mutate(func(c *Model) { c.Format = "other/1" }),
		"no features":       mutate(func(c *Model) { c.Features, c.Gain, c.Splits = nil, nil, nil }),
		"gain length":       mutate(func(c *Model) { c.Gain = c.Gain[:1] }),
		"feature too large": mutate(func(c *Model) { c.Trees[0].Nodes[0].Feature = 7 }),
		"feature negative":  mutate(func(c *Model) { c.Trees[0].Nodes[0].Feature = -3 }),
		"child loops back":  mutate(func(c *Model) { c.Trees[0].Nodes[0].Left = 0 }),
		"child out of tree": mutate(func(c *Model) { c.Trees[0].Nodes[0].Right = 99 }),
		"empty tree":        mutate(func(c *Model) { c.Trees[1].Nodes = nil }),
	} {
		if _, err := ReadModel(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	X, y := xorData(100, 6)
	nan := [][]float64{{1, 2, 3}, {math.NaN(), 1, 1}}
	for _, c := range []struct {
		name  string
		X     [][]float64
		y     []bool
		names []string
		p     Params
		want  error
	}{
		{"empty", nil, nil, xorNames, Params{}, ErrEmpty},
		{"label count", X, y[:10], xorNames, Params{}, nil},
		{"one class", X[:3], []bool{true, true, true}, xorNames, Params{}, nil},
		{"NaN feature", nan, []bool{true, false}, xorNames, Params{}, ErrInvalid},
		{"ragged row", [][]float64{{1, 2, 3}, {1}}, []bool{true, false}, xorNames, Params{}, nil},
		{"no features", X, y, nil, Params{}, nil},
		{"duplicate names", X, y, []string{"a", "a", "b"}, Params{}, nil},
		{"negative trees", X, y, xorNames, Params{Trees: -1}, nil},
		{"learning rate", X, y, xorNames, Params{LearningRate: 2}, nil},
		{"bins", X, y, xorNames, Params{Bins: 300}, nil},
		{"lambda", X, y, xorNames, Params{Lambda: math.NaN()}, nil},
	} {
		_, err := Fit(c.X, c.y, c.names, c.p)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	m, _ := Fit(X, y, xorNames, Params{Trees: 3, MinLeaf: 5})
	if _, err := m.Predict([]float64{1, 2}); err == nil {
		t.Error("Predict with 2 of 3 features: no error")
	}
	if _, err := m.Predict([]float64{1, math.Inf(1), 2}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Predict with Inf: %v", err)
	}
	if _, err := m.PredictDataset(&Dataset{Features: FeatureNames}); err == nil ||
		!strings.Contains(err.Error(), "features differ") {
		t.Errorf("PredictDataset with other features: %v", err)
	}
}

func TestBinColumn(t *testing.T) {
	X := [][]float64{{3}, {1}, {1}, {2}, {3}, {3}}
	bins := make([]uint8, len(X))
	thr := binColumn(X, 0, 8, bins, 1)
	if want := []float64{1.5, 2.5}; len(thr) != 2 || thr[0] != want[0] || thr[1] != want[1] {
		t.Errorf("thresholds %v, want %v", thr, want)
	}
	if want := []uint8{2, 0, 0, 1, 2, 2}; !bytes.Equal(bins, want) {
		t.Errorf("bins %v, want %v", bins, want)
	}
	// Many distinct values: at most nb−1 thresholds, increasing.
	X = X[:0]
	for i := range 1000 {
		X = append(X, []float64{float64(i % 997)})
	}
	bins = make([]uint8, len(X))
	thr = binColumn(X, 0, 16, bins, 1)
	if len(thr) > 15 || len(thr) < 10 {
		t.Errorf("%d thresholds for 16 bins", len(thr))
	}
	for i := 1; i < len(thr); i++ {
		if thr[i] <= thr[i-1] {
			t.Fatalf("thresholds not increasing: %v", thr)
		}
	}
}

// FuzzReadModel: any input either fails to load or loads into a model that predicts.
func FuzzReadModel(f *testing.F) {
	X, y := xorData(300, 7)
	m, _ := Fit(X, y, xorNames, Params{Trees: 2, MaxDepth: 2, MinLeaf: 20})
	good, _ := json.Marshal(m)
	f.Add(good)
	f.Add([]byte(`{"format":"linli-gbdt/1","features":["a"],"gain":[0],"splits":[0],"trees":[{"nodes":[{"feature":-1,"value":0.5}]}]}`))
	f.Add([]byte(`{"format":"linli-gbdt/1","features":["a"],"gain":[0],"splits":[0],"trees":[{"nodes":[{"feature":0,"left":1,"right":1}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadModel(data)
		if err != nil {
			return
		}
		p, err := m.Predict(make([]float64, len(m.Features)))
		if err != nil || math.IsNaN(p) {
			t.Fatalf("loaded model predicts %v, %v", p, err)
		}
	})
}
