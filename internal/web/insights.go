package web

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/insight"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
)

// The sales analyses: each page reads its parameters from the query, asks
// internal/insight, and hands the template rows ready to show and chart
// options as JSON for app.js to draw.

// insightData is what every analysis page has: the form's values, the
// stores to pick from, the error of bad parameters, and when the result
// was computed.
type insightData struct {
	Q      url.Values
	Stores []*shop.Store // empty for a viewer bound to a store
	Error  string
	Bounds *insight.Bounds
	Store  string // the store analysed, "" for the chain
}

// Value is a form value.
func (d insightData) Value(name string) string { return d.Q.Get(name) }

// insightBase prepares the common part of a page.
func (c *Console) insightBase(r *http.Request) insightData {
	d := insightData{Q: r.URL.Query()}
	if auth.Scope(server.Actor(r)) == 0 {
		if list, err := c.app.Shops.List(r.Context()); err == nil {
			d.Stores = list
		}
	}
	return d
}

// insightRun scopes the store and runs fn. Bad parameters are shown on the
// page with status 422 (ok false, handled); any other failure is the error
// page.
func insightRun[Q any, R any](c *Console, w http.ResponseWriter, r *http.Request, d *insightData, q Q, parseErr error,
	store func(*Q) *int64, run func(*Q) (*R, error)) (*R, int, bool) {
	err := parseErr
	if err == nil {
		id := store(&q)
		*id, err = insight.ScopeStore(*id, auth.Scope(server.Actor(r)))
		if err == nil {
			var res *R
			if res, err = run(&q); err == nil {
				if *id != 0 {
					d.Store = c.storeNames(r)[*id]
				}
				return res, http.StatusOK, true
			}
		}
	}
	if e, ok := linli.AsError(err); ok && e.Kind == linli.KindInvalid {
		d.Error = errText(c.lang(r), e)
		if len(e.Fields) > 0 {
			d.Error = fieldText(c.lang(r), e.Fields[0])
		}
		return nil, http.StatusUnprocessableEntity, true
	}
	c.fail(w, r, err)
	return nil, 0, false
}

// chartJSON marshals an ECharts option for a data-chart attribute.
func chartJSON(option any) string {
	b, err := json.Marshal(option)
	if err != nil {
		slog.Error("web: chart option", "err", err)
		return "{}"
	}
	return string(b)
}

type chartObj = map[string]any

func sharePct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
func fixed2f(x float64) string  { return fmt.Sprintf("%.2f", x) }
func yuanFloat(fen float64) string {
	if math.IsNaN(fen) || math.IsInf(fen, 0) {
		return "—"
	}
	return money(int64(math.Round(fen)))
}

// money writes fen as yuan with a sign and thousands separators:
// ¥58,084,383.83.
func money(fen int64) string {
	s := yuan(fen)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + "¥" + b.String() + "." + frac
}

// name picks the Chinese or English name of something named in both.
func (c *Console) bilingual(r *http.Request, zh, en string) string {
	if c.lang(r) == "en" {
		return en
	}
	return zh
}

// ---- baskets ----

type ruleRow struct {
	LHS, RHS                  string
	Count                     int
	Support, Confidence, Lift string
}

type basketsData struct {
	insightData
	Res   *insight.Rules
	Rules []ruleRow
	Chart string
}

