package api

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/store"
)

// ScoredMember is a member's scores with the card number and the name,
// masked as in member lists.
type ScoredMember struct {
	analysis.Scored
	CardNo string `json:"card_no"`
	Name   string `json:"name"`
}

// ValueAnswer is GET analytics/value.
type ValueAnswer struct {
	Runs    analysis.State    `json:"runs"`
	StoreID int64             `json:"store_id,omitempty"`
	CLV     []analysis.Bucket `json:"clv_yuan"`
	PAlive  []analysis.Bucket `json:"p_alive"`
	Top     []ScoredMember    `json:"top"`
	Skipped string            `json:"skipped,omitempty"`
}

// ChurnItem is one member of the churn list.
type ChurnItem struct {
	analysis.AtRisk
	CardNo string `json:"card_no"`
	Name   string `json:"name"`
}

// ChurnAnswer is GET analytics/churn.
type ChurnAnswer struct {
	Runs           analysis.State  `json:"runs"`
	Filter         analysis.Filter `json:"filter"`
	Total          int             `json:"total"`
	ValueAtRiskFen int64           `json:"value_at_risk_fen"`
	Items          []ChurnItem     `json:"items"`
	NextCursor     *string         `json:"next_cursor"`
}

// RunList is GET analytics/runs.
type RunList struct {
	Items []analysis.RunRecord `json:"items"`
}

func (x *API) reports() *analysis.Reports {
	return analysis.NewReports(store.NewAnalytics(x.app.DB), x.app.Now)
}

// storeQuery reads ?store_id=.
func storeQuery(r *http.Request) (int64, error) {
	return queryInt(r, "store_id", 1, math.MaxInt64)
}

// scored adds card numbers and masked names through the member service.
func (x *API) scored(r *http.Request, s analysis.Scored) (card, name string) {
	m, err := x.app.Members.Get(r.Context(), server.Actor(r), s.MemberID, member.View{})
	if err != nil {
		return "", ""
	}
	return m.CardNo, m.Name
}

func (x *API) analyticsSegments(w http.ResponseWriter, r *http.Request) {
	sid, err := storeQuery(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	o, err := x.reports().Segments(r.Context(), server.Actor(r), analysis.Filter{StoreID: sid})
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, o)
}

func (x *API) analyticsValue(w http.ResponseWriter, r *http.Request) {
	sid, err := storeQuery(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	v, err := x.reports().Value(r.Context(), server.Actor(r), analysis.Filter{StoreID: sid})
	if err != nil {
		x.fail(w, r, err)
		return
	}
	out := ValueAnswer{Runs: v.State, StoreID: v.StoreID, CLV: v.CLV, PAlive: v.PAlive, Skipped: v.Skipped, Top: []ScoredMember{}}
	for _, s := range v.Top {
		card, name := x.scored(r, s)
		out.Top = append(out.Top, ScoredMember{Scored: s, CardNo: card, Name: name})
	}
	server.JSON(w, http.StatusOK, out)
}

// Churn cursors carry the last value and member id of the page.
const churnCursorTag = "r1:"

func encodeChurnCursor(c *analysis.Cursor) *string {
	if c == nil {
		return nil
	}
	s := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s%d:%d", churnCursorTag, c.ValueFen, c.MemberID)))
	return &s
}

func decodeChurnCursor(r *http.Request) (*analysis.Cursor, error) {
	s := strings.TrimSpace(r.URL.Query().Get("cursor"))
	if s == "" {
		return nil, nil
	}
	bad := linli.Invalid("request.cursor_invalid", "cursor", "the cursor is not one this server gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	rest, ok := strings.CutPrefix(string(b), churnCursorTag)
	if !ok {
		return nil, bad
	}
	v, id, ok := strings.Cut(rest, ":")
	val, err1 := strconv.ParseInt(v, 10, 64)
	mid, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || mid <= 0 {
		return nil, bad
	}
	return &analysis.Cursor{ValueFen: val, MemberID: mid}, nil
}

// churnFilter reads the churn list's query parameters.
func churnFilter(r *http.Request) (analysis.Filter, error) {
	q := r.URL.Query()
	f := analysis.Filter{Segment: strings.TrimSpace(q.Get("segment")), Churn: true}
	var err error
	if f.StoreID, err = storeQuery(r); err != nil {
		return f, err
	}
	if f.MinValueFen, err = queryInt(r, "min_value_fen", 0, math.MaxInt64); err != nil {
		return f, err
	}
	if s := strings.TrimSpace(q.Get("p_alive_below")); s != "" {
		p, perr := strconv.ParseFloat(s, 64)
		if perr != nil || math.IsNaN(p) || p <= 0 || p > 1 {
			return f, linli.Invalid("analysis.p_alive_invalid", "p_alive_below", "p_alive_below must be a number above 0 and at most 1")
		}
		f.PAliveBelow = p
	}
	return f, nil
}

func (x *API) analyticsChurn(w http.ResponseWriter, r *http.Request) {
	f, err := churnFilter(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	after, err := decodeChurnCursor(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	p, err := x.reports().Churn(r.Context(), server.Actor(r), f, after, int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	lang := server.Lang(r)
	out := ChurnAnswer{Runs: p.State, Filter: p.Filter, Total: p.Total, ValueAtRiskFen: p.ValueFen, Items: []ChurnItem{},
		NextCursor: encodeChurnCursor(p.Next)}
	for _, it := range p.Items {
		for i := range it.Reasons {
			it.Reasons[i].Text = it.Reasons[i].Words(lang)
		}
		card, name := x.scored(r, it.Scored)
		out.Items = append(out.Items, ChurnItem{AtRisk: it, CardNo: card, Name: name})
	}
	server.JSON(w, http.StatusOK, out)
}

func (x *API) analyticsClusters(w http.ResponseWriter, r *http.Request) {
	sid, err := storeQuery(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	c, err := x.reports().Clusters(r.Context(), server.Actor(r), analysis.Filter{StoreID: sid})
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, c)
}

func (x *API) analyticsRuns(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 1, 100)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	runs, err := x.reports().Runs(r.Context(), server.Actor(r), int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, RunList{Items: runs})
}

// startAnalysisRun starts a run in the background and answers it as
// recorded; follow it with GET analytics/runs.
func (x *API) startAnalysisRun(w http.ResponseWriter, r *http.Request) {
	id, err := x.app.Analysis.Start(r.Context(), server.Actor(r), x.app.Now())
	if err != nil {
		x.fail(w, r, err)
		return
	}
	run, err := x.reports().Run(r.Context(), server.Actor(r), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusAccepted, run)
}
