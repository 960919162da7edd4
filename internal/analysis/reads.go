package analysis

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/rfm"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/locale"
)

// Filter chooses scored members. The zero value is every scored member.
type Filter struct {
	// StoreID keeps the members whose home store this is; 0 every member.
	// A store-bound viewer is always confined to their store.
	StoreID int64 `json:"store_id,omitempty"`
	// Segment keeps one RFM segment (a key such as "at_risk").
	Segment string `json:"segment,omitempty"`
	// MinValueFen keeps members who have spent at least this much.
	MinValueFen int64 `json:"min_value_fen,omitempty"`
	// Churn keeps the members likely slipping away: P(alive) below
	// PAliveBelow where the purchase model gave one, else the segments
	// at risk, can't lose and about to sleep.
	Churn       bool    `json:"churn,omitempty"`
	PAliveBelow float64 `json:"p_alive_below,omitempty"`
}

// DefaultPAliveBelow is the churn list's P(alive) bound when none is given.
const DefaultPAliveBelow = 0.5

// ChurnSegments are the segments taken as slipping away when the purchase
// model gave no P(alive).
var ChurnSegments = []string{rfm.Names[rfm.AtRisk].Key, rfm.Names[rfm.CantLose].Key, rfm.Names[rfm.AboutToSleep].Key}

// SegmentKeys lists the segments members can be in, best first.
func SegmentKeys() []string {
	out := make([]string, 0, rfm.NumSegments-1)
	for _, n := range rfm.Names[1:] {
		out = append(out, n.Key)
	}
	return out
}

// SegmentName is a segment's names and advice in both languages.
func SegmentName(key string) (rfm.Name, bool) {
	for _, n := range rfm.Names {
		if n.Key == key {
			return n, true
		}
	}
	return rfm.Name{}, false
}

// SegmentLabel is the segment's name in lang (Chinese or English), its key
// when unknown.
func SegmentLabel(lang, key string) string {
	n, ok := SegmentName(key)
	switch {
	case !ok:
		return key
	case lang == locale.Chinese:
		return n.ZH
	}
	return n.EN
}

// Words is the reason in lang, as the console and the API show it.
func (why Reason) Words(lang string) string {
	switch why.Code {
	case "interval":
		return locale.T(lang, "web.analytics.reason.interval", why.Days, why.EveryDays)
	case "once":
		return locale.T(lang, "web.analytics.reason.once", why.Days)
	case "recency":
		return locale.T(lang, "web.analytics.reason.recency", why.Days)
	case "p_alive":
		if why.PAlive == nil {
			return why.Code
		}
		return locale.T(lang, "web.analytics.reason.p_alive", strconv.FormatFloat(*why.PAlive, 'f', 2, 64))
	case "segment":
		return locale.T(lang, "web.analytics.reason.segment", SegmentLabel(lang, why.Segment))
	}
	return why.Code
}

// Check validates f, filling the default P(alive) bound of a churn list.
func (f *Filter) Check() error {
	var v linli.Validation
	if f.Segment != "" && !slices.Contains(SegmentKeys(), f.Segment) {
		v.Add("segment", "analysis.segment_invalid", "%q is not a segment; one of %s", f.Segment, strings.Join(SegmentKeys(), ", "))
	}
	if f.MinValueFen < 0 {
		v.Add("min_value_fen", "analysis.min_value_invalid", "the minimum value cannot be negative")
	}
	if f.StoreID < 0 {
		v.Add("store_id", "request.query_invalid", "store_id must be a positive id")
	}
	if f.Churn && f.PAliveBelow == 0 {
		f.PAliveBelow = DefaultPAliveBelow
	}
	if math.IsNaN(f.PAliveBelow) || f.PAliveBelow < 0 || f.PAliveBelow > 1 {
		v.Add("p_alive_below", "analysis.p_alive_invalid", "P(alive) below must be between 0 and 1")
	}
	return v.Err()
}

