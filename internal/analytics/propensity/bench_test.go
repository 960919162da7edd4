package propensity

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// BenchmarkBuild computes features and labels for every household × the 30 largest
// categories at one cutoff of the Complete Journey sample.
func BenchmarkBuild(b *testing.B) {
	ps := loadCJ(b)
	cats := topCategories(ps, 30)
	var rows int
	for b.Loop() {
		ds, err := Build(ps, 303, BuildOptions{Categories: cats, Horizon: 56})
		if err != nil {
			b.Fatal(err)
		}
		rows = len(ds.Examples)
	}
	b.ReportMetric(float64(rows), "rows")
}

// BenchmarkFitCompleteJourney trains the default model on one and two cutoffs of the
// sample (about 2,300 households × 30 categories per cutoff).
func BenchmarkFitCompleteJourney(b *testing.B) {
	ps := loadCJ(b)
	cats := topCategories(ps, 30)
	train, _ := cjSplit(b, ps, cats, 303)
	one, err := Build(ps, 247, BuildOptions{Categories: cats, Horizon: 56})
	if err != nil {
		b.Fatal(err)
	}
	for _, ds := range []*Dataset{one, train} {
		b.Run(fmt.Sprintf("rows=%d", len(ds.Examples)), func(b *testing.B) {
			for b.Loop() {
				if _, err := FitDataset(ds, Params{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// synthetic makes n rows of 20 features whose label depends on a few of them.
func synthetic(n int) ([][]float64, []bool, []string) {
	s := splitmix(42)
	X := make([][]float64, n)
	y := make([]bool, n)
	for i := range X {
		x := make([]float64, len(FeatureNames))
		for j := range x {
			x[j] = s.float() * float64(j+1)
		}
		X[i] = x
		z := -2 + 0.8*x[1] - 0.3*x[0] + 0.2*x[5]*float64(b2i(x[7] > 4))
		y[i] = s.float() < sigmoid(z)
	}
	return X, y, FeatureNames
}

// BenchmarkFitSynthetic trains on N member×category rows of 20 features: 10,000 members ×
// 50 categories is the 500k case.
func BenchmarkFitSynthetic(b *testing.B) {
	for _, n := range []int{100_000, 500_000} {
		X, y, names := synthetic(n)
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Fit(X, y, names, Params{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPredict(b *testing.B) {
	X, y, names := synthetic(50_000)
	m, err := Fit(X, y, names, Params{})
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := m.Predict(X[i%len(X)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkSharedBuildFit reads the raw sample from /work/shared, joins categories and
// builds and fits the two-cutoff training set.
func BenchmarkSharedBuildFit(b *testing.B) {
	dir := "/work/shared/data/completejourney"
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			b.Skipf("shared data absent: %v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := csv.NewReader(zr).ReadAll()
		if err != nil {
			b.Fatal(err)
		}
		return rows
	}
	cat := map[string]string{}
	for _, r := range read("products.csv.gz")[1:] {
		cat[r[0]] = r[4]
	}
	var ps []Purchase
	for _, r := range read("transactions_sample.csv.gz")[1:] {
		ts, err := time.Parse(time.DateTime, r[10])
		if err != nil {
			b.Fatal(err)
		}
		v, err := strconv.ParseFloat(r[5], 64)
		if err != nil {
			b.Fatal(err)
		}
		c := cat[r[3]]
		if c == "" {
			c = "UNKNOWN"
		}
		ps = append(ps, Purchase{Member: r[0], Basket: r[2], Day: ts.YearDay(), Category: c, Sales: v})
	}
	cats := topCategories(ps, 30)
	b.ResetTimer()
	for b.Loop() {
		train, _ := cjSplit(b, ps, cats, 303)
		if _, err := FitDataset(train, Params{}); err != nil {
			b.Fatal(err)
		}
	}
}
