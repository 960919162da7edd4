package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/locale"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

// reports reads the stored scores.
func (c *Console) reports() *analysis.Reports {
	return analysis.NewReports(store.NewAnalytics(c.app.DB), c.app.Now)
}

// chart is an ECharts option as JSON for a data-chart attribute: app.js
// draws it, so pages need no inline script. Tooltips render as rich text
// inside the canvas: ECharts' HTML tooltips carry style attributes, which
// the page's CSP (style-src 'self') blocks.
func chart(opt map[string]any) string {
	tip, _ := opt["tooltip"].(map[string]any)
	if tip == nil {
		tip = map[string]any{}
		opt["tooltip"] = tip
	}
	tip["renderMode"] = "richText"
	if _, ok := opt["animation"]; !ok {
		opt["animation"] = false
	}
	b, err := json.Marshal(opt)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// palette is the charts' colours, matching app.css.
var palette = []string{"#1f7a5c", "#2563eb", "#d97706", "#7c3aed", "#dc2626", "#0891b2", "#65a30d", "#db2777", "#475569", "#ca8a04", "#9333ea"}

// storeFilter is the store picker of the analytics pages: an owner picks
// any store or the chain, anyone else sees their own store.
type storeFilter struct {
	Stores  []*shop.Store
	StoreID int64
	Locked  bool // the viewer is confined to StoreID
	Name    string
}

func (c *Console) storeFilter(r *http.Request) (storeFilter, error) {
	f := storeFilter{}
	if s := auth.Scope(server.Actor(r)); s != 0 {
		f.StoreID, f.Locked = s, true
	} else if v := strings.TrimSpace(r.FormValue("store")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, linli.Invalid("request.query_invalid", "store", "%q is not a store", v)
		}
		f.StoreID = id
	}
	stores, err := c.app.Shops.List(r.Context())
	if err != nil {
		return f, err
	}
	f.Stores = stores
	for _, s := range stores {
		if s.ID == f.StoreID {
			f.Name = s.Name
		}
	}
	if f.StoreID != 0 && f.Name == "" {
		return f, linli.Invalid("request.query_invalid", "store", "no store %d", f.StoreID)
	}
	return f, nil
}

// runView is the latest run and the one going, for the run box.
type runView struct {
	State   analysis.State
	CanRun  bool
	Error   string
	Skipped []skippedModel
}

// skippedModel says why a model was not fitted: Reason in the reader's
// language and, where the run's own words (English) add figures the
// reason lacks, Detail for whoever looks further. Runs from before the
// reason codes have Detail only.
type skippedModel struct {
	Key                   string // the model's message key, web.analytics.run.model_*
	Model, Reason, Detail string
}

// skipped is the skip of the first of the models keyed in keys, or nil.
func (v runView) skipped(keys ...string) *skippedModel {
	for _, k := range keys {
		for i := range v.Skipped {
			if v.Skipped[i].Key == k {
				return &v.Skipped[i]
			}
		}
	}
	return nil
}

func (c *Console) runView(r *http.Request, st analysis.State) runView {
	v := runView{State: st, CanRun: server.Can(r, auth.SettingsManage)}
	if l := st.Latest; l != nil && l.Detail != nil {
		d := l.Detail
		for _, s := range []struct {
			key, code, why string
			need           int
		}{
			{"web.analytics.run.model_bgnbd", d.BGNBDSkipCode, d.BGNBDSkipped, analysis.MinFitMembers},
			{"web.analytics.run.model_gg", d.GammaSkipCode, d.GammaSkipped, analysis.MinFitMembers},
			{"web.analytics.run.model_clusters", d.ClusterSkipCode, d.ClusterSkipped, analysis.MinClusterMembers},
		} {
			if s.why == "" {
				continue
			}
			m := skippedModel{Key: s.key, Model: c.t(r, s.key), Detail: s.why}
			switch s.code {
			case analysis.SkipTooFewBuyers:
				m.Reason, m.Detail = c.t(r, "web.analytics.skip."+s.code, d.Members, s.need), ""
			case analysis.SkipTooFewRepeat:
				m.Reason, m.Detail = c.t(r, "web.analytics.skip."+s.code, d.RepeatMembers, s.need), ""
			case analysis.SkipNeedsBGNBD:
				m.Reason, m.Detail = c.t(r, "web.analytics.skip."+s.code), ""
			case analysis.SkipNoDropout, analysis.SkipNoFit:
				m.Reason = c.t(r, "web.analytics.skip."+s.code)
			}
			v.Skipped = append(v.Skipped, m)
		}
	}
	return v
}