// Scored is one member's stored scores, as the reports show them.
type Scored struct {
	MemberID    int64    `json:"member_id"`
	Segment     string   `json:"segment"`
	ValueClass  string   `json:"value_class"`
	R           int      `json:"r"`
	F           int      `json:"f"`
	M           int      `json:"m"`
	RecencyDays int      `json:"recency_days"`
	Frequency   int      `json:"frequency"`
	MonetaryFen int64    `json:"monetary_fen"`
	PAlive      *float64 `json:"p_alive"`
	Expected90d *float64 `json:"expected_90d"`
	CLVFen      *int64   `json:"clv_fen"`
	Cluster     *int     `json:"cluster"`
}

// SegmentStat is what storage sums per segment.
type SegmentStat struct {
	Segment     string
	Members     int
	MonetaryFen int64
	CLVFen      int64 // over the members with a CLV
	CLVMembers  int
}

// ClusterStat is what storage averages per cluster.
type ClusterStat struct {
	Cluster        int
	Members        int
	AvgFrequency   float64
	AvgSpendFen    float64 // per purchase day
	AvgRecencyDays float64
	AvgMonetaryFen float64
	AvgCLVFen      *float64
}

// Cursor is a position in the churn list, which is ordered by value at
// risk (highest first), then member id.
type Cursor struct {
	ValueFen int64
	MemberID int64
}

// ReportStore is what the reports need from storage.
type ReportStore interface {
	// Runs lists the latest runs of model, newest first.
	Runs(ctx context.Context, model string, limit int) ([]RunRecord, error)
	SegmentStats(ctx context.Context, f Filter) ([]SegmentStat, error)
	// RFGrid counts members by R (rows) and F (columns) score.
	RFGrid(ctx context.Context, f Filter) ([5][5]int, error)
	ValueClassCounts(ctx context.Context, f Filter) (map[string]int, error)
	// Histogram counts members by column (clv_fen or p_alive) in the
	// buckets edges delimit: below edges[0], [edges[0], edges[1]) … and
	// from the last edge up; members without a value are left out.
	Histogram(ctx context.Context, f Filter, column string, edges []float64) ([]int, error)
	// Quantile is the value of column (clv_fen or p_alive) below which a
	// share q of the members with a value fall; ok is false when none has one.
	Quantile(ctx context.Context, f Filter, column string, q float64) (v float64, ok bool, err error)
	TopCLV(ctx context.Context, f Filter, limit int) ([]Scored, error)
	// Scored lists members matching f by value (monetary) then id, after
	// the cursor when it is not nil.
	Scored(ctx context.Context, f Filter, after *Cursor, limit int) ([]Scored, error)
	// Count counts members matching f and sums their spend.
	Count(ctx context.Context, f Filter) (members int, valueFen int64, err error)
	ClusterStats(ctx context.Context, f Filter) ([]ClusterStat, error)
	// FirstPurchaseDays gives each member's first counted purchase day
	// before before, days counted as MemberAggregates counts them.
	FirstPurchaseDays(ctx context.Context, ids []int64, before time.Time, offset int) (map[int64]int, error)
	AudienceStore
}

// Reports reads the stored scores for the console and the API.
type Reports struct {
	st  ReportStore
	now linli.Clock
}

// NewReports returns the reports reading from st.
func NewReports(st ReportStore, now linli.Clock) *Reports {
	if now == nil {
		now = linli.SystemClock
	}
	return &Reports{st: st, now: now}
}

// scope confines f to the actor's store and checks the permission.
func scope(actor linli.Actor, f *Filter) error {
	if s := auth.Scope(actor); s != 0 {
		f.StoreID = s
	}
	return auth.Require(actor, auth.ReportRead, f.StoreID)
}

// Runs lists the latest runs, newest first; a run that stopped reporting
// is shown as interrupted.
func (r *Reports) Runs(ctx context.Context, actor linli.Actor, limit int) ([]RunRecord, error) {
	if err := auth.Require(actor, auth.ReportRead, auth.Scope(actor)); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	runs, err := r.st.Runs(ctx, Model, limit)
	if err != nil {
		return nil, err
	}
	now := r.now()
	for i := range runs {
		runs[i].settle(now)
	}
	if runs == nil {
		runs = []RunRecord{}
	}
	return runs, nil
}