func (c *Console) insightBaskets(w http.ResponseWriter, r *http.Request) {
	d := basketsData{insightData: c.insightBase(r)}
	q, perr := insight.ParseRulesQuery(d.Q)
	res, status, ok := insightRun(c, w, r, &d.insightData, q, perr, func(q *insight.RulesQuery) *int64 { return &q.StoreID },
		func(q *insight.RulesQuery) (*insight.Rules, error) { return c.app.Insights.Rules(r.Context(), *q) })
	if !ok {
		return
	}
	if res != nil {
		d.Res, d.Bounds = res, &res.Bounds
		names := func(its []insight.Item) string {
			out := make([]string, len(its))
			for i, it := range its {
				out[i] = it.Name
			}
			return strings.Join(out, " + ")
		}
		var points []chartObj
		minLift, maxLift := math.Inf(1), 0.0
		for _, rl := range res.Rules {
			row := ruleRow{LHS: names(rl.LHS), RHS: rl.RHS.Name, Count: rl.Count,
				Support: fmt.Sprintf("%.2f%%", 100*rl.Support), Confidence: sharePct(rl.Confidence), Lift: fixed2f(rl.Lift)}
			d.Rules = append(d.Rules, row)
			points = append(points, chartObj{"name": row.LHS + " → " + row.RHS,
				"value": []float64{roundTo(100*rl.Support, 3), roundTo(100*rl.Confidence, 2), roundTo(rl.Lift, 2)}})
			minLift, maxLift = math.Min(minLift, rl.Lift), math.Max(maxLift, rl.Lift)
		}
		if len(points) > 0 {
			d.Chart = chartJSON(chartObj{
				"tooltip": chartObj{},
				"grid":    chartObj{"left": 56, "right": 24, "top": 40, "bottom": 96},
				"xAxis":   chartObj{"type": "value", "name": c.t(r, "web.insight.rules.support") + " %", "nameLocation": "middle", "nameGap": 30, "scale": true},
				"yAxis":   chartObj{"type": "value", "name": c.t(r, "web.insight.rules.confidence") + " %", "scale": true, "max": 100},
				"visualMap": chartObj{"dimension": 2, "min": roundTo(minLift, 2), "max": roundTo(math.Max(maxLift, minLift+0.01), 2),
					"orient": "horizontal", "left": "center", "bottom": 0, "calculable": true, "itemHeight": 120,
					"text": []string{c.t(r, "web.insight.rules.lift"), ""}, "inRange": chartObj{"color": []string{"#9ec5e8", "#12805c"}}},
				"series": []chartObj{{"type": "scatter", "name": c.t(r, "web.insight.rules.rule"), "symbolSize": 12, "data": points}},
			})
		}
	}
	c.render(w, r, status, "analytics_baskets", "web.insight.baskets.title", d)
}

