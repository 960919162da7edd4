package insight

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/forecast"
)

// Forecast defaults and bounds, in weeks.
const (
	DefaultHistoryWeeks = 52
	MinHistoryWeeks     = 16
	MaxHistoryWeeks     = 156
	DefaultHorizon      = 8
	MaxHorizon          = 26
	holdoutWeeks        = 12 // the last weeks of the history held out to score the model
	holdoutHorizon      = 4  // weeks forecast from each held-out origin
	holdoutStep         = 2  // weeks between held-out origins
)

// ForecastQuery asks for weekly category forecasts.
type ForecastQuery struct {
	StoreID  int64
	Weeks    int    // full weeks of history; 0: DefaultHistoryWeeks
	Horizon  int    // weeks ahead; 0: DefaultHorizon
	Category string // only this category; "" for all
}

// ParseForecastQuery reads store_id, weeks, horizon and category.
func ParseForecastQuery(v url.Values) (ForecastQuery, error) {
	var val linli.Validation
	q := ForecastQuery{
		StoreID:  parseStore(v, &val),
		Weeks:    parseInt(v, "weeks", MinHistoryWeeks, MaxHistoryWeeks, DefaultHistoryWeeks, &val),
		Horizon:  parseInt(v, "horizon", 1, MaxHorizon, DefaultHorizon, &val),
		Category: strings.TrimSpace(v.Get("category")),
	}
	return q, val.Err()
}

// CategoryForecast is one category's weekly history and forecast, in fen.
type CategoryForecast struct {
	Category string  `json:"category"`
	TotalFen int64   `json:"total_fen"` // over the history
	History  []int64 `json:"history_fen"`
	Method   string  `json:"method"` // the ETS model chosen (ANN, AAdN …) or naive
	Mean     []int64 `json:"mean_fen"`
	Lower80  []int64 `json:"lower80_fen"`
	Upper80  []int64 `json:"upper80_fen"`
	Lower95  []int64 `json:"lower95_fen"`
	Upper95  []int64 `json:"upper95_fen"`
	// The hold-out: MASE of the model and of the seasonal naive forecast
	// on the same origins, and the share of actual weeks inside the 95 %
	// interval; absent when the history cannot be scored (too short, or
	// without any change from week to week).
	MASE         *float64 `json:"mase,omitempty"`
	BaselineMASE *float64 `json:"baseline_mase,omitempty"`
	Coverage95   *float64 `json:"coverage95,omitempty"`
	Origins      int      `json:"origins"`
}

// Forecasts is the answer to a ForecastQuery.
type Forecasts struct {
	Bounds  Bounds   `json:"bounds"`
	Weeks   []string `json:"weeks"` // the first day of each history week
	Ahead   []string `json:"ahead"` // the first day of each forecast week
	Period  int      `json:"period"`
	Holdout int      `json:"holdout_weeks"`
	// Baseline names the benchmark: "snaive" (the same week a year before)
	// with two years of history or more, else "naive" (the week before),
	// which is what the seasonal naive forecast is without a season.
	Baseline   string             `json:"baseline"`
	Categories []CategoryForecast `json:"categories"` // by total, largest first
}

// Forecast predicts each category's weekly sales. Weeks start on Monday in
// the zone; the current, unfinished week is not part of the history.
func (s *Service) Forecast(ctx context.Context, q ForecastQuery) (*Forecasts, error) {
	if q.Weeks == 0 {
		q.Weeks = DefaultHistoryWeeks
	}
	if q.Horizon == 0 {
		q.Horizon = DefaultHorizon
	}
	if q.Weeks < MinHistoryWeeks || q.Weeks > MaxHistoryWeeks {
		return nil, linli.Invalid("insight.number_invalid", "weeks", "weeks must be from %d to %d", MinHistoryWeeks, MaxHistoryWeeks)
	}
	if q.Horizon < 1 || q.Horizon > MaxHorizon {
		return nil, linli.Invalid("insight.number_invalid", "horizon", "horizon must be from 1 to %d", MaxHorizon)
	}
	_, loc, err := s.zones(ctx, q.StoreID)
	if err != nil {
		return nil, err
	}
	now := s.now().In(loc)
	monday := time.Date(now.Year(), now.Month(), now.Day()-(int(now.Weekday())+6)%7, 0, 0, 0, 0, loc)
	first := monday.AddDate(0, 0, -7*q.Weeks)
	b := Bounds{From: first.Format(time.DateOnly), To: monday.AddDate(0, 0, -1).Format(time.DateOnly), Zone: loc.String(), StoreID: q.StoreID}
	key := keyOf("forecast", b.From, b.To, b.Zone, q.StoreID, q.Weeks, q.Horizon)
	all, err := cached(ctx, s, key, func(ctx context.Context) (*Forecasts, error) {
		out, err := s.forecast(ctx, q, first, loc)
		if err != nil {
			return nil, err
		}
		out.Bounds = b
		out.Bounds.Computed = s.now()
		return out, nil
	})
	if err != nil || q.Category == "" {
		return all, err
	}
	one := *all
	one.Categories = []CategoryForecast{}
	for _, c := range all.Categories {
		if c.Category == q.Category {
			one.Categories = append(one.Categories, c)
		}
	}
	if len(one.Categories) == 0 {
		return nil, linli.Invalid("insight.category_unknown", "category", "no sales of category %q in the history", q.Category)
	}
	return &one, nil
}