// Run returns one recorded run.
func (r *Reports) Run(ctx context.Context, actor linli.Actor, id int64) (*RunRecord, error) {
	runs, err := r.Runs(ctx, actor, 100)
	if err != nil {
		return nil, err
	}
	for i := range runs {
		if runs[i].ID == id {
			return &runs[i], nil
		}
	}
	return nil, linli.Errorf(linli.KindNotFound, "analysis.run_not_found", "no analysis run %d among the latest", id)
}

// State is the latest run whose scores are stored, the run going now and
// the last failure since, each nil when there is none.
type State struct {
	Latest  *RunRecord `json:"latest,omitempty"`
	Current *RunRecord `json:"current,omitempty"`
	Failed  *RunRecord `json:"failed,omitempty"`
}

// State reads the runs.
func (r *Reports) State(ctx context.Context, actor linli.Actor) (State, error) {
	runs, err := r.Runs(ctx, actor, 20)
	if err != nil {
		return State{}, err
	}
	var s State
	for i := range runs {
		run := &runs[i]
		if i == 0 && run.Status == StatusRunning {
			s.Current = run
			continue
		}
		if run.Status == StatusDone {
			s.Latest = run
			break
		}
		if s.Failed == nil && run.Status != StatusRunning {
			s.Failed = run
		}
	}
	return s, nil
}

// SegmentRow is one segment's line in the overview.
type SegmentRow struct {
	Key            string  `json:"segment"`
	NameZH         string  `json:"name_zh"`
	NameEN         string  `json:"name_en"`
	AdviceZH       string  `json:"advice_zh"`
	AdviceEN       string  `json:"advice_en"`
	Members        int     `json:"members"`
	Share          float64 `json:"share"`
	MonetaryFen    int64   `json:"monetary_fen"`
	AvgMonetaryFen int64   `json:"avg_monetary_fen"`
	AvgCLVFen      *int64  `json:"avg_clv_fen"`
}

// ClassRow is one value class's line.
type ClassRow struct {
	Key     string  `json:"value_class"`
	NameZH  string  `json:"name_zh"`
	NameEN  string  `json:"name_en"`
	Members int     `json:"members"`
	Share   float64 `json:"share"`
}

// Overview is the segments page: the runs, the members scored by
// segment, the R × F grid and the value classes.
type Overview struct {
	State        State        `json:"runs"`
	StoreID      int64        `json:"store_id,omitempty"`
	Members      int          `json:"members"`
	Segments     []SegmentRow `json:"segments"`
	Grid         [5][5]int    `json:"rf_grid"` // [R−1][F−1]
	ValueClasses []ClassRow   `json:"value_classes"`
}

// report starts a report on the stored scores: the store filter the
// actor may use (a store-bound viewer gets theirs) and the runs' state.
func (r *Reports) report(ctx context.Context, actor linli.Actor, storeID int64) (Filter, State, error) {
	f := Filter{StoreID: storeID}
	if err := scope(actor, &f); err != nil {
		return f, State{}, err
	}
	if err := f.Check(); err != nil {
		return f, State{}, err
	}
	state, err := r.State(ctx, actor)
	return f, state, err
}

