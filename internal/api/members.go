package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/server"
)

// MemberPage is one page of a member listing.
type MemberPage struct {
	Items      []*member.Member `json:"items"`
	NextCursor *string          `json:"next_cursor"` // null on the last page
}

// MemberList is a short, unpaged list of members (search results).
type MemberList struct {
	Items []*member.Member `json:"items"`
}

// DuplicateList lists candidate duplicate groups.
type DuplicateList struct {
	Items []member.DuplicateGroup `json:"items"`
}

// QualityReport is the data-quality report, one row per store.
type QualityReport struct {
	Items []member.QualityCounts `json:"items"`
}

// TagsInput replaces a member's tags.
type TagsInput struct {
	Tags []string `json:"tags"`
}

// ConsentInput records consent on one channel.
type ConsentInput struct {
	Granted *bool  `json:"granted"`
	Source  string `json:"source,omitempty"` // counter, mobile, api …; default from the caller
}

// EraseInput says why a member's personal data is erased.
type EraseInput struct {
	Reason string `json:"reason,omitempty"`
}

// MergeInput folds member From into member Into.
type MergeInput struct {
	From int64 `json:"from"`
	Into int64 `json:"into"`
}

// QRCode is the signed payload to print or show as a member's QR code.
type QRCode struct {
	MemberID int64  `json:"member_id"`
	Payload  string `json:"payload"`
}

// view is how the caller sees members: unmasked only when the role may
// and the request asks for it with ?unmask=1. The service audits each
// unmasked view.
func view(r *http.Request) member.View {
	q := r.URL.Query().Get("unmask")
	return member.View{Unmask: (q == "1" || q == "true") && server.Can(r, auth.MemberUnmask)}
}

// shown masks a member the service returned in clear (after a create or
// update) unless the caller may and asked to see it.
func shown(r *http.Request, m *member.Member) *member.Member {
	if view(r).Unmask || m.Masked {
		return m
	}
	c := *m
	c.Name = privacy.MaskName(c.Name)
	c.Phone = privacy.MaskPhone(c.Phone)
	c.Birthday = privacy.MaskDate(c.Birthday)
	c.Address = privacy.MaskText(c.Address)
	c.Masked = true
	return &c
}

var memberStatuses = []string{member.StatusActive, member.StatusInactive, member.StatusMerged, member.StatusErased, "all"}

func (x *API) listMembers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := member.Filter{Tag: strings.TrimSpace(q.Get("tag")), Area: strings.TrimSpace(q.Get("area")), Status: q.Get("status")}
	var v linli.Validation
	if f.Status != "" && !slices.Contains(memberStatuses, f.Status) {
		v.Add("status", "request.query_invalid", "status must be one of %s", strings.Join(memberStatuses, ", "))
	}
	var err error
	if f.StoreID, err = queryInt(r, "store_id", 1, 1<<62); err != nil {
		v.Add("store_id", "request.query_invalid", "store_id must be a store id")
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		v.Add("limit", "request.query_invalid", "limit must be a whole number from 1 to 200")
	}
	f.Limit = int(limit)
	if f.After, err = decodeCursor(r); err != nil {
		v.Add("cursor", "request.cursor_invalid", "the cursor is not one this server gave out")
	}
	if err := v.Err(); err != nil {
		x.fail(w, r, err)
		return
	}
	items, next, err := x.app.Members.List(r.Context(), server.Actor(r), f, view(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, MemberPage{Items: items, NextCursor: encodeCursor(next)})
}

func (x *API) createMember(w http.ResponseWriter, r *http.Request) {
	var in member.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	m, err := x.app.Members.Create(r.Context(), server.Actor(r), in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	created(w, "members", m.ID, shown(r, m))
}

func (x *API) getMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	m, err := x.app.Members.Get(r.Context(), server.Actor(r), id, view(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, m)
}

func (x *API) updateMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in member.Input
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	m, err := x.app.Members.Update(r.Context(), server.Actor(r), id, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, shown(r, m))
}

// memberAfter answers a change with the member as it now is.
func (x *API) memberAfter(w http.ResponseWriter, r *http.Request, id int64, err error) {
	if err != nil {
		x.fail(w, r, err)
		return
	}
	m, err := x.app.Members.Get(r.Context(), server.Actor(r), id, view(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, m)
}

func (x *API) setMemberStatus(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id", "member.not_found")
		if err != nil {
			x.fail(w, r, err)
			return
		}
		x.memberAfter(w, r, id, x.app.Members.SetStatus(r.Context(), server.Actor(r), id, active))
	}
}