// ---- segments ----

type segmentRow struct {
	analysis.SegmentRow
	Name, Advice string
	SharePct     string
}

type classRow struct {
	analysis.ClassRow
	Name     string
	SharePct string
}

type segmentsData struct {
	Today        string // for the names of saved audiences
	Run          runView
	Store        storeFilter
	Members      int
	Segments     []segmentRow
	Classes      []classRow
	SegmentChart string
	GridChart    string
	ClassChart   string
}

func pct(share float64) string { return strconv.FormatFloat(share*100, 'f', 1, 64) + "%" }

func (c *Console) analyticsSegments(w http.ResponseWriter, r *http.Request) {
	c.renderSegments(w, r, http.StatusOK, "")
}

func (c *Console) renderSegments(w http.ResponseWriter, r *http.Request, status int, runErr string) {
	sf, err := c.storeFilter(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	o, err := c.reports().Segments(r.Context(), server.Actor(r), analysis.Filter{StoreID: sf.StoreID})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	lang := c.lang(r)
	zh := lang == locale.Chinese
	d := segmentsData{Run: c.runView(r, o.State), Store: sf, Members: o.Members, Today: c.app.Now().In(displayZone).Format("2006-01-02")}
	d.Run.Error = runErr
	var names []string
	var counts []map[string]any
	for i, s := range o.Segments {
		row := segmentRow{SegmentRow: s, Name: s.NameEN, Advice: s.AdviceEN, SharePct: pct(s.Share)}
		if zh {
			row.Name, row.Advice = s.NameZH, s.AdviceZH
		}
		d.Segments = append(d.Segments, row)
		names = append(names, row.Name)
		counts = append(counts, map[string]any{"value": s.Members, "itemStyle": map[string]any{"color": palette[i%len(palette)]}})
	}
	for _, cl := range o.ValueClasses {
		row := classRow{ClassRow: cl, Name: cl.NameEN, SharePct: pct(cl.Share)}
		if zh {
			row.Name = cl.NameZH
		}
		d.Classes = append(d.Classes, row)
	}
	if o.Members > 0 {
		d.SegmentChart = segmentChart(names, counts, c.t(r, "web.analytics.seg.members"))
		d.GridChart = gridChart(o.Grid, c.t(r, "web.analytics.seg.grid_r"), c.t(r, "web.analytics.seg.grid_f"), c.t(r, "web.analytics.seg.members"))
		d.ClassChart = classChart(d.Classes)
	}
	c.render(w, r, status, "analytics_segments", "web.analytics.seg.title", d)
}

func segmentChart(names []string, counts []map[string]any, label string) string {
	// Best first from the top: the category axis runs bottom-up.
	rn := make([]string, len(names))
	rc := make([]map[string]any, len(counts))
	for i := range names {
		rn[len(names)-1-i], rc[len(counts)-1-i] = names[i], counts[i]
	}
	return chart(map[string]any{
		"color":   palette,
		"grid":    map[string]any{"left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": true},
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"xAxis":   map[string]any{"type": "value", "minInterval": 1},
		"yAxis":   map[string]any{"type": "category", "data": rn},
		"series": []any{map[string]any{"type": "bar", "name": label, "data": rc,
			"label": map[string]any{"show": true, "position": "right"}}},
	})
}

func gridChart(g [5][5]int, rLabel, fLabel, label string) string {
	var data [][3]int
	top := 0
	for r := range 5 {
		for f := range 5 {
			data = append(data, [3]int{f, r, g[r][f]})
			top = max(top, g[r][f])
		}
	}
	axis := func(name string) map[string]any {
		return map[string]any{"type": "category", "data": []string{"1", "2", "3", "4", "5"}, "name": name,
			"nameLocation": "middle", "nameGap": 28, "splitArea": map[string]any{"show": true}}
	}
	return chart(map[string]any{
		"grid":    map[string]any{"left": 48, "right": 16, "top": 8, "bottom": 48},
		"tooltip": map[string]any{"position": "top"},
		"xAxis":   axis(fLabel),
		"yAxis":   axis(rLabel),
		// The cells carry their counts: the colour scale needs no legend.
		"visualMap": map[string]any{"show": false, "min": 0, "max": max(top, 1), "inRange": map[string]any{"color": []string{"#e6f2ed", "#17614a"}}},
		"series": []any{map[string]any{"type": "heatmap", "name": label, "data": data,
			"label": map[string]any{"show": true}, "emphasis": map[string]any{"itemStyle": map[string]any{"borderColor": "#111", "borderWidth": 1}}}},
	})
}

func classChart(rows []classRow) string {
	var data []map[string]any
	colors := []string{"#1f7a5c", "#2563eb", "#94a3b8"}
	for i, r := range rows {
		data = append(data, map[string]any{"name": r.Name, "value": r.Members, "itemStyle": map[string]any{"color": colors[i%3]}})
	}
	return chart(map[string]any{
		"tooltip": map[string]any{"trigger": "item"},
		"legend":  map[string]any{"bottom": 0},
		"series": []any{map[string]any{"type": "pie", "radius": []string{"40%", "70%"}, "center": []string{"50%", "45%"},
			"data": data, "label": map[string]any{"formatter": "{b}\n{d}%"}}},
	})
}

// analyticsStart starts a run in the background and goes back to the
// overview, which follows it.
func (c *Console) analyticsStart(w http.ResponseWriter, r *http.Request) {
	_, err := c.app.Analysis.Start(r.Context(), server.Actor(r), c.app.Now())
	if err != nil {
		e, ok := linli.AsError(err)
		if !ok || e.Kind == linli.KindInternal || e.Kind == linli.KindForbidden {
			c.fail(w, r, err)
			return
		}
		c.renderSegments(w, r, server.Status(e.Kind), errText(c.lang(r), e))
		return
	}
	http.Redirect(w, r, "/analytics", http.StatusSeeOther)
}

// analyticsRunFragment is the run box the overview polls while a run is
// going. When the run it follows (?id=) has ended, the whole page reloads
// to show the new scores.
func (c *Console) analyticsRunFragment(w http.ResponseWriter, r *http.Request) {
	st, err := c.reports().State(r.Context(), server.Actor(r))
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64); id > 0 && (st.Current == nil || st.Current.ID != id) {
		w.Header().Set("HX-Refresh", "true")
	}
	v := c.newView(r, "web.analytics.seg.title", segmentsData{Run: c.runView(r, st)})
	c.renderView(w, http.StatusOK, "analytics_segments", "analytics_run", v)
}