// Segments builds the overview.
func (r *Reports) Segments(ctx context.Context, actor linli.Actor, f Filter) (*Overview, error) {
	f, state, err := r.report(ctx, actor, f.StoreID)
	if err != nil {
		return nil, err
	}
	stats, err := r.st.SegmentStats(ctx, f)
	if err != nil {
		return nil, err
	}
	o := &Overview{State: state, StoreID: f.StoreID, Segments: []SegmentRow{}, ValueClasses: []ClassRow{}}
	by := map[string]SegmentStat{}
	for _, s := range stats {
		by[s.Segment] = s
		o.Members += s.Members
	}
	for _, n := range rfm.Names[1:] {
		s := by[n.Key]
		row := SegmentRow{Key: n.Key, NameZH: n.ZH, NameEN: n.EN, AdviceZH: n.AdviceZH, AdviceEN: n.AdviceEN,
			Members: s.Members, MonetaryFen: s.MonetaryFen}
		if s.Members > 0 {
			row.Share = float64(s.Members) / float64(o.Members)
			row.AvgMonetaryFen = roundDiv(s.MonetaryFen, int64(s.Members))
		}
		if s.CLVMembers > 0 {
			v := roundDiv(s.CLVFen, int64(s.CLVMembers))
			row.AvgCLVFen = &v
		}
		o.Segments = append(o.Segments, row)
	}
	if o.Grid, err = r.st.RFGrid(ctx, f); err != nil {
		return nil, err
	}
	classes, err := r.st.ValueClassCounts(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, c := range []rfm.ValueClass{rfm.ValueHigh, rfm.ValueMid, rfm.ValueLow} {
		n := rfm.ValueNames[c]
		row := ClassRow{Key: n.Key, NameZH: n.ZH, NameEN: n.EN, Members: classes[n.Key]}
		if o.Members > 0 {
			row.Share = float64(row.Members) / float64(o.Members)
		}
		o.ValueClasses = append(o.ValueClasses, row)
	}
	return o, nil
}

// Bucket is one bar of a histogram: members with a value from Lo up to
// (not including) Hi; Hi is nil for the last, open bucket.
type Bucket struct {
	Lo      float64  `json:"lo"`
	Hi      *float64 `json:"hi"`
	Members int      `json:"members"`
}

// CLVBuckets is about how many equal buckets of round yuan the CLV
// histogram has below its last, open bucket; together they cover the 95 %
// of members worth least, so that a few very valuable members do not
// squeeze everyone else into the first bar.
const CLVBuckets = 10

// clvEdges are the histogram's bucket edges in yuan for a 95th percentile
// of p95 yuan: multiples of a round step (1, 2, 2.5 or 5 × 10ⁿ), between
// CLVBuckets and twice as many of them.
func clvEdges(p95 float64) []float64 {
	if !(p95 > 0) {
		return []float64{1}
	}
	raw := p95 / CLVBuckets
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := pow
	for _, m := range []float64{2, 2.5, 5} {
		if m*pow <= raw {
			step = m * pow
		}
	}
	step = max(step, 1)
	n := min(2*CLVBuckets, max(1, int(math.Ceil(p95/step))))
	edges := make([]float64, n)
	for i := range edges {
		edges[i] = step * float64(i+1)
	}
	return edges
}

// PAliveEdges delimit the P(alive) histogram in tenths.
var PAliveEdges = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}

// ValueReport is the value page: how CLV and P(alive) are spread and the
// members worth most.
type ValueReport struct {
	State   State    `json:"runs"`
	StoreID int64    `json:"store_id,omitempty"`
	CLV     []Bucket `json:"clv_yuan"`
	PAlive  []Bucket `json:"p_alive"`
	Top     []Scored `json:"top"`
	// Skipped says why the purchase model was not fitted, if it was not.
	Skipped string `json:"skipped,omitempty"`
}

// TopLimit is how many members the value page lists.
const TopLimit = 50

// Value builds the value report.
func (r *Reports) Value(ctx context.Context, actor linli.Actor, f Filter) (*ValueReport, error) {
	f, state, err := r.report(ctx, actor, f.StoreID)
	if err != nil {
		return nil, err
	}
	v := &ValueReport{State: state, StoreID: f.StoreID}
	if state.Latest != nil && state.Latest.Detail != nil {
		v.Skipped = state.Latest.Detail.BGNBDSkipped
		if v.Skipped == "" {
			v.Skipped = state.Latest.Detail.GammaSkipped
		}
	}
	p95, ok, err := r.st.Quantile(ctx, f, "clv_fen", 0.95)
	if err != nil {
		return nil, err
	}
	if ok {
		edges := clvEdges(p95 / 100)
		fen := make([]float64, len(edges))
		for i, e := range edges {
			fen[i] = e * 100
		}
		counts, err := r.st.Histogram(ctx, f, "clv_fen", fen)
		if err != nil {
			return nil, err
		}
		v.CLV = buckets(counts, edges, 0)
	} else {
		v.CLV = []Bucket{}
	}
	var counts []int
	if counts, err = r.st.Histogram(ctx, f, "p_alive", PAliveEdges); err != nil {
		return nil, err
	}
	v.PAlive = buckets(counts, PAliveEdges, 0)
	one := 1.0
	if n := len(v.PAlive); n > 0 {
		v.PAlive[n-1].Hi = &one // P(alive) is at most 1: the last bucket is closed
	}
	if v.Top, err = r.st.TopCLV(ctx, f, TopLimit); err != nil {
		return nil, err
	}
	if v.Top == nil {
		v.Top = []Scored{}
	}
	return v, nil
}

