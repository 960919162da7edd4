package forecast

import (
	"compress/gzip"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func BenchmarkFitAutoDaily(b *testing.B) {
	_, series := dailyCJ(b, loadCJ(b))
	y := series[0]
	b.ReportMetric(float64(len(y)), "points")
	for b.Loop() {
		if _, err := Fit(y, Options{Period: 7}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitAutoWeekly(b *testing.B) {
	rows := loadCJ(b)
	y := cjSeries(b, rows, func(r cjRow) bool { return r.category == "SOFT DRINKS" }, Week, cjFirstWeek, cjEndWeek)
	for b.Loop() {
		if _, err := Fit(y, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitAllCategoriesWeekly fits every category of the sample (weekly sales, Auto)
// and forecasts four weeks with intervals: one full weekly stock-planning run.
func BenchmarkFitAllCategoriesWeekly(b *testing.B) {
	rows := loadCJ(b)
	var pts = map[string][]Point{}
	for _, r := range rows {
		pts[r.category] = append(pts[r.category], Point{r.date, r.sales})
	}
	var series [][]float64
	for _, p := range pts {
		y, err := Aggregate(p, Week, cjFirstWeek, cjEndWeek)
		if err != nil {
			b.Fatal(err)
		}
		series = append(series, y)
	}
	b.ReportMetric(float64(len(series)), "series")
	for b.Loop() {
		for _, y := range series {
			md, err := Fit(y, Options{})
			if err != nil {
				continue // all-zero or too short categories are expected here
			}
			if _, err := md.Forecast(4, 0.9); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkBacktestDaily is one series' 26-origin weekly backtest.
func BenchmarkBacktestDaily(b *testing.B) {
	_, series := dailyCJ(b, loadCJ(b))
	for b.Loop() {
		if _, err := Backtest(series[1], Options{Period: 7}, Holdout{Test: 182, Horizon: 7, Step: 7}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSharedDepartmentsDaily reads the raw sample from /work/shared and fits every
// department's daily series.
func BenchmarkSharedDepartmentsDaily(b *testing.B) {
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
	dept := map[string]string{}
	for _, r := range read("products.csv.gz")[1:] {
		dept[r[0]] = r[2]
	}
	pts := map[string][]Point{}
	for _, r := range read("transactions_sample.csv.gz")[1:] {
		d, err := time.Parse(time.DateOnly, r[10][:10])
		if err != nil {
			b.Fatal(err)
		}
		v, err := strconv.ParseFloat(r[5], 64)
		if err != nil {
			b.Fatal(err)
		}
		pts[dept[r[3]]] = append(pts[dept[r[3]]], Point{d, v})
	}
	var series [][]float64
	for _, p := range pts {
		y, err := Aggregate(p, Day, cjFirstDay, cjEndDay)
		if err != nil {
			b.Fatal(err)
		}
		series = append(series, y)
	}
	b.ReportMetric(float64(len(series)), "series")
	b.ResetTimer()
	for b.Loop() {
		for _, y := range series {
			if _, err := Fit(y, Options{Period: 7}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
