package propensity

import (
	"fmt"
	"math"
	"slices"
)

// BaselineFeatures are the recency-frequency pair of the baseline model.
var BaselineFeatures = []string{FeatCatRecency, FeatCatBaskets26}

// Logistic is a logistic regression on log(1+x) of chosen features, standardised; the
// recency-frequency baseline the boosted model must beat.
type Logistic struct {
	Features  []string  `json:"features"` // all features of the input vectors
	Use       []string  `json:"use"`      // the ones in the regression
	Index     []int     `json:"index"`    // positions of Use in Features
	Mean      []float64 `json:"mean"`     // of log(1+x), per used feature
	Scale     []float64 `json:"scale"`    // standard deviation of log(1+x)
	Coef      []float64 `json:"coef"`
	Intercept float64   `json:"intercept"`
}

// FitBaseline fits the recency-frequency logistic baseline on a dataset.
func FitBaseline(ds *Dataset) (*Logistic, error) {
	X, y := ds.Matrix()
	return FitLogistic(X, y, ds.Features, BaselineFeatures)
}

// FitLogistic fits a logistic regression of y on log(1+x) of the features named in use
// (features names the columns of X; used values must be ≥ 0) by Newton-Raphson with a
// tiny ridge penalty that keeps separable data finite.
func FitLogistic(X [][]float64, y []bool, features, use []string) (*Logistic, error) {
	if _, err := checkLabels(X, y); err != nil {
		return nil, err
	}
	if err := checkMatrix(X, len(features)); err != nil {
		return nil, err
	}
	if len(use) == 0 {
		return nil, fmt.Errorf("propensity: logistic regression on no features")
	}
	l := &Logistic{Features: slices.Clone(features), Use: slices.Clone(use)}
	for _, u := range use {
		j := slices.Index(features, u)
		if j < 0 {
			return nil, fmt.Errorf("propensity: feature %q not in the data", u)
		}
		l.Index = append(l.Index, j)
	}
	n, d := len(X), len(use)
	Z := make([][]float64, n)
	l.Mean, l.Scale = make([]float64, d), make([]float64, d)
	for i, x := range X {
		Z[i] = make([]float64, d+1)
		Z[i][0] = 1
		for k, j := range l.Index {
			if x[j] < 0 {
				return nil, fmt.Errorf("propensity: row %d feature %q = %v, want ≥ 0", i, use[k], x[j])
			}
			Z[i][k+1] = math.Log1p(x[j])
			l.Mean[k] += Z[i][k+1]
		}
	}
	for k := range d {
		l.Mean[k] /= float64(n)
		for i := range Z {
			dv := Z[i][k+1] - l.Mean[k]
			l.Scale[k] += dv * dv
		}
		l.Scale[k] = math.Sqrt(l.Scale[k] / float64(n))
		if l.Scale[k] == 0 {
			l.Scale[k] = 1
		}
		for i := range Z {
			Z[i][k+1] = (Z[i][k+1] - l.Mean[k]) / l.Scale[k]
		}
	}
	beta := make([]float64, d+1)
	const ridge = 1e-6
	for range 100 {
		grad := make([]float64, d+1)
		hess := make([][]float64, d+1)
		for a := range hess {
			hess[a] = make([]float64, d+1)
			hess[a][a] = ridge * float64(n)
			grad[a] = ridge * float64(n) * beta[a]
		}
		for i, z := range Z {
			q := sigmoid(dot(beta, z))
			t := 0.0
			if y[i] {
				t = 1
			}
			w := q * (1 - q)
			for a := range z {
				grad[a] += (q - t) * z[a]
				for b := range z {
					hess[a][b] += w * z[a] * z[b]
				}
			}
		}
		step, err := solve(hess, grad)
		if err != nil {
			return nil, fmt.Errorf("propensity: logistic regression: %w", err)
		}
		done := true
		for a := range beta {
			beta[a] -= step[a]
			if math.Abs(step[a]) > 1e-10 {
				done = false
			}
		}
		if done {
			break
		}
	}
	l.Intercept, l.Coef = beta[0], beta[1:]
	return l, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve returns A⁻¹b by Gaussian elimination with partial pivoting.
func solve(A [][]float64, b []float64) ([]float64, error) {
	n := len(b)
	M := make([][]float64, n)
	for i := range M {
		M[i] = append(slices.Clone(A[i]), b[i])
	}
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(M[r][c]) > math.Abs(M[p][c]) {
				p = r
			}
		}
		if math.Abs(M[p][c]) < 1e-300 {
			return nil, fmt.Errorf("singular system")
		}
		M[c], M[p] = M[p], M[c]
		for r := c + 1; r < n; r++ {
			f := M[r][c] / M[c][c]
			for k := c; k <= n; k++ {
				M[r][k] -= f * M[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := M[r][n]
		for k := r + 1; k < n; k++ {
			s -= M[r][k] * x[k]
		}
		x[r] = s / M[r][r]
	}
	return x, nil
}

// Predict returns the baseline's purchase probability for a feature vector in
// l.Features order.
func (l *Logistic) Predict(x []float64) (float64, error) {
	if err := checkMatrix([][]float64{x}, len(l.Features)); err != nil {
		return 0, err
	}
	z := l.Intercept
	for k, j := range l.Index {
		z += l.Coef[k] * (math.Log1p(math.Max(x[j], 0)) - l.Mean[k]) / l.Scale[k]
	}
	return sigmoid(z), nil
}

// PredictDataset scores a dataset built with the baseline's features.
func (l *Logistic) PredictDataset(ds *Dataset) ([]float64, error) {
	if !slices.Equal(ds.Features, l.Features) {
		return nil, fmt.Errorf("propensity: dataset features differ from the baseline's")
	}
	out := make([]float64, len(ds.Examples))
	for i, e := range ds.Examples {
		p, err := l.Predict(e.X)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}