// buckets pairs counts (one more than edges) with their bounds, starting
// at lo. Trailing empty buckets are left out, so that a shop whose
// members are worth a few hundred yuan does not get a chart of empty bars.
func buckets(counts []int, edges []float64, lo float64) []Bucket {
	out := make([]Bucket, 0, len(counts))
	last := -1
	for i, n := range counts {
		b := Bucket{Lo: lo, Members: n}
		if i < len(edges) {
			hi := edges[i]
			b.Hi = &hi
			lo = hi
		}
		if n > 0 {
			last = i
		}
		out = append(out, b)
	}
	if last < 0 {
		return []Bucket{}
	}
	return out[:last+1]
}

// Reason is one reason a member is on the churn list. Text is filled by
// the caller in the reader's language from Code and the numbers.
type Reason struct {
	// Code: recency (last bought Days ago), interval (… usually every
	// EveryDays), once (bought once, Days ago), p_alive, segment.
	Code      string   `json:"code"`
	Days      int      `json:"days,omitempty"`
	EveryDays int      `json:"every_days,omitempty"`
	PAlive    *float64 `json:"p_alive,omitempty"`
	Segment   string   `json:"segment,omitempty"`
	Text      string   `json:"text"`
}

// AtRisk is one member of the churn list.
type AtRisk struct {
	Scored
	ValueAtRiskFen int64    `json:"value_at_risk_fen"`
	EveryDays      int      `json:"usual_interval_days,omitempty"`
	Reasons        []Reason `json:"reasons"`
}

// ChurnPage is one page of the churn list.
type ChurnPage struct {
	State    State    `json:"runs"`
	Filter   Filter   `json:"filter"`
	Total    int      `json:"total"`
	ValueFen int64    `json:"value_at_risk_fen"`
	Items    []AtRisk `json:"items"`
	Next     *Cursor  `json:"-"`
}

// Churn lists the members likely slipping away, the most valuable first:
// value at risk is what the member has spent (net of refunds) over the
// history the run saw.
func (r *Reports) Churn(ctx context.Context, actor linli.Actor, f Filter, after *Cursor, limit int) (*ChurnPage, error) {
	f.Churn = true
	if err := scope(actor, &f); err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	state, err := r.State(ctx, actor)
	if err != nil {
		return nil, err
	}
	p := &ChurnPage{State: state, Filter: f, Items: []AtRisk{}}
	if p.Total, p.ValueFen, err = r.st.Count(ctx, f); err != nil {
		return nil, err
	}
	rows, err := r.st.Scored(ctx, f, after, limit+1)
	if err != nil {
		return nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		p.Next = &Cursor{ValueFen: last.MonetaryFen, MemberID: last.MemberID}
	}
	var first map[int64]int
	if len(rows) > 0 && state.Latest != nil && state.Latest.Detail != nil {
		ids := make([]int64, len(rows))
		for i, s := range rows {
			ids[i] = s.MemberID
		}
		if first, err = r.st.FirstPurchaseDays(ctx, ids, state.Latest.Detail.AsOf, state.Latest.Detail.DayOffset); err != nil {
			return nil, err
		}
	}
	asOfDay := 0
	if state.Latest != nil && state.Latest.Detail != nil {
		asOfDay = AsOfDay(state.Latest.Detail.AsOf, state.Latest.Detail.DayOffset)
	}
	for _, s := range rows {
		a := AtRisk{Scored: s, ValueAtRiskFen: s.MonetaryFen}
		if d, ok := first[s.MemberID]; ok && s.Frequency > 1 {
			last := asOfDay - s.RecencyDays
			a.EveryDays = max(1, int(math.Round(float64(last-d)/float64(s.Frequency-1))))
		}
		a.Reasons = reasons(a)
		p.Items = append(p.Items, a)
	}
	return p, nil
}