// ---- value ----

type bar struct {
	Label   string
	Members int
}

type scoredRow struct {
	analysis.Scored
	Card, Name string
	Segment    string
	PAliveText string // "" when the model gave none
	Expected   string
}

// decimals writes *p with d decimals, "" for nil: templates cannot
// format through a pointer.
func decimals(p *float64, d int) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', d, 64)
}

type valueData struct {
	Run         runView
	Store       storeFilter
	Skipped     *skippedModel // the purchase or spend model's
	CLVChart    string
	AliveChart  string
	CLVBars     []bar
	AliveBars   []bar
	Top         []scoredRow
	HasCLV      bool
	HasPAlive   bool
	ScoredCount int
}

func (c *Console) analyticsValue(w http.ResponseWriter, r *http.Request) {
	sf, err := c.storeFilter(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	v, err := c.reports().Value(r.Context(), server.Actor(r), analysis.Filter{StoreID: sf.StoreID})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	run := c.runView(r, v.State)
	d := valueData{Run: run, Store: sf, Skipped: run.skipped("web.analytics.run.model_bgnbd", "web.analytics.run.model_gg")}
	for _, b := range v.CLV {
		label := "¥" + strconv.FormatFloat(b.Lo, 'f', -1, 64) + "+"
		if b.Hi != nil {
			label = "¥" + strconv.FormatFloat(b.Lo, 'f', -1, 64) + "–" + strconv.FormatFloat(*b.Hi, 'f', -1, 64)
		}
		d.CLVBars = append(d.CLVBars, bar{label, b.Members})
	}
	for _, b := range v.PAlive {
		d.AliveBars = append(d.AliveBars, bar{fmt.Sprintf("%.1f–%.1f", b.Lo, *b.Hi), b.Members})
	}
	d.HasCLV, d.HasPAlive = len(d.CLVBars) > 0, len(d.AliveBars) > 0
	members := c.t(r, "web.analytics.seg.members")
	if d.HasCLV {
		d.CLVChart = barChart(d.CLVBars, members, "#1f7a5c")
	}
	if d.HasPAlive {
		d.AliveChart = barChart(d.AliveBars, members, "#2563eb")
	}
	d.Top = c.scoredRows(r, v.Top)
	c.render(w, r, http.StatusOK, "analytics_value", "web.analytics.value.title", d)
}

func barChart(bars []bar, label, color string) string {
	var names []string
	var vals []int
	for _, b := range bars {
		names = append(names, b.Label)
		vals = append(vals, b.Members)
	}
	return chart(map[string]any{
		"color":   []string{color},
		"grid":    map[string]any{"left": 8, "right": 16, "top": 24, "bottom": 8, "containLabel": true},
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"xAxis":   map[string]any{"type": "category", "data": names, "axisLabel": map[string]any{"interval": 0, "rotate": 30}},
		"yAxis":   map[string]any{"type": "value", "minInterval": 1},
		"series":  []any{map[string]any{"type": "bar", "name": label, "data": vals, "barCategoryGap": "10%"}},
	})
}

// scoredRows adds the members' card numbers and names, masked the way the
// member list shows them.
func (c *Console) scoredRows(r *http.Request, list []analysis.Scored) []scoredRow {
	out := make([]scoredRow, 0, len(list))
	for _, s := range list {
		out = append(out, c.scoredRow(r, s))
	}
	return out
}

func (c *Console) scoredRow(r *http.Request, s analysis.Scored) scoredRow {
	row := scoredRow{Scored: s, Segment: analysis.SegmentLabel(c.lang(r), s.Segment), PAliveText: decimals(s.PAlive, 2), Expected: decimals(s.Expected90d, 1)}
	if m, err := c.app.Members.Get(r.Context(), server.Actor(r), s.MemberID, member.View{}); err == nil {
		row.Card, row.Name = m.CardNo, m.Name
	}
	return row
}

// ---- churn ----

type churnForm struct {
	Segment     string
	MinValue    string // yuan
	PAliveBelow string
	Store       string
}

type atRiskRow struct {
	scoredRow
	ValueAtRiskFen int64
	Reasons        []string
}

type churnData struct {
	Run        runView
	Store      storeFilter
	Form       churnForm
	Segments   [][2]string // key, name
	Error      string
	SaveError  string
	SaveName   string
	Total      int
	ValueFen   int64
	Items      []atRiskRow
	NextURL    string
	FirstURL   string
	Paged      bool
	NoPAlive   bool
	CanExport  bool
	FilterArgs url.Values
}

// churnFilter reads the churn page's filters; bad input is an invalid
// error naming the field.
func churnFilter(q url.Values, sf storeFilter) (analysis.Filter, churnForm, error) {
	form := churnForm{Segment: strings.TrimSpace(q.Get("segment")), MinValue: strings.TrimSpace(q.Get("min_value")),
		PAliveBelow: strings.TrimSpace(q.Get("p_alive_below")), Store: strings.TrimSpace(q.Get("store"))}
	f := analysis.Filter{StoreID: sf.StoreID, Segment: form.Segment, Churn: true}
	var v linli.Validation
	if form.MinValue != "" {
		fen, ok := parseYuan(form.MinValue)
		if !ok {
			v.Add("min_value", "analysis.min_value_invalid", "%q is not an amount", form.MinValue)
		}
		f.MinValueFen = fen
	}
	if form.PAliveBelow != "" {
		p, err := strconv.ParseFloat(form.PAliveBelow, 64)
		if err != nil || math.IsNaN(p) || p <= 0 || p > 1 {
			v.Add("p_alive_below", "analysis.p_alive_invalid", "%q is not between 0 and 1", form.PAliveBelow)
		}
		f.PAliveBelow = p
	}
	if err := v.Err(); err != nil {
		return f, form, err
	}
	if err := f.Check(); err != nil {
		return f, form, err
	}
	if form.PAliveBelow == "" {
		form.PAliveBelow = strconv.FormatFloat(f.PAliveBelow, 'f', -1, 64)
	}
	return f, form, nil
}

// cursor reads "value.id" from ?after=.
func parseCursor(s string) (*analysis.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := linli.Invalid("request.cursor_invalid", "after", "the page link is not one this server made")
	v, id, ok := strings.Cut(s, ".")
	if !ok {
		return nil, bad
	}
	val, err1 := strconv.ParseInt(v, 10, 64)
	mid, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || mid <= 0 {
		return nil, bad
	}
	return &analysis.Cursor{ValueFen: val, MemberID: mid}, nil
}

func (c *Console) analyticsChurn(w http.ResponseWriter, r *http.Request) {
	c.renderChurn(w, r, http.StatusOK, "", "")
}

func (c *Console) renderChurn(w http.ResponseWriter, r *http.Request, status int, saveErr, saveName string) {
	lang := c.lang(r)
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q = r.PostForm
	}
	sf, err := c.storeFilter(r)
	if err != nil {
		if _, _, ok := formErrors(lang, err); !ok {
			c.fail(w, r, err)
			return
		}
		sf = storeFilter{}
		status = http.StatusUnprocessableEntity
	}
	d := churnData{Store: sf, SaveError: saveErr, SaveName: saveName, CanExport: server.Can(r, auth.MemberExport)}
	for _, k := range analysis.SegmentKeys() {
		d.Segments = append(d.Segments, [2]string{k, analysis.SegmentLabel(lang, k)})
	}
	if d.SaveName == "" {
		d.SaveName = c.t(r, "web.analytics.churn.audience_default", c.app.Now().In(displayZone).Format("2006-01-02"))
	}
	f, form, ferr := churnFilter(q, sf)
	d.Form = form
	after, cerr := parseCursor(q.Get("after"))
	if ferr == nil {
		ferr = cerr
	}
	if ferr != nil {
		_, general, ok := formErrors(lang, ferr)
		if !ok {
			c.fail(w, r, ferr)
			return
		}
		d.Error = general
		st, err := c.reports().State(r.Context(), server.Actor(r))
		if err != nil {
			c.fail(w, r, err)
			return
		}
		d.Run = c.runView(r, st)
		c.render(w, r, http.StatusUnprocessableEntity, "analytics_churn", "web.analytics.churn.title", d)
		return
	}
	p, err := c.reports().Churn(r.Context(), server.Actor(r), f, after, 50)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Run = c.runView(r, p.State)
	d.Total, d.ValueFen = p.Total, p.ValueFen
	d.NoPAlive = p.State.Latest != nil && p.State.Latest.Detail != nil && p.State.Latest.Detail.BGNBD == nil
	for _, it := range p.Items {
		row := atRiskRow{scoredRow: c.scoredRow(r, it.Scored), ValueAtRiskFen: it.ValueAtRiskFen}
		for _, why := range it.Reasons {
			row.Reasons = append(row.Reasons, why.Words(lang))
		}
		d.Items = append(d.Items, row)
	}
	args := url.Values{}
	for k, v := range map[string]string{"segment": form.Segment, "min_value": form.MinValue, "p_alive_below": form.PAliveBelow, "store": form.Store} {
		if v != "" {
			args.Set(k, v)
		}
	}
	d.FilterArgs = args
	d.Paged = after != nil
	d.FirstURL = "/analytics/churn?" + args.Encode()
	if p.Next != nil {
		next := url.Values{}
		for k, v := range args {
			next[k] = v
		}
		next.Set("after", fmt.Sprintf("%d.%d", p.Next.ValueFen, p.Next.MemberID))
		d.NextURL = "/analytics/churn?" + next.Encode()
	}
	c.render(w, r, status, "analytics_churn", "web.analytics.churn.title", d)
}