func (s *Service) forecast(ctx context.Context, q ForecastQuery, first time.Time, loc *time.Location) (*Forecasts, error) {
	bounds := make([]time.Time, q.Weeks+1)
	out := &Forecasts{Period: 1, Baseline: "naive", Categories: []CategoryForecast{}}
	for i := range bounds {
		bounds[i] = time.Date(first.Year(), first.Month(), first.Day()+7*i, 0, 0, 0, 0, loc)
		if i < q.Weeks {
			out.Weeks = append(out.Weeks, bounds[i].Format(time.DateOnly))
		}
	}
	for h := range q.Horizon {
		out.Ahead = append(out.Ahead, bounds[q.Weeks].AddDate(0, 0, 7*h).Format(time.DateOnly))
	}
	if q.Weeks >= 2*52+2 {
		out.Period, out.Baseline = 52, "snaive"
	}
	var stores []int64
	if q.StoreID != 0 {
		stores = []int64{q.StoreID}
	}
	series := map[string][]float64{}
	err := s.store.CategoryBuckets(ctx, stores, bounds, func(bucket int, category string, amount int64) error {
		if category == "" || bucket < 0 || bucket >= q.Weeks {
			return nil
		}
		y := series[category]
		if y == nil {
			y = make([]float64, q.Weeks)
			series[category] = y
		}
		y[bucket] += float64(amount)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: category weeks: %w", err)
	}
	out.Holdout = min(holdoutWeeks, q.Weeks/4)
	for cat, y := range series {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cf, err := predict(cat, y, out.Period, q.Horizon, out.Holdout)
		if err != nil {
			return nil, err
		}
		out.Categories = append(out.Categories, cf)
	}
	slices.SortFunc(out.Categories, func(a, b CategoryForecast) int {
		if c := cmp.Compare(b.TotalFen, a.TotalFen); c != 0 {
			return c
		}
		return cmp.Compare(a.Category, b.Category)
	})
	return out, nil
}

// predict fits one category's weeks and scores the fit on the hold-out.
func predict(cat string, y []float64, period, horizon, holdout int) (CategoryForecast, error) {
	cf := CategoryForecast{Category: cat, History: make([]int64, len(y))}
	for i, v := range y {
		cf.History[i] = int64(v)
		cf.TotalFen += int64(v)
	}
	// Sales were negative only if refunds outweighed them; a week cannot
	// sell less than nothing.
	for i := range y {
		y[i] = math.Max(0, y[i])
	}
	opt := forecast.Options{Period: period}
	md, err := forecast.Fit(y, opt)
	if err != nil {
		return cf, fmt.Errorf("insight: forecast %s: %w", cat, err)
	}
	cf.Method = string(md.Method)
	f80, err := md.Forecast(horizon, 0.8)
	if err != nil {
		return cf, fmt.Errorf("insight: forecast %s: %w", cat, err)
	}
	f95, err := md.Forecast(horizon, 0.95)
	if err != nil {
		return cf, fmt.Errorf("insight: forecast %s: %w", cat, err)
	}
	cf.Mean, cf.Lower80, cf.Upper80 = fen(f95.Mean), fen(f80.Lower), fen(f80.Upper)
	cf.Lower95, cf.Upper95 = fen(f95.Lower), fen(f95.Upper)
	if holdout >= 1 {
		ev, err := forecast.Backtest(y, opt, forecast.Holdout{Test: holdout, Horizon: holdoutHorizon, Step: holdoutStep, Level: 0.95})
		if err == nil && finite(ev.MASE) && finite(ev.BaselineMASE) {
			cf.MASE, cf.BaselineMASE, cf.Coverage95 = &ev.MASE, &ev.BaselineMASE, &ev.Coverage
			cf.Origins = ev.Origins
		}
	}
	return cf, nil
}

func fen(v []float64) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		if finite(x) {
			out[i] = int64(math.Round(x))
		}
	}
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
