package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/shop"
	"rsc.io/qr"
)

// ---- list and search ----

type memberListData struct {
	Query   string
	Status  string
	Tag     string
	Area    string
	Members []*member.Member
	Next    int64  // cursor of the next page, 0 when none
	NextURL string // the list URL for the next page
	Search  bool   // the rows are search results, not a page of the list
	Error   string
	Stores  map[int64]string
}

var memberStatuses = []string{member.StatusActive, member.StatusInactive, member.StatusMerged, member.StatusErased, "all"}

func (c *Console) memberList(w http.ResponseWriter, r *http.Request) {
	ctx, actor, q := r.Context(), server.Actor(r), r.URL.Query()
	d := memberListData{Query: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Tag: strings.TrimSpace(q.Get("tag")),
		Area: strings.TrimSpace(q.Get("area")), Stores: c.storeNames(r)}
	if !slices.Contains(memberStatuses, d.Status) {
		d.Status = member.StatusActive
	}
	if d.Query != "" {
		d.Search = true
		ms, err := c.app.Members.Search(ctx, actor, d.Query, member.View{})
		if err != nil {
			_, general, ok := formErrors(c.lang(r), err)
			if !ok {
				c.fail(w, r, err)
				return
			}
			d.Error = general
		}
		// At the till the usual search is one phone number: go straight
		// to the member.
		if len(ms) == 1 {
			http.Redirect(w, r, fmt.Sprintf("/members/%d", ms[0].ID), http.StatusSeeOther)
			return
		}
		d.Members = ms
		c.render(w, r, http.StatusOK, "members", "web.members.title", d)
		return
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	ms, next, err := c.app.Members.List(ctx, actor, member.Filter{Status: d.Status, Tag: d.Tag, Area: d.Area, After: after, Limit: 50}, member.View{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d.Members, d.Next = ms, next
	if next != 0 {
		v := q
		v.Set("after", strconv.FormatInt(next, 10))
		v.Del("done")
		d.NextURL = "/members?" + v.Encode()
	}
	c.render(w, r, http.StatusOK, "members", "web.members.title", d)
}

// storeNames maps store ids to names for tables; a failure only costs the
// names, so it is logged by the caller's page, not fatal.
func (c *Console) storeNames(r *http.Request) map[int64]string {
	out := map[int64]string{}
	list, err := c.app.Shops.List(r.Context())
	if err != nil {
		return out
	}
	for _, s := range list {
		out[s.ID] = s.Name
	}
	return out
}

// ---- the member form ----

// memberFields are the form's inputs, for placing field errors.
var memberFields = []string{"name", "phone", "gender", "birthday", "area", "address", "occupation", "preferences",
	"channel", "referrer_id", "card_no", "store_id", "tags", "consent"}

type memberFormValues struct {
	Name, Phone, Gender, Birthday, Area, Address, Occupation, Preferences string
	Channel, ReferrerID, CardNo, StoreID, Tags                            string
	Consent                                                               map[string]bool
}

type memberFormData struct {
	ID       int64 // 0 when registering
	V        memberFormValues
	Masked   *member.Member // the masked current values, when editing blind
	Errors   map[string]string
	Error    string
	Stores   []*shop.Store
	Genders  []string
	Channels []string
	Consents []string
}

func (c *Console) newMemberForm(r *http.Request) memberFormData {
	stores, _ := c.app.Shops.List(r.Context())
	return memberFormData{Errors: map[string]string{}, Stores: stores,
		Genders: []string{member.GenderFemale, member.GenderMale}, Channels: member.AcquisitionChannels,
		Consents: member.ConsentChannels}
}

func formValuesOf(m *member.Member) memberFormValues {
	v := memberFormValues{Name: m.Name, Phone: m.Phone, Gender: m.Gender, Birthday: m.Birthday, Area: m.Area,
		Address: m.Address, Occupation: m.Occupation, Preferences: m.Preferences, Channel: m.Channel,
		CardNo: m.CardNo, Tags: strings.Join(m.Tags, ", "), Consent: map[string]bool{}}
	if m.ReferrerID != 0 {
		v.ReferrerID = strconv.FormatInt(m.ReferrerID, 10)
	}
	if m.StoreID != 0 {
		v.StoreID = strconv.FormatInt(m.StoreID, 10)
	}
	for _, cs := range m.Consents {
		v.Consent[cs.Channel] = cs.Granted
	}
	return v
}

func readMemberForm(r *http.Request) memberFormValues {
	v := memberFormValues{Consent: map[string]bool{}}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	v.Name, v.Phone, v.Gender, v.Birthday = f("name"), f("phone"), f("gender"), f("birthday")
	v.Area, v.Address, v.Occupation, v.Preferences = f("area"), f("address"), f("occupation"), r.PostFormValue("preferences")
	v.Channel, v.ReferrerID, v.CardNo, v.StoreID, v.Tags = f("channel"), f("referrer_id"), f("card_no"), f("store_id"), f("tags")
	for _, ch := range r.PostForm["consent"] {
		if slices.Contains(member.ConsentChannels, ch) {
			v.Consent[ch] = true
		}
	}
	return v
}

// splitTags reads "a, b，c、d" as four tags.
func splitTags(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == '\n' })
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// input turns form values into a member input. Numbers that do not parse
// are reported with the service's own checks, so the form shows all
// problems at once.
func (c *Console) input(v memberFormValues) (member.Input, error) {
	in := member.Input{Name: v.Name, Phone: v.Phone, Gender: v.Gender, Birthday: v.Birthday, Area: v.Area,
		Address: v.Address, Occupation: v.Occupation, Preferences: strings.TrimSpace(v.Preferences), Channel: v.Channel,
		CardNo: v.CardNo, Tags: splitTags(v.Tags), Consent: map[string]bool{}}
	var bad []linli.FieldError
	num := func(field, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			bad = append(bad, linli.FieldError{Field: field, Code: "form.number_invalid", Message: fmt.Sprintf("%q is not a number", s)})
		}
		return n
	}
	in.ReferrerID = num("referrer_id", v.ReferrerID)
	in.StoreID = num("store_id", v.StoreID)
	if len(bad) == 0 {
		return in, nil
	}
	_, err := c.app.Members.Validate(in)
	e, _ := linli.AsError(err)
	all := &linli.Error{Kind: linli.KindInvalid, Code: bad[0].Code, Message: bad[0].Message, Fields: bad}
	if e != nil {
		all.Fields = append(e.Fields, bad...)
	}
	return in, all
}

func (c *Console) memberNew(w http.ResponseWriter, r *http.Request) {
	d := c.newMemberForm(r)
	d.V.Consent = map[string]bool{}
	if st := server.CurrentStaff(r); st != nil && st.StoreID != 0 {
		d.V.StoreID = strconv.FormatInt(st.StoreID, 10)
	}
	d.V.Channel = "counter"
	c.render(w, r, http.StatusOK, "member_form", "web.member.new_title", d)
}

func (c *Console) memberCreate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	d := c.newMemberForm(r)
	d.V = readMemberForm(r)
	in, err := c.input(d.V)
	if err == nil {
		for ch, granted := range d.V.Consent {
			in.Consent[ch] = granted // unticked boxes record nothing on a new member
		}
		var m *member.Member
		m, err = c.app.Members.Create(r.Context(), server.Actor(r), in)
		if err == nil {
			redirect(w, r, fmt.Sprintf("/members/%d", m.ID), "created")
			return
		}
	}
	c.memberFormFailed(w, r, d, err, "web.member.new_title")
}