// ---- clusters ----

type clusterRow struct {
	analysis.ClusterRow
	Name, Description string
	SharePct          string
	Spend, Monetary   string // yuan
	CLV               string // yuan, "" when unknown
}

func newClusterRow(cl analysis.ClusterRow) clusterRow {
	y := func(fen float64) string { return yuan(int64(math.Round(fen))) }
	row := clusterRow{ClusterRow: cl, SharePct: pct(cl.Share), Spend: y(cl.AvgSpendFen), Monetary: y(cl.AvgMonetaryFen)}
	if cl.AvgCLVFen != nil {
		row.CLV = y(*cl.AvgCLVFen)
	}
	return row
}

type clustersData struct {
	Run      runView
	Store    storeFilter
	Skipped  *skippedModel
	Clusters []clusterRow
	All      *clusterRow
	Chart    string
}

func (c *Console) analyticsClusters(w http.ResponseWriter, r *http.Request) {
	sf, err := c.storeFilter(r)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	rep, err := c.reports().Clusters(r.Context(), server.Actor(r), analysis.Filter{StoreID: sf.StoreID})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	zh := c.lang(r) == locale.Chinese
	run := c.runView(r, rep.State)
	d := clustersData{Run: run, Store: sf, Skipped: run.skipped("web.analytics.run.model_clusters")}
	if rep.All != nil {
		all := newClusterRow(*rep.All)
		d.All = &all
	}
	for _, cl := range rep.Clusters {
		row := newClusterRow(cl)
		row.Name, row.Description = c.t(r, "web.analytics.clusters.name", cl.Index+1), cl.EN
		if zh {
			row.Description = cl.ZH
		}
		d.Clusters = append(d.Clusters, row)
	}
	if rep.All != nil && len(rep.Clusters) > 0 {
		d.Chart = clusterChart(r, c, d.Clusters, rep.All)
	}
	c.render(w, r, http.StatusOK, "analytics_clusters", "web.analytics.clusters.title", d)
}