// reasons says in codes why a member is on the churn list.
func reasons(a AtRisk) []Reason {
	var out []Reason
	switch {
	case a.Frequency <= 1:
		out = append(out, Reason{Code: "once", Days: a.RecencyDays})
	case a.EveryDays > 0 && a.RecencyDays > a.EveryDays:
		out = append(out, Reason{Code: "interval", Days: a.RecencyDays, EveryDays: a.EveryDays})
	default:
		out = append(out, Reason{Code: "recency", Days: a.RecencyDays})
	}
	if a.PAlive != nil {
		p := math.Round(*a.PAlive*100) / 100
		out = append(out, Reason{Code: "p_alive", PAlive: &p})
	}
	if slices.Contains(ChurnSegments, a.Segment) || a.PAlive == nil {
		out = append(out, Reason{Code: "segment", Segment: a.Segment})
	}
	return out
}

// ClusterRow is one cluster of the latest run.
type ClusterRow struct {
	Index          int      `json:"index"`
	Members        int      `json:"members"`
	Share          float64  `json:"share"`
	ZH             string   `json:"description_zh"`
	EN             string   `json:"description_en"`
	AvgFrequency   float64  `json:"avg_frequency"`
	AvgSpendFen    float64  `json:"avg_spend_fen"`
	AvgRecencyDays float64  `json:"avg_recency_days"`
	AvgMonetaryFen float64  `json:"avg_monetary_fen"`
	AvgCLVFen      *float64 `json:"avg_clv_fen"`
}

// ClusterReport is the clusters page.
type ClusterReport struct {
	State    State        `json:"runs"`
	StoreID  int64        `json:"store_id,omitempty"`
	Skipped  string       `json:"skipped,omitempty"`
	Clusters []ClusterRow `json:"clusters"`
	// All is every clustered member, to compare each cluster with.
	All *ClusterRow `json:"all,omitempty"`
}

// Clusters describes the clusters of the latest run with their members'
// average behaviour.
func (r *Reports) Clusters(ctx context.Context, actor linli.Actor, f Filter) (*ClusterReport, error) {
	f, state, err := r.report(ctx, actor, f.StoreID)
	if err != nil {
		return nil, err
	}
	rep := &ClusterReport{State: state, StoreID: f.StoreID, Clusters: []ClusterRow{}}
	desc := map[int]ClusterInfo{}
	if l := state.Latest; l != nil && l.Detail != nil {
		rep.Skipped = l.Detail.ClusterSkipped
		for _, c := range l.Detail.Clusters {
			desc[c.Index] = c
		}
	}
	stats, err := r.st.ClusterStats(ctx, f)
	if err != nil {
		return nil, err
	}
	total := 0
	var all ClusterRow
	var clvSum float64
	clvN := 0
	for _, s := range stats {
		total += s.Members
	}
	for _, s := range stats {
		row := ClusterRow{Index: s.Cluster, Members: s.Members, ZH: desc[s.Cluster].ZH, EN: desc[s.Cluster].EN,
			AvgFrequency: s.AvgFrequency, AvgSpendFen: s.AvgSpendFen, AvgRecencyDays: s.AvgRecencyDays,
			AvgMonetaryFen: s.AvgMonetaryFen, AvgCLVFen: s.AvgCLVFen}
		if total > 0 {
			row.Share = float64(s.Members) / float64(total)
		}
		w := float64(s.Members)
		all.Members += s.Members
		all.AvgFrequency += s.AvgFrequency * w
		all.AvgSpendFen += s.AvgSpendFen * w
		all.AvgRecencyDays += s.AvgRecencyDays * w
		all.AvgMonetaryFen += s.AvgMonetaryFen * w
		if s.AvgCLVFen != nil {
			clvSum += *s.AvgCLVFen * w
			clvN += s.Members
		}
		rep.Clusters = append(rep.Clusters, row)
	}
	if all.Members > 0 {
		n := float64(all.Members)
		all.Index, all.Share = -1, 1
		all.AvgFrequency /= n
		all.AvgSpendFen /= n
		all.AvgRecencyDays /= n
		all.AvgMonetaryFen /= n
		if clvN > 0 {
			v := clvSum / float64(clvN)
			all.AvgCLVFen = &v
		}
		rep.All = &all
	}
	return rep, nil
}

