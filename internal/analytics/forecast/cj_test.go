package forecast

import (
	"compress/gzip"
	"encoding/csv"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// cjRow is one line of testdata/cj_daily_category_sales.csv.gz.
type cjRow struct {
	date       time.Time
	department string
	category   string
	sales      float64
}

func loadCJ(tb testing.TB) []cjRow {
	tb.Helper()
	f, err := os.Open("testdata/cj_daily_category_sales.csv.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	rows := make([]cjRow, 0, len(recs)-1)
	for _, r := range recs[1:] {
		d, err := time.Parse(time.DateOnly, r[0])
		if err != nil {
			tb.Fatal(err)
		}
		s, err := strconv.ParseFloat(r[4], 64)
		if err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, cjRow{d, r[1], r[2], s})
	}
	return rows
}

// cjSeries aggregates the rows selected by keep into a series.
func cjSeries(tb testing.TB, rows []cjRow, keep func(cjRow) bool, unit Unit, from, to time.Time) []float64 {
	tb.Helper()
	var pts []Point
	for _, r := range rows {
		if keep(r) {
			pts = append(pts, Point{r.date, r.sales})
		}
	}
	y, err := Aggregate(pts, unit, from, to)
	if err != nil {
		tb.Fatal(err)
	}
	return y
}

// topBy returns the n names with the largest total sales.
func topBy(rows []cjRow, name func(cjRow) string, n int) []string {
	tot := map[string]float64{}
	for _, r := range rows {
		tot[name(r)] += r.sales
	}
	names := make([]string, 0, len(tot))
	for k := range tot {
		if k != "UNKNOWN" {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if tot[names[i]] != tot[names[j]] {
			return tot[names[i]] > tot[names[j]]
		}
		return names[i] < names[j]
	})
	return names[:min(n, len(names))]
}

var (
	cjFirstDay  = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	cjEndDay    = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	cjFirstWeek = time.Date(2017, 1, 2, 0, 0, 0, 0, time.UTC)   // Monday of week 2, the first full week
	cjEndWeek   = time.Date(2017, 12, 25, 0, 0, 0, 0, time.UTC) // end of week 52, the last full week
)

// dailyCJ gives the daily sales of the whole sample and of its six largest departments,
// 2017-01-01 .. 2017-12-31 (365 days; the store was closed on 25 December).
func dailyCJ(tb testing.TB, rows []cjRow) ([]string, [][]float64) {
	names := []string{"ALL"}
	series := [][]float64{cjSeries(tb, rows, func(cjRow) bool { return true }, Day, cjFirstDay, cjEndDay)}
	for _, d := range topBy(rows, func(r cjRow) string { return r.department }, 6) {
		names = append(names, d)
		series = append(series, cjSeries(tb, rows, func(r cjRow) bool { return r.department == d }, Day, cjFirstDay, cjEndDay))
	}
	return names, series
}

// Daily sales with a day-of-week season, forecast one week ahead from each of the last 26
// weeks: the model must beat the seasonal naive forecast and have MASE < 1 on every series.
func TestCompleteJourneyDaily(t *testing.T) {
	names, series := dailyCJ(t, loadCJ(t))
	var sum, base float64
	for i, y := range series {
		if len(y) != 365 {
			t.Fatalf("%s: %d days", names[i], len(y))
		}
		ev, err := Backtest(y, Options{Period: 7}, Holdout{Test: 182, Horizon: 7, Step: 7, Level: 0.95})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("daily %-11s MASE %.3f  seasonal naive %.3f  95%% coverage %.2f  models %v",
			names[i], ev.MASE, ev.BaselineMASE, ev.Coverage, ev.Methods)
		if !(ev.MASE < 1 && ev.MASE < ev.BaselineMASE) {
			t.Errorf("%s: MASE %.3f, seasonal naive %.3f", names[i], ev.MASE, ev.BaselineMASE)
		}
		sum += ev.MASE
		base += ev.BaselineMASE
	}
	n := float64(len(series))
	t.Logf("daily mean MASE %.3f, seasonal naive %.3f", sum/n, base/n)
}

// The last eight weeks hold Thanksgiving and the Christmas closure, which no model of one
// year can know: the model must still beat the seasonal naive forecast on average.
func TestCompleteJourneyDailyHolidays(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	names, series := dailyCJ(t, loadCJ(t))
	var sum, base float64
	for i, y := range series {
		ev, err := Backtest(y, Options{Period: 7}, Holdout{Test: 56, Horizon: 7, Step: 7})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("holidays %-11s MASE %.3f  seasonal naive %.3f  95%% coverage %.2f", names[i], ev.MASE, ev.BaselineMASE, ev.Coverage)
		sum += ev.MASE
		base += ev.BaselineMASE
	}
	n := float64(len(series))
	t.Logf("holidays mean MASE %.3f, seasonal naive %.3f", sum/n, base/n)
	if !(sum < base) {
		t.Errorf("mean MASE %.3f not below seasonal naive %.3f", sum/n, base/n)
	}
}

// Weekly sales of the 20 largest categories (weeks 2–52, Monday to Sunday), forecast up to
// four weeks ahead from each of the last 13 weeks. One year cannot fit a 52-week season, so
// the model is non-seasonal and the benchmark is the naive forecast.
func TestCompleteJourneyWeekly(t *testing.T) {
	rows := loadCJ(t)
	cats := topBy(rows, func(r cjRow) string { return r.category }, 20)
	var sum, base float64
	worse := 0
	for _, c := range cats {
		y := cjSeries(t, rows, func(r cjRow) bool { return r.category == c }, Week, cjFirstWeek, cjEndWeek)
		if len(y) != 51 {
			t.Fatalf("%s: %d weeks", c, len(y))
		}
		ev, err := Backtest(y, Options{}, Holdout{Test: 13, Horizon: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("weekly %-24s MASE %.3f  naive %.3f  coverage %.2f  models %v", c, ev.MASE, ev.BaselineMASE, ev.Coverage, ev.Methods)
		sum += ev.MASE
		base += ev.BaselineMASE
		if ev.MASE >= ev.BaselineMASE {
			worse++
		}
	}
	n := float64(len(cats))
	t.Logf("weekly mean MASE %.3f, naive %.3f; model worse on %d of %d categories", sum/n, base/n, worse, len(cats))
	if !(sum/n < 1 && sum < base) {
		t.Errorf("mean MASE %.3f, naive %.3f", sum/n, base/n)
	}
}

// Monthly totals of one year (12 points) cannot carry a 12-month season: Auto must fall
// back to a non-seasonal model and still give sane intervals.
func TestCompleteJourneyMonthly(t *testing.T) {
	rows := loadCJ(t)
	y := cjSeries(t, rows, func(cjRow) bool { return true }, Month, cjFirstDay, cjEndDay)
	md, err := Fit(y, Options{Period: Month.Period()})
	if err != nil {
		t.Fatal(err)
	}
	if specs[md.Method].seasonal() || md.Method == SeasonalNaive {
		t.Errorf("12 months with period 12: chose %s", md.Method)
	}
	fc, err := md.Forecast(3, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("monthly: %s, next 3 months %.0f (80%% %.0f..%.0f)", md.Method, fc.Mean, fc.Lower, fc.Upper)
	for i := range fc.Mean {
		if !(fc.Lower[i] < fc.Mean[i] && fc.Mean[i] < fc.Upper[i]) {
			t.Errorf("month %d: interval [%v, %v] around %v", i+1, fc.Lower[i], fc.Upper[i], fc.Mean[i])
		}
	}
}