func (x *API) setTags(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in TagsInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	if in.Tags == nil {
		x.fail(w, r, required("tags"))
		return
	}
	x.memberAfter(w, r, id, x.app.Members.SetTags(r.Context(), server.Actor(r), id, in.Tags))
}

func (x *API) setConsent(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in ConsentInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	if in.Granted == nil {
		x.fail(w, r, required("granted"))
		return
	}
	err = x.app.Members.SetConsent(r.Context(), server.Actor(r), id, r.PathValue("channel"), *in.Granted, strings.TrimSpace(in.Source))
	x.memberAfter(w, r, id, err)
}

func (x *API) searchMembers(w http.ResponseWriter, r *http.Request) {
	items, err := x.app.Members.Search(r.Context(), server.Actor(r), r.URL.Query().Get("q"), view(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, MemberList{Items: items})
}

// lookupMember is the till's identify: exactly one of phone, card or qr.
func (x *API) lookupMember(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var given []string
	for _, k := range []string{"phone", "card", "qr"} {
		if strings.TrimSpace(q.Get(k)) != "" {
			given = append(given, k)
		}
	}
	switch len(given) {
	case 0:
		x.fail(w, r, linli.Invalid("member.query_required", "phone", "give one of phone, card or qr"))
		return
	case 1:
	default:
		x.fail(w, r, linli.Invalid("request.one_of", given[1], "give only one of phone, card or qr"))
		return
	}
	ctx, actor, v := r.Context(), server.Actor(r), view(r)
	var m *member.Member
	var err error
	switch given[0] {
	case "phone":
		m, err = x.app.Members.FindByPhone(ctx, actor, q.Get("phone"), v)
	case "card":
		m, err = x.app.Members.FindByCard(ctx, actor, q.Get("card"), v)
	default:
		m, err = x.app.Members.FindByQR(ctx, actor, q.Get("qr"), v)
	}
	if e, ok := linli.AsError(err); ok && e.Kind == linli.KindInvalid {
		for i := range e.Fields {
			e.Fields[i].Field = given[0] // name the query parameter the caller sent
		}
	}
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, m)
}

func (x *API) memberQR(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	// Only a live member gets a code; this also turns an unknown id into
	// a 404 rather than a valid signature for nobody.
	m, err := x.app.Members.Get(r.Context(), server.Actor(r), id, member.View{})
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if m.Status != member.StatusActive {
		x.fail(w, r, linli.Errorf(linli.KindConflict, "member.not_active", "member %d is %s and has no valid code", id, m.Status))
		return
	}
	server.JSON(w, http.StatusOK, QRCode{MemberID: id, Payload: x.app.Members.QRPayload(id)})
}

// exportMember answers a member's data-access request: everything in clear,
// so the caller needs both the export and the unmask permission.
func (x *API) exportMember(w http.ResponseWriter, r *http.Request) {
	if !server.Can(r, auth.MemberExport) {
		x.fail(w, r, auth.Require(server.Actor(r), auth.MemberExport, 0))
		return
	}
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	b, err := x.app.Members.ExportData(r.Context(), server.Actor(r), id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.Attachment(w, "application/json", fmt.Sprintf("member-%d.json", id))
	w.Write(b)
}

func (x *API) eraseMember(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in EraseInput
	if hasBody(r) {
		if err := x.decode(w, r, &in); err != nil {
			x.fail(w, r, err)
			return
		}
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		reason = "request"
	}
	if err := x.app.Members.Erase(r.Context(), server.Actor(r), id, reason); err != nil {
		x.fail(w, r, err)
		return
	}
	noContent(w)
}

func (x *API) duplicates(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit", 1, 500)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if limit == 0 {
		limit = 100
	}
	groups, err := x.app.Members.Duplicates(r.Context(), server.Actor(r), int(limit), view(r))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if groups == nil {
		groups = []member.DuplicateGroup{}
	}
	server.JSON(w, http.StatusOK, DuplicateList{Items: groups})
}

func (x *API) mergeMembers(w http.ResponseWriter, r *http.Request) {
	var in MergeInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	var v linli.Validation
	if in.From <= 0 {
		v.Add("from", "request.field_required", "from is required")
	}
	if in.Into <= 0 {
		v.Add("into", "request.field_required", "into is required")
	}
	if err := v.Err(); err != nil {
		x.fail(w, r, err)
		return
	}
	x.memberAfter(w, r, in.Into, x.app.Members.Merge(r.Context(), server.Actor(r), in.From, in.Into))
}

func (x *API) dataQuality(w http.ResponseWriter, r *http.Request) {
	rows, err := x.app.Members.Quality(r.Context())
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if rows == nil {
		rows = []member.QualityCounts{}
	}
	server.JSON(w, http.StatusOK, QualityReport{Items: rows})
}