func (c *Console) memberFormFailed(w http.ResponseWriter, r *http.Request, d memberFormData, err error, title string) {
	fields, general, ok := formErrors(c.lang(r), err, memberFields...)
	if !ok {
		c.fail(w, r, err)
		return
	}
	d.Errors, d.Error = fields, general
	if d.ID == 0 {
		// Posted to /members, but the menu should still point at the form.
		r = r.Clone(r.Context())
		r.URL.Path = "/members/new"
	}
	c.render(w, r, http.StatusUnprocessableEntity, "member_form", title, d)
}

func (c *Console) memberEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := c.newMemberForm(r)
	d.ID = id
	// Only a viewer who may see personal data gets it in the form (and the
	// service audits that); others see the masked values as hints.
	unmask := server.Can(r, auth.MemberUnmask)
	m, err := c.app.Members.Get(r.Context(), server.Actor(r), id, member.View{Unmask: unmask})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if m.Status == member.StatusErased || m.Status == member.StatusMerged {
		c.fail(w, r, linli.Errorf(linli.KindConflict, "member.not_editable", "member %d is %s and cannot be edited", id, m.Status))
		return
	}
	d.V = formValuesOf(m)
	if !unmask {
		d.Masked = m
		d.V.Name, d.V.Phone, d.V.Birthday, d.V.Address = "", "", "", ""
	}
	c.render(w, r, http.StatusOK, "member_form", "web.member.edit_title", d)
}

