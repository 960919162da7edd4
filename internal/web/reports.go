package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/audit"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/store"
)

type dashboardData struct {
	Members member.Counts
	Stores  int // active stores
	// Today's and this month's sales, of the viewer's store when they
	// are bound to one; shown to those who may read reports.
	ShowSales    bool
	Today, Month sales.Summary
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request) {
	t := c.app.Now().In(displayZone)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, displayZone)
	month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, displayZone)
	n, err := c.app.Members.Counts(r.Context(), month)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := dashboardData{Members: n, ShowSales: server.Can(r, auth.ReportRead)}
	if d.ShowSales {
		scope := auth.Scope(server.Actor(r))
		if d.Today, err = c.app.Sales.Summary(r.Context(), scope, today, today.AddDate(0, 0, 1)); err == nil {
			d.Month, err = c.app.Sales.Summary(r.Context(), scope, month, month.AddDate(0, 1, 0))
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
	}
	stores, err := c.app.Shops.List(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, st := range stores {
		if st.Active {
			d.Stores++
		}
	}
	c.render(w, r, http.StatusOK, "dashboard", "web.dashboard.title", d)
}

type qualityRow struct {
	member.QualityCounts
	Store string
}

type qualityData struct {
	Rows []qualityRow
}

func (c *Console) quality(w http.ResponseWriter, r *http.Request) {
	qs, err := c.app.Members.Quality(r.Context())
	if err != nil {
		c.fail(w, r, err)
		return
	}
	names := c.storeNames(r)
	scope := auth.Scope(server.Actor(r))
	var d qualityData
	for i, q := range qs {
		row := qualityRow{QualityCounts: q, Store: names[q.StoreID]}
		switch {
		case i == 0:
			if scope != 0 {
				continue // a store-bound viewer sees their store, not the chain
			}
			row.Store = c.t(r, "web.quality.all_stores")
		case scope != 0 && q.StoreID != scope:
			continue
		case q.StoreID == 0:
			row.Store = c.t(r, "web.quality.no_store")
		}
		d.Rows = append(d.Rows, row)
	}
	c.render(w, r, http.StatusOK, "quality", "web.quality.title", d)
}

type duplicatesData struct {
	Groups []member.DuplicateGroup
}

func (c *Console) duplicates(w http.ResponseWriter, r *http.Request) {
	gs, err := c.app.Members.Duplicates(r.Context(), server.Actor(r), 100, member.View{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "duplicates", "web.duplicates.title", duplicatesData{Groups: gs})
}

type mergeData struct {
	From, Into *member.Member
}

// merge takes the group's ids and the survivor. Without confirm=yes it
// shows what will happen; with it, every other member of the group is
// merged into the survivor.
func (c *Console) merge(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), server.Actor(r)
	into, err1 := strconv.ParseInt(r.FormValue("into"), 10, 64)
	from, err2 := strconv.ParseInt(r.FormValue("from"), 10, 64)
	if r.FormValue("from") == "" {
		// The duplicates page posts the group and the chosen survivor.
		for _, s := range r.Form["id"] {
			if id, err := strconv.ParseInt(s, 10, 64); err == nil && id != into {
				from, err2 = id, nil
				break
			}
		}
	}
	if err1 != nil || err2 != nil || into <= 0 || from <= 0 {
		c.fail(w, r, linli.Invalid("member.merge_pick", "into", "pick the record to keep"))
		return
	}
	if r.FormValue("confirm") != "yes" {
		a, err := c.app.Members.Get(ctx, actor, from, member.View{})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		b, err := c.app.Members.Get(ctx, actor, into, member.View{})
		if err != nil {
			c.fail(w, r, err)
			return
		}
		c.render(w, r, http.StatusOK, "merge_confirm", "web.merge.title", mergeData{From: a, Into: b})
		return
	}
	if err := c.app.Members.Merge(ctx, actor, from, into); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, "/members/"+strconv.FormatInt(into, 10), "merged")
}

type auditData struct {
	Action, Entity, ID string
	Entries            []audit.Entry
	NextURL            string
	Error              string
	Actions            []string
}

// auditActions are offered as suggestions in the action filter.
var auditActions = []string{
	"auth.login", "auth.login_failed", "auth.logout", "member.create", "member.update", "member.unmask",
	"member.export", "member.erase", "member.merge", "member.tags", "member.deactivate", "member.reactivate",
	"member.import.create", "staff.create", "staff.update", "staff.password_reset", "staff.deactivate",
	"apikey.create", "apikey.revoke", "store.create", "store.update",
}

func (c *Console) audit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Action: strings.TrimSpace(q.Get("action")), Entity: strings.TrimSpace(q.Get("entity")),
		ID: strings.TrimSpace(q.Get("id")), Actions: auditActions}
	f := audit.Filter{Action: d.Action, Entity: d.Entity, Limit: 50}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	if d.ID != "" {
		id, err := strconv.ParseInt(d.ID, 10, 64)
		if err != nil || id <= 0 {
			d.Error = c.t(r, "web.audit.bad_filter")
			c.render(w, r, http.StatusUnprocessableEntity, "audit", "web.audit.title", d)
			return
		}
		f.EntityID = id
	}
	es, next, err := audit.Page(r.Context(), store.NewAuditLog(c.app.DB), server.Actor(r), f)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if next != 0 {
		v := q
		v.Set("before", strconv.FormatInt(next, 10))
		d.NextURL = "/audit?" + v.Encode()
	}
	d.Entries = es
	c.render(w, r, http.StatusOK, "audit", "web.audit.title", d)
}