func roundDiv(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	return int64(math.Round(float64(a) / float64(b)))
}

// ---- audiences ----

// Audience sources.
const (
	SourceChurn   = "churn"   // the churn list with its filters
	SourceSegment = "segment" // one RFM segment
)

// Audience is a saved list of members, chosen from the scores.
type Audience struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Source    string    `json:"source"`
	Criteria  Criteria  `json:"criteria"`
	Members   int       `json:"member_count"`
	StoreID   int64     `json:"store_id,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Criteria is how an audience was chosen: the filter and the run whose
// scores it was chosen from.
type Criteria struct {
	Filter
	RunID   int64  `json:"run_id,omitempty"`
	AsOfDay string `json:"as_of_day,omitempty"`
}

// AudienceMember is one member of an audience with their current scores
// (nil when the member has none any more).
type AudienceMember struct {
	MemberID int64   `json:"member_id"`
	Score    *Scored `json:"score"`
}

// AudienceStore keeps audiences.
type AudienceStore interface {
	// CreateAudience saves a and, in the same transaction, every member
	// matching a.Criteria.Filter and an audit line; it returns the id and
	// the number of members. An empty audience is not saved: the answer is
	// an invalid-input error, code audience.empty.
	CreateAudience(ctx context.Context, a *Audience, actor linli.Actor) (int64, int, error)
	// Audiences lists audiences newest first, below id before (0: from the
	// newest); storeID 0 lists every store's.
	Audiences(ctx context.Context, storeID, before int64, limit int) ([]Audience, error)
	// Audience returns one audience, nil when there is none.
	Audience(ctx context.Context, id int64) (*Audience, error)
	// AudienceMembers lists an audience's members by id after after.
	AudienceMembers(ctx context.Context, id, after int64, limit int) ([]AudienceMember, error)
}

// AudienceInput is what creates an audience.
type AudienceInput struct {
	Name        string  `json:"name"`
	Source      string  `json:"source"`
	Segment     string  `json:"segment,omitempty"`
	MinValueFen int64   `json:"min_value_fen,omitempty"`
	PAliveBelow float64 `json:"p_alive_below,omitempty"`
	StoreID     int64   `json:"store_id,omitempty"`
}

// MaxAudienceName bounds an audience's name, in characters.
const MaxAudienceName = 100

// CreateAudience saves the members in.Source and the filter choose now as
// an audience. The churn source takes the churn list's filters; the
// segment source needs a segment.
func (r *Reports) CreateAudience(ctx context.Context, actor linli.Actor, in AudienceInput) (*Audience, error) {
	f := Filter{StoreID: in.StoreID, Segment: in.Segment, MinValueFen: in.MinValueFen, PAliveBelow: in.PAliveBelow}
	if err := scope(actor, &f); err != nil {
		return nil, err
	}
	var v linli.Validation
	name := strings.TrimSpace(in.Name)
	switch {
	case name == "":
		v.Add("name", "audience.name_required", "an audience needs a name")
	case utf8.RuneCountInString(name) > MaxAudienceName:
		v.Add("name", "audience.name_too_long", "the name is longer than %d characters", MaxAudienceName)
	}
	switch in.Source {
	case SourceChurn:
		f.Churn = true
	case SourceSegment:
		if in.Segment == "" {
			v.Add("segment", "audience.segment_required", "an audience from a segment needs the segment")
		}
		if in.PAliveBelow != 0 {
			v.Add("p_alive_below", "audience.p_alive_churn_only", "P(alive) below applies to the churn list only")
		}
	default:
		v.Add("source", "audience.source_invalid", "source must be %s or %s", SourceChurn, SourceSegment)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	state, err := r.State(ctx, actor)
	if err != nil {
		return nil, err
	}
	if state.Latest == nil {
		return nil, linli.Errorf(linli.KindConflict, "audience.no_scores", "no analysis has been run yet: run one first")
	}
	a := &Audience{Name: name, Source: in.Source, Criteria: Criteria{Filter: f, RunID: state.Latest.ID},
		StoreID: f.StoreID, CreatedBy: actor.Name, CreatedAt: r.now().UTC()}
	if d := state.Latest.Detail; d != nil {
		a.Criteria.AsOfDay = d.AsOfDay
	}
	id, n, err := r.st.CreateAudience(ctx, a, actor)
	if err != nil {
		return nil, err
	}
	a.ID, a.Members = id, n
	return a, nil
}

// Audiences lists the audiences the actor may see, newest first, and the
// cursor of the next page (0 when none).
func (r *Reports) Audiences(ctx context.Context, actor linli.Actor, before int64, limit int) ([]Audience, int64, error) {
	s := auth.Scope(actor)
	if err := auth.Require(actor, auth.ReportRead, s); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	list, err := r.st.Audiences(ctx, s, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	list, next := page(list, limit, func(a Audience) int64 { return a.ID })
	return list, next, nil
}

// Audience returns one audience the actor may see.
func (r *Reports) Audience(ctx context.Context, actor linli.Actor, id int64) (*Audience, error) {
	a, err := r.st.Audience(ctx, id)
	if err != nil {
		return nil, err
	}
	notFound := linli.Errorf(linli.KindNotFound, "audience.not_found", "audience %d not found", id)
	if a == nil {
		return nil, notFound
	}
	if err := auth.Require(actor, auth.ReportRead, a.StoreID); err != nil {
		if auth.Can(actor.Role, auth.ReportRead) {
			return nil, notFound // another store's: not even its existence
		}
		return nil, err
	}
	return a, nil
}

// AudienceMembers returns a page of an audience's members by id and the
// cursor of the next page (0 when none).
func (r *Reports) AudienceMembers(ctx context.Context, actor linli.Actor, id, after int64, limit int) ([]AudienceMember, int64, error) {
	if _, err := r.Audience(ctx, actor, id); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	list, err := r.st.AudienceMembers(ctx, id, after, limit+1)
	if err != nil {
		return nil, 0, err
	}
	list, next := page(list, limit, func(m AudienceMember) int64 { return m.MemberID })
	return list, next, nil
}

// page cuts list, read with one row more than limit, to limit and returns
// the cursor of the next page (the last row's key; 0 when there is none).
// An empty page is an empty slice, so that JSON says [] rather than null.
func page[T any](list []T, limit int, key func(T) int64) ([]T, int64) {
	var next int64
	if len(list) > limit {
		list = list[:limit]
		next = key(list[limit-1])
	}
	if list == nil {
		list = []T{}
	}
	return list, next
}

// String is the filter in a few words, for logs and audit lines.
func (f Filter) String() string {
	var parts []string
	if f.StoreID != 0 {
		parts = append(parts, fmt.Sprintf("store %d", f.StoreID))
	}
	if f.Churn {
		parts = append(parts, fmt.Sprintf("churn, P(alive) < %g", f.PAliveBelow))
	}
	if f.Segment != "" {
		parts = append(parts, "segment "+f.Segment)
	}
	if f.MinValueFen > 0 {
		parts = append(parts, fmt.Sprintf("value ≥ %d fen", f.MinValueFen))
	}
	if len(parts) == 0 {
		return "all scored members"
	}
	return strings.Join(parts, ", ")
}