func (c *Console) memberUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	unmask := server.Can(r, auth.MemberUnmask)
	d := c.newMemberForm(r)
	d.ID = id
	d.V = readMemberForm(r)
	// Consent comes from checkboxes, and a form cannot post an unticked
	// box: the recorded channels tell a withdrawal from "never asked".
	cur, err := c.app.Members.Get(ctx, actor, id, member.View{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	in, err := c.input(d.V)
	if err == nil {
		// Staff who may not see personal data edit it blind: what they
		// leave empty keeps its stored value.
		in.KeepSealed = !unmask
		recorded := map[string]bool{}
		for _, cs := range cur.Consents {
			recorded[cs.Channel] = true
		}
		for _, ch := range member.ConsentChannels {
			// An unticked box withdraws consent that was recorded; a channel
			// never asked about stays unrecorded.
			if d.V.Consent[ch] || recorded[ch] {
				in.Consent[ch] = d.V.Consent[ch]
			}
		}
		if _, err = c.app.Members.Update(ctx, actor, id, in); err == nil {
			redirect(w, r, fmt.Sprintf("/members/%d", id), "saved")
			return
		}
	}
	if !unmask {
		masked, merr := c.app.Members.Get(ctx, actor, id, member.View{})
		if merr != nil {
			c.fail(w, r, merr)
			return
		}
		d.Masked = masked
	}
	c.memberFormFailed(w, r, d, err, "web.member.edit_title")
}

// ---- the profile ----

type consentRow struct {
	Channel   string
	Recorded  bool
	Granted   bool
	Source    string
	ChangedAt time.Time
}

type memberData struct {
	M         *member.Member
	Unmasked  bool
	CanUnmask bool
	QR        string
	StoreName string
	Consents  []consentRow
	TagsText  string
	Editable  bool
	Points    *pointsCard
	Tier      *tierCard
	// StoreNames names the stores of the purchases.
	StoreNames map[int64]string
}

func (c *Console) memberShow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	canUnmask := server.Can(r, auth.MemberUnmask)
	unmask := canUnmask && r.URL.Query().Get("unmask") == "1"
	m, err := c.app.Members.Get(r.Context(), server.Actor(r), id, member.View{Unmask: unmask})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := memberData{M: m, Unmasked: unmask, CanUnmask: canUnmask && m.Status != member.StatusErased,
		TagsText: strings.Join(m.Tags, ", "),
		Editable: m.Status == member.StatusActive || m.Status == member.StatusInactive}
	if d.Editable {
		d.QR = c.app.Members.QRPayload(m.ID)
	}
	d.StoreNames = c.storeNames(r)
	if m.StoreID != 0 {
		d.StoreName = d.StoreNames[m.StoreID]
	}
	if d.Points, err = c.memberPoints(r, m.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	if d.Tier, err = c.memberTier(r, m.ID); err != nil {
		c.fail(w, r, err)
		return
	}
	for _, ch := range member.ConsentChannels {
		row := consentRow{Channel: ch}
		if i := slices.IndexFunc(m.Consents, func(cs member.Consent) bool { return cs.Channel == ch }); i >= 0 {
			cs := m.Consents[i]
			row.Recorded, row.Granted, row.Source, row.ChangedAt = true, cs.Granted, cs.Source, cs.ChangedAt
		}
		d.Consents = append(d.Consents, row)
	}
	c.render(w, r, http.StatusOK, "member", "web.member.title", d)
}

func (c *Console) memberStatus(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if err := c.app.Members.SetStatus(r.Context(), server.Actor(r), id, active); err != nil {
			c.fail(w, r, err)
			return
		}
		notice := "deactivated"
		if active {
			notice = "reactivated"
		}
		redirect(w, r, fmt.Sprintf("/members/%d", id), notice)
	}
}

func (c *Console) memberTags(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if err := c.app.Members.SetTags(r.Context(), server.Actor(r), id, splitTags(r.FormValue("tags"))); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/members/%d", id), "tags")
}

func (c *Console) memberExport(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	b, err := c.app.Members.ExportData(r.Context(), server.Actor(r), id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	server.Attachment(w, "application/json; charset=utf-8", fmt.Sprintf("member-%d.json", id))
	_, _ = w.Write(b)
}

// memberQR draws the member's signed code as a PNG to print on a card or
// show on a screen; the till scans it and calls the lookup API with it.
func (c *Console) memberQR(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	m, err := c.app.Members.Get(r.Context(), server.Actor(r), id, member.View{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	if m.Status != member.StatusActive && m.Status != member.StatusInactive {
		c.fail(w, r, linli.Errorf(linli.KindNotFound, "member.not_found", "member %d has no code", id))
		return
	}
	code, err := qr.Encode(c.app.Members.QRPayload(id), qr.M)
	if err != nil {
		c.fail(w, r, fmt.Errorf("web: qr code: %w", err))
		return
	}
	code.Scale = 8
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(code.PNG())
}

type eraseData struct {
	M      *member.Member
	Reason string
	Error  string
}

// memberErase asks for confirmation first: without confirm=yes the post
// only shows what will be erased.
func (c *Console) memberErase(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		c.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	m, err := c.app.Members.Get(ctx, actor, id, member.View{})
	if err != nil {
		c.fail(w, r, err)
		return
	}
	d := eraseData{M: m, Reason: strings.TrimSpace(r.FormValue("reason"))}
	if r.FormValue("confirm") != "yes" {
		c.render(w, r, http.StatusOK, "member_erase", "web.erase.title", d)
		return
	}
	if d.Reason == "" {
		d.Error = c.t(r, "web.erase.reason_required")
		c.render(w, r, http.StatusUnprocessableEntity, "member_erase", "web.erase.title", d)
		return
	}
	if err := c.app.Members.Erase(ctx, actor, id, d.Reason); err != nil {
		c.fail(w, r, err)
		return
	}
	redirect(w, r, fmt.Sprintf("/members/%d", id), "erased")
}