func roundTo(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

// ---- lifecycle ----

type flowRow struct {
	From, To string
	Count    int
}

type lifecycleData struct {
	insightData
	Res        *insight.Lifecycle
	Stages     []string // shown stages' names, absent left out
	Rows       [][]int  // per month, per shown stage
	Months     []string
	Transition string // "YYYY-MM → YYYY-MM"
	Pick       string // the month whose inflow is shown
	Flows      []flowRow
	Chart      string
	Sankey     string
}

func (c *Console) insightLifecycle(w http.ResponseWriter, r *http.Request) {
	d := lifecycleData{insightData: c.insightBase(r)}
	q, perr := insight.ParseLifecycleQuery(d.Q)
	res, status, ok := insightRun(c, w, r, &d.insightData, q, perr, func(q *insight.LifecycleQuery) *int64 { return &q.StoreID },
		func(q *insight.LifecycleQuery) (*insight.Lifecycle, error) {
			return c.app.Insights.Lifecycle(r.Context(), *q)
		})
	if !ok {
		return
	}
	if res != nil && len(res.Transitions) > 0 {
		d.Res, d.Bounds = res, &res.Bounds
		colors := []string{"#c0c6cf", "#9ec5e8", "#5b8ff9", "#12805c", "#0b5d43", "#f6bd16", "#e8684a", "#9270ca"}
		var series []chartObj
		for _, ms := range res.Months {
			d.Months = append(d.Months, ms.Month)
		}
		stageName := map[string]string{}
		for i, st := range res.Stages {
			n := c.bilingual(r, st.ZH, st.EN)
			stageName[st.Key] = n
			if st.Key == "absent" {
				continue
			}
			d.Stages = append(d.Stages, n)
			data := make([]int, len(res.Months))
			for m, ms := range res.Months {
				data[m] = ms.Counts[st.Key]
			}
			series = append(series, chartObj{"type": "bar", "name": n, "stack": "members", "data": data,
				"itemStyle": chartObj{"color": colors[i%len(colors)]}, "emphasis": chartObj{"focus": "series"}})
		}
		for _, ms := range res.Months {
			row := []int{}
			for _, st := range res.Stages {
				if st.Key != "absent" {
					row = append(row, ms.Counts[st.Key])
				}
			}
			d.Rows = append(d.Rows, row)
		}
		d.Chart = chartJSON(chartObj{
			"tooltip": chartObj{"trigger": "axis", "axisPointer": chartObj{"type": "shadow"}},
			"legend":  chartObj{"top": 0},
			"grid":    chartObj{"left": 56, "right": 16, "top": 64, "bottom": 32},
			"xAxis":   chartObj{"type": "category", "data": d.Months},
			"yAxis":   chartObj{"type": "value"},
			"series":  series,
		})
		// The flows into the month picked (default the latest).
		t := res.Transitions[len(res.Transitions)-1]
		for _, tr := range res.Transitions {
			if tr.To == d.Value("month") {
				t = tr
			}
		}
		d.Pick = t.To
		d.Transition = t.From + " → " + t.To
		nodes := map[string]bool{}
		var nodeList []chartObj
		var links []chartObj
		node := func(n string) {
			if !nodes[n] {
				nodes[n] = true
				nodeList = append(nodeList, chartObj{"name": n})
			}
		}
		for _, f := range t.Flows {
			from, to := stageName[f.From]+" "+t.From, stageName[f.To]+" "+t.To
			node(from)
			node(to)
			links = append(links, chartObj{"source": from, "target": to, "value": f.Count})
			d.Flows = append(d.Flows, flowRow{From: stageName[f.From], To: stageName[f.To], Count: f.Count})
		}
		d.Sankey = chartJSON(chartObj{
			"tooltip": chartObj{"trigger": "item"},
			"series": []chartObj{{"type": "sankey", "data": nodeList, "links": links, "nodeAlign": "justify",
				"left": 8, "right": 120, "top": 8, "bottom": 8,
				"emphasis": chartObj{"focus": "adjacency"}, "lineStyle": chartObj{"color": "gradient", "opacity": 0.4}}},
		})
	} else if res != nil {
		d.Res, d.Bounds = res, &res.Bounds
	}
	c.render(w, r, status, "analytics_lifecycle", "web.insight.lifecycle.title", d)
}

// ---- groups ----

type groupRow struct {
	Name                    string
	Members, Buyers, Sales  int
	Revenue, AvgBasket, Per string
	Frequency, RevShare     string
	Top                     string
}

type groupsData struct {
	insightData
	Res                        *insight.Groups
	Total                      groupRow
	Age, Gender, Area          []groupRow
	AgeChart, GenderChart, Map string
	MoreAreas                  int
}

// maxAreas is how many areas the groups page lists; the API has them all.
const maxAreas = 30

func (c *Console) insightGroups(w http.ResponseWriter, r *http.Request) {
	d := groupsData{insightData: c.insightBase(r)}
	q, perr := insight.ParseGroupsQuery(d.Q)
	res, status, ok := insightRun(c, w, r, &d.insightData, q, perr, func(q *insight.GroupsQuery) *int64 { return &q.StoreID },
		func(q *insight.GroupsQuery) (*insight.Groups, error) { return c.app.Insights.Groups(r.Context(), *q) })
	if !ok {
		return
	}
	if res != nil {
		d.Res, d.Bounds = res, &res.Bounds
		row := func(g insight.Group) groupRow {
			top := make([]string, len(g.TopCategories))
			for i, tc := range g.TopCategories {
				top[i] = fmt.Sprintf("%s %s", tc.Category, sharePct(tc.Share))
			}
			return groupRow{Name: c.bilingual(r, g.ZH, g.EN), Members: g.Members, Buyers: g.Buyers, Sales: g.Sales,
				Revenue: money(g.RevenueFen), AvgBasket: yuanFloat(g.AvgPerSale), Per: yuanFloat(g.AvgPerBuyer),
				Frequency: fmt.Sprintf("%.1f", g.Frequency), RevShare: sharePct(g.RevenueShare), Top: strings.Join(top, "、")}
		}
		d.Total = row(res.Total)
		for _, g := range res.Age {
			d.Age = append(d.Age, row(g))
		}
		for _, g := range res.Gender {
			d.Gender = append(d.Gender, row(g))
		}
		for i, g := range res.Area {
			if i >= maxAreas && i < len(res.Area)-1 {
				d.MoreAreas++
				continue
			}
			d.Area = append(d.Area, row(g))
		}
		bars := func(gs []insight.Group) string {
			var names []string
			var members []int
			var basket []float64
			for _, g := range gs {
				names = append(names, c.bilingual(r, g.ZH, g.EN))
				members = append(members, g.Members)
				basket = append(basket, roundTo(g.AvgPerSale/100, 2))
			}
			return chartJSON(chartObj{
				"tooltip": chartObj{"trigger": "axis"},
				"legend":  chartObj{"top": 0},
				"grid":    chartObj{"left": 56, "right": 56, "top": 48, "bottom": 32},
				"xAxis":   chartObj{"type": "category", "data": names, "axisLabel": chartObj{"interval": 0}},
				"yAxis": []chartObj{{"type": "value", "name": c.t(r, "web.insight.groups.members")},
					{"type": "value", "name": c.t(r, "web.insight.groups.avg_basket") + " ¥", "splitLine": chartObj{"show": false}}},
				"series": []chartObj{
					{"type": "bar", "name": c.t(r, "web.insight.groups.members"), "data": members, "itemStyle": chartObj{"color": "#9ec5e8"}},
					{"type": "line", "name": c.t(r, "web.insight.groups.avg_basket"), "yAxisIndex": 1, "data": basket, "itemStyle": chartObj{"color": "#12805c"}},
				},
			})
		}
		d.AgeChart = bars(res.Age)
		d.GenderChart = bars(res.Gender)
		// Spend by area, the largest first (at most 15 bars).
		var areas []string
		var spend []float64
		for _, g := range res.Area {
			if g.Key == "unknown" || len(areas) == 15 {
				continue
			}
			areas = append(areas, g.ZH)
			spend = append(spend, roundTo(float64(g.RevenueFen)/100, 2))
		}
		if len(areas) > 0 {
			rev := func(s []string) []string {
				out := make([]string, len(s))
				for i, v := range s {
					out[len(s)-1-i] = v
				}
				return out
			}
			spendRev := make([]float64, len(spend))
			for i, v := range spend {
				spendRev[len(spend)-1-i] = v
			}
			d.Map = chartJSON(chartObj{
				"tooltip": chartObj{"trigger": "axis", "axisPointer": chartObj{"type": "shadow"}},
				"grid":    chartObj{"left": 96, "right": 24, "top": 16, "bottom": 32},
				"xAxis":   chartObj{"type": "value", "name": "¥"},
				"yAxis":   chartObj{"type": "category", "data": rev(areas)},
				"series":  []chartObj{{"type": "bar", "name": c.t(r, "web.insight.groups.revenue"), "data": spendRev, "itemStyle": chartObj{"color": "#12805c"}}},
			})
		}
	}
	c.render(w, r, status, "analytics_groups", "web.insight.groups.title", d)
}

// ---- habits ----

type peakRow struct {
	Day, Hour, Share, Amount string
	Visits                   int64
}

type shareRow struct {
	Category, Amount, Share string
	Buyers, Favourite       int
}

type sizeRow struct {
	Band, Share, Avg string
	Visits           int64
}

type habitsData struct {
	insightData
	Res                                    *insight.Habits
	Peaks                                  []peakRow
	Shares                                 []shareRow
	Sizes                                  []sizeRow
	AvgBasket, AvgItems, Weekend, Interval string
	Heat, ShareChart, SizeChart, PartChart string
}

// weekdayKeys name the weekdays in the catalog, Sunday first as in Go.
var weekdayKeys = [7]string{"web.insight.day.sun", "web.insight.day.mon", "web.insight.day.tue", "web.insight.day.wed",
	"web.insight.day.thu", "web.insight.day.fri", "web.insight.day.sat"}

func (c *Console) insightHabits(w http.ResponseWriter, r *http.Request) {
	d := habitsData{insightData: c.insightBase(r)}
	q, perr := insight.ParseHabitsQuery(d.Q)
	res, status, ok := insightRun(c, w, r, &d.insightData, q, perr, func(q *insight.HabitsQuery) *int64 { return &q.StoreID },
		func(q *insight.HabitsQuery) (*insight.Habits, error) { return c.app.Insights.Habits(r.Context(), *q) })
	if !ok {
		return
	}
	if res != nil {
		d.Res, d.Bounds = res, &res.Bounds
		d.AvgBasket, d.AvgItems = yuanFloat(res.AvgFen), fmt.Sprintf("%.1f", res.AvgItems)
		d.Weekend, d.Interval = sharePct(res.WeekendShare), fmt.Sprintf("%.1f", res.AvgInterval)
		for _, p := range res.Peaks {
			d.Peaks = append(d.Peaks, peakRow{Day: c.t(r, weekdayKeys[p.Weekday]), Hour: fmt.Sprintf("%02d:00–%02d:00", p.Hour, p.Hour+1),
				Share: sharePct(p.Share), Amount: money(p.AmountFen), Visits: p.Visits})
		}
		// Monday first, as a Chinese calendar shows a week; the chart's
		// y axis runs upwards, so Monday goes last.
		order := []time.Weekday{time.Sunday, time.Saturday, time.Friday, time.Thursday, time.Wednesday, time.Tuesday, time.Monday}
		var days []string
		var cells [][]int64
		var most int64
		for y, wd := range order {
			days = append(days, c.t(r, weekdayKeys[wd]))
			for h := range 24 {
				v := res.Heat[wd][h]
				most = max(most, v)
				cells = append(cells, []int64{int64(h), int64(y), v})
			}
		}
		hours := make([]string, 24)
		for h := range hours {
			hours[h] = fmt.Sprintf("%02d", h)
		}
		d.Heat = chartJSON(chartObj{
			"tooltip": chartObj{"position": "top"},
			"grid":    chartObj{"left": 56, "right": 16, "top": 8, "bottom": 96},
			"xAxis":   chartObj{"type": "category", "data": hours, "splitArea": chartObj{"show": true}},
			"yAxis":   chartObj{"type": "category", "data": days, "splitArea": chartObj{"show": true}},
			"visualMap": chartObj{"min": 0, "max": max(most, 1), "calculable": true, "orient": "horizontal", "left": "center", "bottom": 0,
				"inRange": chartObj{"color": []string{"#f4f8f6", "#9fd6bf", "#12805c", "#0b5d43"}}},
			"series": []chartObj{{"type": "heatmap", "name": c.t(r, "web.insight.habits.visits"), "data": cells,
				"emphasis": chartObj{"itemStyle": chartObj{"borderColor": "#333", "borderWidth": 1}}}},
		})
		var cats []string
		var shares []float64
		for i, s := range res.Categories {
			d.Shares = append(d.Shares, shareRow{Category: s.Category, Amount: money(s.AmountFen), Share: sharePct(s.Share),
				Buyers: s.Buyers, Favourite: s.Favourite})
			if i < 12 {
				cats = append([]string{s.Category}, cats...)
				shares = append([]float64{roundTo(100*s.Share, 1)}, shares...)
			}
		}
		if len(cats) > 0 {
			d.ShareChart = chartJSON(chartObj{
				"tooltip": chartObj{"trigger": "axis", "axisPointer": chartObj{"type": "shadow"}},
				"grid":    chartObj{"left": 88, "right": 24, "top": 8, "bottom": 32},
				"xAxis":   chartObj{"type": "value", "name": "%"},
				"yAxis":   chartObj{"type": "category", "data": cats},
				"series":  []chartObj{{"type": "bar", "name": c.t(r, "web.insight.habits.share"), "data": shares, "itemStyle": chartObj{"color": "#12805c"}}},
			})
		}
		var bands []string
		var visits []int64
		var avg []float64
		for _, s := range res.Sizes {
			band := fmt.Sprintf("%d–%d", s.Min, s.MaxItems)
			switch {
			case s.MaxItems == 0:
				band = fmt.Sprintf("%d+", s.Min)
			case s.MaxItems == s.Min:
				band = fmt.Sprint(s.Min)
			}
			d.Sizes = append(d.Sizes, sizeRow{Band: band, Share: sharePct(s.Share), Avg: yuanFloat(s.AvgFen), Visits: s.Visits})
			bands = append(bands, band)
			visits = append(visits, s.Visits)
			avg = append(avg, roundTo(s.AvgFen/100, 2))
		}
		d.SizeChart = chartJSON(chartObj{
			"tooltip": chartObj{"trigger": "axis"},
			"legend":  chartObj{"top": 0},
			"grid":    chartObj{"left": 56, "right": 56, "top": 48, "bottom": 40},
			"xAxis":   chartObj{"type": "category", "data": bands, "name": c.t(r, "web.insight.habits.items"), "nameLocation": "middle", "nameGap": 26},
			"yAxis": []chartObj{{"type": "value", "name": c.t(r, "web.insight.habits.visits")},
				{"type": "value", "name": "¥", "splitLine": chartObj{"show": false}}},
			"series": []chartObj{
				{"type": "bar", "name": c.t(r, "web.insight.habits.visits"), "data": visits, "itemStyle": chartObj{"color": "#9ec5e8"}},
				{"type": "line", "name": c.t(r, "web.insight.habits.avg_amount"), "yAxisIndex": 1, "data": avg, "itemStyle": chartObj{"color": "#12805c"}},
			},
		})
		var parts []chartObj
		for _, p := range res.Dayparts {
			parts = append(parts, chartObj{"name": c.bilingual(r, p.ZH, p.EN), "value": p.Members})
		}
		d.PartChart = chartJSON(chartObj{
			"tooltip": chartObj{"trigger": "item"},
			"legend":  chartObj{"bottom": 0},
			"series": []chartObj{{"type": "pie", "name": c.t(r, "web.insight.habits.dayparts"), "radius": []string{"40%", "70%"},
				"center": []string{"50%", "45%"}, "data": parts}},
		})
	}
	c.render(w, r, status, "analytics_habits", "web.insight.habits.title", d)
}

// ---- forecast ----

type forecastRow struct {
	Category, Method, Next, Range80, Range95 string
	MASE, Baseline                           string
	Verdict                                  string // "better" or "worse" than the baseline, "" on a tie
	Scored                                   bool
}

type forecastData struct {
	insightData
	Res        *insight.Forecasts
	Rows       []forecastRow
	Categories []string
	Pick       string
	Chart      string
}

func (c *Console) insightForecast(w http.ResponseWriter, r *http.Request) {
	d := forecastData{insightData: c.insightBase(r)}
	q, perr := insight.ParseForecastQuery(d.Q)
	pick := q.Category
	q.Category = "" // the table lists every category; the chart shows the one picked
	res, status, ok := insightRun(c, w, r, &d.insightData, q, perr, func(q *insight.ForecastQuery) *int64 { return &q.StoreID },
		func(q *insight.ForecastQuery) (*insight.Forecasts, error) {
			return c.app.Insights.Forecast(r.Context(), *q)
		})
	if !ok {
		return
	}
	if res != nil {
		d.Res, d.Bounds = res, &res.Bounds
		var shown *insight.CategoryForecast
		for i := range res.Categories {
			cf := &res.Categories[i]
			d.Categories = append(d.Categories, cf.Category)
			if shown == nil || cf.Category == pick {
				shown = cf
			}
			row := forecastRow{Category: cf.Category, Method: cf.Method}
			if len(cf.Mean) > 0 {
				row.Next = money(cf.Mean[0])
				row.Range80 = money(cf.Lower80[0]) + " – " + money(cf.Upper80[0])
				row.Range95 = money(cf.Lower95[0]) + " – " + money(cf.Upper95[0])
			}
			if cf.MASE != nil {
				row.Scored = true
				row.MASE, row.Baseline = fmt.Sprintf("%.2f", *cf.MASE), fmt.Sprintf("%.2f", *cf.BaselineMASE)
				switch {
				case *cf.MASE < *cf.BaselineMASE:
					row.Verdict = "better"
				case *cf.MASE > *cf.BaselineMASE:
					row.Verdict = "worse"
				}
			}
			d.Rows = append(d.Rows, row)
		}
		if shown != nil {
			d.Pick = shown.Category
			d.Chart = c.forecastChart(r, res, shown)
		}
	}
	c.render(w, r, status, "analytics_forecast", "web.insight.forecast.title", d)
}

// forecastChart draws the history, the forecast and its two intervals as
// bands (a transparent lower line with the band's width stacked on it).
func (c *Console) forecastChart(r *http.Request, res *insight.Forecasts, cf *insight.CategoryForecast) string {
	n, h := len(res.Weeks), len(res.Ahead)
	weeks := append(append([]string{}, res.Weeks...), res.Ahead...)
	nulls := func() []any { return make([]any, n+h) }
	actual, mean := nulls(), nulls()
	lo95, band95, lo80, band80 := nulls(), nulls(), nulls(), nulls()
	y := func(fen int64) float64 { return roundTo(float64(fen)/100, 2) }
	for i, v := range cf.History {
		actual[i] = y(v)
	}
	if n > 0 {
		mean[n-1] = y(cf.History[n-1]) // joins the forecast to the history
	}
	for i := range h {
		mean[n+i] = y(cf.Mean[i])
		lo95[n+i], band95[n+i] = y(cf.Lower95[i]), y(cf.Upper95[i]-cf.Lower95[i])
		lo80[n+i], band80[n+i] = y(cf.Lower80[i]), y(cf.Upper80[i]-cf.Lower80[i])
	}
	band := func(name, stack string, lo, width []any, color string) []chartObj {
		return []chartObj{
			{"type": "line", "name": name, "stack": stack, "data": lo, "lineStyle": chartObj{"opacity": 0}, "symbol": "none",
				"itemStyle": chartObj{"color": color}, "tooltip": chartObj{"show": false}, "silent": true},
			{"type": "line", "name": name, "stack": stack, "data": width, "lineStyle": chartObj{"opacity": 0}, "symbol": "none",
				"areaStyle": chartObj{"color": color}, "itemStyle": chartObj{"color": color}, "silent": true},
		}
	}
	l95, l80 := c.t(r, "web.insight.forecast.interval95"), c.t(r, "web.insight.forecast.interval80")
	series := append(band(l95, "b95", lo95, band95, "rgba(18,128,92,0.12)"), band(l80, "b80", lo80, band80, "rgba(18,128,92,0.25)")...)
	series = append(series,
		chartObj{"type": "line", "name": c.t(r, "web.insight.forecast.actual"), "data": actual, "symbol": "none", "itemStyle": chartObj{"color": "#5b8ff9"}},
		chartObj{"type": "line", "name": c.t(r, "web.insight.forecast.mean"), "data": mean, "symbol": "circle", "symbolSize": 5,
			"lineStyle": chartObj{"type": "dashed"}, "itemStyle": chartObj{"color": "#12805c"}},
	)
	return chartJSON(chartObj{
		"tooltip":  chartObj{"trigger": "axis"},
		"legend":   chartObj{"top": 0, "data": []string{c.t(r, "web.insight.forecast.actual"), c.t(r, "web.insight.forecast.mean"), l80, l95}},
		"grid":     chartObj{"left": 72, "right": 24, "top": 40, "bottom": 56},
		"xAxis":    chartObj{"type": "category", "data": weeks, "boundaryGap": false},
		"yAxis":    chartObj{"type": "value", "name": "¥", "scale": true},
		"dataZoom": []chartObj{{"type": "inside"}, {"type": "slider", "height": 18, "bottom": 8}},
		"series":   series,
	})
}
