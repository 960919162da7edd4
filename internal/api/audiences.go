package api

import (
	"net/http"

	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/server"
)

// AudiencePage is GET audiences.
type AudiencePage struct {
	Items      []analysis.Audience `json:"items"`
	NextCursor *string             `json:"next_cursor"`
}

// AudienceMemberItem is one member of an audience: masked as in member
// lists, with the member's current scores (null when none).
type AudienceMemberItem struct {
	MemberID int64            `json:"member_id"`
	CardNo   string           `json:"card_no"`
	Name     string           `json:"name"`
	Phone    string           `json:"phone"`
	Status   string           `json:"status"`
	Score    *analysis.Scored `json:"score"`
}

// AudienceMemberPage is GET audiences/{id}/members.
type AudienceMemberPage struct {
	Audience   analysis.Audience    `json:"audience"`
	Items      []AudienceMemberItem `json:"items"`
	NextCursor *string              `json:"next_cursor"`
}

func (x *API) listAudiences(w http.ResponseWriter, r *http.Request) {
	before, err := decodeCursor(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	list, next, err := x.reports().Audiences(r.Context(), server.Actor(r), before, int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, AudiencePage{Items: list, NextCursor: encodeCursor(next)})
}

// createAudience saves the members the criteria choose now.
func (x *API) createAudience(w http.ResponseWriter, r *http.Request) {
	var in analysis.AudienceInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	a, err := x.reports().CreateAudience(r.Context(), server.Actor(r), in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	created(w, "audiences", a.ID, a)
}

func (x *API) getAudience(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "audience.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	a, err := x.reports().Audience(r.Context(), server.Actor(r), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, a)
}

func (x *API) audienceMembers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "audience.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	after, err := decodeCursor(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	rep := x.reports()
	a, err := rep.Audience(ctx, actor, id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	list, next, err := rep.AudienceMembers(ctx, actor, id, after, int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	out := AudienceMemberPage{Audience: *a, Items: []AudienceMemberItem{}, NextCursor: encodeCursor(next)}
	for _, m := range list {
		it := AudienceMemberItem{MemberID: m.MemberID, Score: m.Score}
		if mm, err := x.app.Members.Get(ctx, actor, m.MemberID, member.View{}); err == nil {
			it.CardNo, it.Name, it.Phone, it.Status = mm.CardNo, mm.Name, mm.Phone, mm.Status
		}
		out.Items = append(out.Items, it)
	}
	server.JSON(w, http.StatusOK, out)
}

// analyticsOps are the analytics and audience endpoints.
func (x *API) analyticsOps() []op {
	const (
		analyticsT = "analytics"
		audiences  = "audiences"
	)
	p := Prefix
	storeQ := param{name: "store_id", typ: "integer", desc: "Only members whose home store this is; a store-bound caller always gets their own store."}
	runsNote := " runs says which run the figures come from (latest), the run going now (current) and the last failure since (failed)."
	return []op{
		{method: "GET", path: p + "/analytics/segments", access: server.Any, perm: auth.ReportRead, handler: x.analyticsSegments,
			id: "getAnalyticsSegments", tag: analyticsT, summary: "RFM segments, the R × F grid and value classes", resp: "AnalyticsSegments",
			query: []param{storeQ},
			desc: "The members scored by the latest analysis run, per RFM segment (members, share, total and average spend, average CLV, " +
				"what to do in both languages), as an R × F grid (rf_grid[R−1][F−1]) and per value class." + runsNote},
		{method: "GET", path: p + "/analytics/value", access: server.Any, perm: auth.ReportRead, handler: x.analyticsValue,
			id: "getAnalyticsValue", tag: analyticsT, summary: "CLV and P(alive) distributions, the 50 most valuable members", resp: "AnalyticsValue",
			query: []param{storeQ},
			desc: "clv_yuan counts members by 12-month customer lifetime value in yuan buckets (trailing empty buckets left out; " +
				"the last may be open, hi null); p_alive by tenths. top lists the 50 members with the highest CLV, names masked." + runsNote},
		{method: "GET", path: p + "/analytics/churn", access: server.Any, perm: auth.ReportRead, handler: x.analyticsChurn,
			id: "getAnalyticsChurn", tag: analyticsT, summary: "Members likely slipping away, the most valuable first", resp: "AnalyticsChurn",
			query: append([]param{storeQ,
				{name: "segment", typ: "string", enum: analysis.SegmentKeys(), desc: "Only this RFM segment."},
				{name: "min_value_fen", typ: "integer", desc: "Only members who have spent at least this much."},
				{name: "p_alive_below", typ: "number", desc: "P(alive) bound, above 0 and at most 1 (default 0.5)."},
			}, pageParams...),
			desc: "Members whose P(alive) is below p_alive_below, or — where the purchase model gave no P(alive) — in the segments " +
				"at_risk, cant_lose and about_to_sleep, ordered by value at risk (spend so far, net of refunds), then member id. " +
				"Each carries its reasons as codes with their numbers and a sentence in the caller's language. total and " +
				"value_at_risk_fen cover the whole list, not the page. Names are masked." + runsNote},
		{method: "GET", path: p + "/analytics/clusters", access: server.Any, perm: auth.ReportRead, handler: x.analyticsClusters,
			id: "getAnalyticsClusters", tag: analyticsT, summary: "Behaviour clusters of the latest run with their averages", resp: "AnalyticsClusters",
			query: []param{storeQ},
			desc: "Each cluster's size, its description in both languages and its members' average purchase days, spend per purchase day, " +
				"days since the last purchase, total spend and CLV; all averages every clustered member." + runsNote},
		{method: "GET", path: p + "/analytics/runs", access: server.Any, perm: auth.ReportRead, handler: x.analyticsRuns,
			id: "listAnalysisRuns", tag: analyticsT, summary: "Recent analysis runs with their progress", resp: "AnalysisRunList",
			query: []param{{name: "limit", typ: "integer", desc: "Runs at most, 1–100 (default 20)."}},
			desc: "Newest first. A running run reports its phase (reading, scoring, writing) and done of total; one that stopped " +
				"reporting for 15 minutes is shown as interrupted."},
		{method: "POST", path: p + "/analytics/runs", access: server.Staff, perm: auth.SettingsManage, handler: x.startAnalysisRun,
			id: "startAnalysisRun", tag: analyticsT, summary: "Start an analysis run in the background", status: http.StatusAccepted,
			resp: "AnalysisRun", errs: []int{409},
			desc: "Scores every member on the sales up to now, as the nightly job does, and answers the run as started; follow it " +
				"with GET analytics/runs. While a run is going (started here, by the nightly job or from the command line) " +
				"the answer is 409 analysis.running. The start is audited."},

		{method: "GET", path: p + "/audiences", access: server.Any, perm: auth.ReportRead, handler: x.listAudiences,
			id: "listAudiences", tag: audiences, summary: "Saved audiences, newest first", resp: "AudiencePage", query: pageParams,
			desc: "A store-bound caller sees their store's audiences only."},
		{method: "POST", path: p + "/audiences", access: server.Any, perm: auth.ReportRead, handler: x.createAudience,
			id: "createAudience", tag: audiences, summary: "Save the members chosen from the scores as an audience", body: "AudienceInput",
			status: http.StatusCreated, resp: "Audience", located: true, errs: []int{409},
			desc: "source churn saves the whole churn list with the given filters (segment, min_value_fen, p_alive_below); source " +
				"segment saves one segment (segment required, min_value_fen optional). The members are those of the latest run's " +
				"scores, and the criteria are kept with that run's id. No member matching is 422 audience.empty; no run yet is " +
				"409 audience.no_scores. Audited. Erasing a member takes it out of every audience; merging moves it to the survivor."},
		{method: "GET", path: p + "/audiences/{id}", access: server.Any, perm: auth.ReportRead, handler: x.getAudience,
			id: "getAudience", tag: audiences, summary: "Get an audience", resp: "Audience"},
		{method: "GET", path: p + "/audiences/{id}/members", access: server.Any, perm: auth.ReportRead, handler: x.audienceMembers,
			id: "listAudienceMembers", tag: audiences, summary: "An audience's members by id, with their current scores",
			resp: "AudienceMemberPage", query: pageParams, desc: "Names and phone numbers are masked."},
	}
}
