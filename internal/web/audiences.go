package web

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/server"
)

type audienceRow struct {
	analysis.Audience
	Criteria string // in words
	Store    string
}

type audiencesData struct {
	Audiences []audienceRow
	NextURL   string
}

// criteriaText says in lang how an audience was chosen.
func criteriaText(lang string, c *Console, r *http.Request, cr analysis.Criteria, stores map[int64]string) string {
	var parts []string
	if cr.Churn {
		parts = append(parts, c.t(r, "web.audiences.crit_churn", strconv.FormatFloat(cr.PAliveBelow, 'f', -1, 64)))
	}
	if cr.Segment != "" {
		parts = append(parts, c.t(r, "web.audiences.crit_segment", analysis.SegmentLabel(lang, cr.Segment)))
	}
	if cr.MinValueFen > 0 {
		parts = append(parts, c.t(r, "web.audiences.crit_min_value", yuan(cr.MinValueFen)))
	}
	if cr.StoreID != 0 {
		parts = append(parts, stores[cr.StoreID])
	}
	if cr.AsOfDay != "" {
		parts = append(parts, c.t(r, "web.audiences.crit_as_of", cr.AsOfDay))
	}
	return strings.Join(parts, " · ")
}

func (c *Console) audienceList(w http.ResponseWriter, r *http.Request) {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, next, err := c.reports().Audiences(r.Context(), server.Actor(r), before, 50)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	stores := c.storeNames(r)
	lang := c.lang(r)
	var d audiencesData
	for _, a := range list {
		d.Audiences = append(d.Audiences, audienceRow{Audience: a, Criteria: criteriaText(lang, c, r, a.Criteria, stores), Store: stores[a.StoreID]})
	}
	if next != 0 {
		d.NextURL = fmt.Sprintf("/audiences?before=%d", next)
	}
	c.render(w, r, http.StatusOK, "audiences", "web.audiences.title", d)
}

// audienceCreate saves the churn list (or a segment) as an audience. Bad
// input shows the churn page again with the reason; nothing is saved.
func (c *Console) audienceCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, linli.Invalid("form.invalid", "form", "the form could not be read"))
		return
	}
	lang := c.lang(r)
	sf, err := c.storeFilter(r)
	if err != nil {
		_, general, ok := formErrors(lang, err)
		if !ok {
			c.fail(w, r, err)
			return
		}
		c.renderChurn(w, r, http.StatusUnprocessableEntity, general, r.PostFormValue("name"))
		return
	}
	in := analysis.AudienceInput{Name: r.PostFormValue("name"), Source: r.PostFormValue("source"), StoreID: sf.StoreID}
	f, _, err := churnFilter(r.PostForm, sf)
	if err == nil {
		in.Segment, in.MinValueFen = f.Segment, f.MinValueFen
		if in.Source == analysis.SourceChurn {
			in.PAliveBelow = f.PAliveBelow
		}
		var a *analysis.Audience
		if a, err = c.reports().CreateAudience(r.Context(), server.Actor(r), in); err == nil {
			redirect(w, r, fmt.Sprintf("/audiences/%d", a.ID), "created")
			return
		}
	}
	e, ok := linli.AsError(err)
	if !ok || e.Kind == linli.KindInternal || e.Kind == linli.KindForbidden {
		c.fail(w, r, err)
		return
	}
	_, general, _ := formErrors(lang, err)
	c.renderChurn(w, r, server.Status(e.Kind), general, in.Name)
}

type audienceMemberRow struct {
	MemberID int64
	Card     string
	Name     string
	Phone    string
	Status   string
	Score    *analysis.Scored
	Segment  string
	PAlive   string
}

type audienceData struct {
	Audience  analysis.Audience
	Criteria  string
	Store     string
	Members   []audienceMemberRow
	NextURL   string
	CanExport bool
}

func (c *Console) loadAudience(w http.ResponseWriter, r *http.Request) (*analysis.Audience, bool) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	a, err := c.reports().Audience(r.Context(), server.Actor(r), id)
	if err != nil {
		c.fail(w, r, err)
		return nil, false
	}
	return a, true
}

func (c *Console) audienceMemberRow(r *http.Request, m analysis.AudienceMember) audienceMemberRow {
	row := audienceMemberRow{MemberID: m.MemberID, Score: m.Score}
	if m.Score != nil {
		row.Segment, row.PAlive = analysis.SegmentLabel(c.lang(r), m.Score.Segment), decimals(m.Score.PAlive, 2)
	}
	if mm, err := c.app.Members.Get(r.Context(), server.Actor(r), m.MemberID, member.View{}); err == nil {
		row.Card, row.Name, row.Phone, row.Status = mm.CardNo, mm.Name, mm.Phone, mm.Status
	}
	return row
}

func (c *Console) audienceShow(w http.ResponseWriter, r *http.Request) {
	a, ok := c.loadAudience(w, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	ms, next, err := c.reports().AudienceMembers(r.Context(), server.Actor(r), a.ID, max(after, 0), 50)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	stores := c.storeNames(r)
	d := audienceData{Audience: *a, Criteria: criteriaText(c.lang(r), c, r, a.Criteria, stores), Store: stores[a.StoreID],
		CanExport: server.Can(r, auth.MemberExport)}
	for _, m := range ms {
		d.Members = append(d.Members, c.audienceMemberRow(r, m))
	}
	if next != 0 {
		d.NextURL = fmt.Sprintf("/audiences/%d?after=%d", a.ID, next)
	}
	c.render(w, r, http.StatusOK, "audience", "web.audiences.one_title", d)
}

// audienceExport writes the audience as CSV, masked as the member list
// shows it, with a byte order mark so that Excel reads the UTF-8.
func (c *Console) audienceExport(w http.ResponseWriter, r *http.Request) {
	a, ok := c.loadAudience(w, r)
	if !ok {
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	first, next, err := c.reports().AudienceMembers(ctx, actor, a.ID, 0, 1000)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	server.Attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("audience-%d.csv", a.ID))
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{c.t(r, "web.audiences.col_member_id"), c.t(r, "web.member.card_no"), c.t(r, "web.member.name"),
		c.t(r, "web.member.phone"), c.t(r, "web.analytics.col.segment"), c.t(r, "web.analytics.col.value_class"),
		c.t(r, "web.analytics.col.monetary"), c.t(r, "web.analytics.col.clv"), c.t(r, "web.analytics.col.p_alive")})
	page := first
	for {
		for _, m := range page {
			row := c.audienceMemberRow(r, m)
			rec := []string{strconv.FormatInt(m.MemberID, 10), row.Card, row.Name, row.Phone, row.Segment, "", "", "", ""}
			if s := m.Score; s != nil {
				rec[5] = tvText(c, r, "web.analytics.class.", s.ValueClass)
				rec[6] = yuan(s.MonetaryFen)
				if s.CLVFen != nil {
					rec[7] = yuan(*s.CLVFen)
				}
				if s.PAlive != nil {
					rec[8] = strconv.FormatFloat(*s.PAlive, 'f', 3, 64)
				}
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
		if next == 0 {
			break
		}
		if page, next, err = c.reports().AudienceMembers(ctx, actor, a.ID, next, 1000); err != nil {
			// The header is out: the file is cut short, and the log says why.
			slog.Error("web: audience export cut short", "audience", a.ID, "err", err)
			return
		}
	}
	cw.Flush()
}

func tvText(c *Console, r *http.Request, prefix, v string) string {
	return c.t(r, prefix+v)
}