// clusterChart compares each cluster's feature means with every
// clustered member's, as an index (100 = the average), so that visits,
// yuan and days share one axis.
func clusterChart(r *http.Request, c *Console, rows []clusterRow, all *analysis.ClusterRow) string {
	feats := []string{c.t(r, "web.analytics.clusters.f_frequency"), c.t(r, "web.analytics.clusters.f_spend"),
		c.t(r, "web.analytics.clusters.f_recency"), c.t(r, "web.analytics.clusters.f_monetary")}
	index := func(v, avg float64) float64 {
		if avg == 0 {
			return 0
		}
		return max(1, math.Round(v/avg*100)) // the axis is logarithmic
	}
	var series []any
	lo, hi := 64.0, 128.0 // powers of two around the values, and around 100
	for i, cl := range rows {
		data := []float64{index(cl.AvgFrequency, all.AvgFrequency), index(cl.AvgSpendFen, all.AvgSpendFen),
			index(cl.AvgRecencyDays, all.AvgRecencyDays), index(cl.AvgMonetaryFen, all.AvgMonetaryFen)}
		for _, v := range data {
			lo = min(lo, math.Exp2(math.Floor(math.Log2(v))))
			hi = max(hi, math.Exp2(math.Ceil(math.Log2(v))))
		}
		series = append(series, map[string]any{"type": "bar", "name": cl.Name, "itemStyle": map[string]any{"color": palette[i%len(palette)]},
			"data": data})
	}
	if len(series) > 0 {
		s := series[0].(map[string]any)
		s["markLine"] = map[string]any{"silent": true, "symbol": "none", "data": []any{map[string]any{"yAxis": 100}},
			"lineStyle": map[string]any{"color": "#475569", "type": "dashed"},
			"label":     map[string]any{"formatter": c.t(r, "web.analytics.clusters.average"), "position": "insideEndTop"}}
	}
	return chart(map[string]any{
		"grid":    map[string]any{"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": true},
		"legend":  map[string]any{"top": 0},
		"tooltip": map[string]any{"trigger": "axis", "axisPointer": map[string]any{"type": "shadow"}},
		"xAxis":   map[string]any{"type": "category", "data": feats},
		// A log scale shows half and double the average as equally far
		// from it, and keeps one extreme feature from flattening the rest.
		"yAxis":  map[string]any{"type": "log", "logBase": 2, "min": lo, "max": hi},
		"series": series,
	})
}
