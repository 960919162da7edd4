package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/insight"
	"github.com/linli/linli/internal/server"
)

// insightTag groups the sales analyses in the document.
const insightTag = "analytics"

// insightOps are the sales analyses: association rules, lifecycle, groups,
// habits and forecasts, all read-only and cached for a few minutes.
func (x *API) insightOps() []op {
	p := Prefix + "/analytics"
	period := []param{
		{name: "from", typ: "string", desc: "First day, YYYY-MM-DD in the store's time zone."},
		{name: "to", typ: "string", desc: "Last day, included; default today."},
	}
	store := param{name: "store_id", typ: "integer", desc: "Only this store; a store-bound caller gets their own store."}
	cache := fmt.Sprintf(" Results are cached per set of parameters: for %d minutes as they are; after that, up to %d hours old, "+
		"the last result is answered at once while a fresh one is computed for the next request. "+
		"bounds says which period a result covers and when it was computed.",
		int(insight.CacheTTL.Minutes()), int(insight.MaxStale.Hours()))
	return []op{
		{method: "GET", path: p + "/rules", access: server.Any, perm: auth.ReportRead, handler: x.insightRules,
			id: "getBasketRules", tag: insightTag, summary: "Association rules of the store's baskets", resp: "BasketRules",
			desc: "Frequent itemsets (at most 4 items) of the period's counted sales (default the last 90 days) and the rules " +
				"lhs ⇒ rhs between them, with support, confidence and lift. Bad parameters are 422 with the field at fault; " +
				"a support so low that the itemsets exceed the limit is 422 insight.support_too_low." + cache,
			query: append(append([]param{}, period...), store,
				param{name: "level", typ: "string", enum: insight.Levels, desc: "Items are products (default) or categories."},
				param{name: "min_support", typ: "number", desc: fmt.Sprintf("Least share of baskets, %g–1; default %g for products, %g for categories.",
					insight.MinSupportFloor, insight.DefaultProductSupport, insight.DefaultCategorySupport)},
				param{name: "min_confidence", typ: "number", desc: fmt.Sprintf("0–1, default %g.", insight.DefaultMinConfidence)},
				param{name: "min_lift", typ: "number", desc: fmt.Sprintf("Default %g for products, %g for categories.",
					insight.DefaultProductLift, insight.DefaultCategoryLift)},
				param{name: "item", typ: "string", desc: "Only rules with an item whose code or name contains this."},
				param{name: "sort", typ: "string", enum: insight.Sorts, desc: "Descending; default lift."},
				param{name: "limit", typ: "integer", desc: fmt.Sprintf("Rules at most, 1–%d (default %d).", insight.MaxRuleLimit, insight.DefaultRuleLimit)})},
		{method: "GET", path: p + "/lifecycle", access: server.Any, perm: auth.ReportRead, handler: x.insightLifecycle,
			id: "getLifecycle", tag: insightTag, summary: "Members per lifecycle stage per month, and the flows between stages",
			resp: "Lifecycle",
			desc: "Stages (prospect, new, active, loyal, at risk, lapsed, won back; absent before registration) at the end of each " +
				"of the last months, the current one up to today, and the members moving between stages from one month to the next." + cache,
			query: []param{store, {name: "months", typ: "integer", desc: fmt.Sprintf("Months shown, 2–%d (default %d).",
				insight.MaxLifecycleMonths, insight.LifecycleMonths)}}},
		{method: "GET", path: p + "/groups", access: server.Any, perm: auth.ReportRead, handler: x.insightGroups,
			id: "getMemberGroups", tag: insightTag, summary: "Members, buyers and spend by age band, gender and area",
			resp: "MemberGroups",
			desc: "Active and inactive members (for a store: registered there or buying there in the period) with their counted " +
				"sales in the period (default the last 90 days). Ages come from the birth year." + cache,
			query: append(append([]param{}, period...), store)},
		{method: "GET", path: p + "/habits", access: server.Any, perm: auth.ReportRead, handler: x.insightHabits,
			id: "getShoppingHabits", tag: insightTag, summary: "When and how customers shop: hour × weekday, categories, basket sizes",
			resp: "ShoppingHabits",
			desc: "Visits per weekday and hour in the store's time zone, the busiest hours, category shares, basket sizes and " +
				"members' preferred part of the day, over the period (default the last 90 days)." + cache,
			query: append(append([]param{}, period...), store)},
		{method: "GET", path: p + "/forecast", access: server.Any, perm: auth.ReportRead, handler: x.insightForecast,
			id: "getCategoryForecast", tag: insightTag, summary: "Weekly sales forecast per category with 80 % and 95 % intervals",
			resp: "CategoryForecasts",
			desc: "Exponential smoothing (the model picked by AICc) of each category's weekly sales (Monday to Sunday, the " +
				"current week left out), the forecast with its intervals, and the hold-out MASE of the model next to that of " +
				"the seasonal naive forecast on the same weeks." + cache,
			query: []param{store,
				{name: "weeks", typ: "integer", desc: fmt.Sprintf("Weeks of history, %d–%d (default %d).",
					insight.MinHistoryWeeks, insight.MaxHistoryWeeks, insight.DefaultHistoryWeeks)},
				{name: "horizon", typ: "integer", desc: fmt.Sprintf("Weeks ahead, 1–%d (default %d).", insight.MaxHorizon, insight.DefaultHorizon)},
				{name: "category", typ: "string", desc: "Only this category."}}},
	}
}

// insightStore applies the caller's store scope to the store asked for.
func insightStore(r *http.Request, storeID int64) (int64, error) {
	return insight.ScopeStore(storeID, auth.Scope(server.Actor(r)))
}

// serveInsight parses, scopes, runs and answers one analysis.
func serveInsight[Q any, R any](x *API, parse func(url.Values) (Q, error), store func(*Q) *int64,
	run func(context.Context, Q) (*R, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parse(r.URL.Query())
		if err != nil {
			x.fail(w, r, err)
			return
		}
		id := store(&q)
		if *id, err = insightStore(r, *id); err != nil {
			x.fail(w, r, err)
			return
		}
		res, err := run(r.Context(), q)
		if err != nil {
			x.fail(w, r, err)
			return
		}
		server.JSON(w, http.StatusOK, res)
	}
}

func (x *API) insightRules(w http.ResponseWriter, r *http.Request) {
	serveInsight(x, insight.ParseRulesQuery, func(q *insight.RulesQuery) *int64 { return &q.StoreID }, x.app.Insights.Rules)(w, r)
}

func (x *API) insightLifecycle(w http.ResponseWriter, r *http.Request) {
	serveInsight(x, insight.ParseLifecycleQuery, func(q *insight.LifecycleQuery) *int64 { return &q.StoreID }, x.app.Insights.Lifecycle)(w, r)
}

func (x *API) insightGroups(w http.ResponseWriter, r *http.Request) {
	serveInsight(x, insight.ParseGroupsQuery, func(q *insight.GroupsQuery) *int64 { return &q.StoreID }, x.app.Insights.Groups)(w, r)
}

func (x *API) insightHabits(w http.ResponseWriter, r *http.Request) {
	serveInsight(x, insight.ParseHabitsQuery, func(q *insight.HabitsQuery) *int64 { return &q.StoreID }, x.app.Insights.Habits)(w, r)
}

func (x *API) insightForecast(w http.ResponseWriter, r *http.Request) {
	serveInsight(x, insight.ParseForecastQuery, func(q *insight.ForecastQuery) *int64 { return &q.StoreID }, x.app.Insights.Forecast)(w, r)
}
