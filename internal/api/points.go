package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
)

// ExpiringPoints is a member whose points expire soon.
type ExpiringPoints struct {
	MemberID       int64     `json:"member_id"`
	CardNo         string    `json:"card_no"`
	Name           string    `json:"name"` // masked
	Points         int64     `json:"points"`
	EarliestExpiry time.Time `json:"earliest_expiry"`
}

// ExpiringPage is one page of the members whose points expire soon, the
// first to expire first.
type ExpiringPage struct {
	Days       int              `json:"days"`
	Items      []ExpiringPoints `json:"items"`
	NextCursor *string          `json:"next_cursor"` // null on the last page
}

// Bounds of the expiring-points listing.
const (
	expiringDefaultDays = 30
	expiringMaxDays     = 366
)

// expiringCursor is a position in the listing: the earliest expiry and the
// member of the last item shown, the order the listing is sorted in.
type expiringCursor struct {
	at     int64 // unix milliseconds
	member int64
}

const expiringTag = "x1:"

func (c expiringCursor) encode() *string {
	s := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s%d.%d", expiringTag, c.at, c.member))
	return &s
}

func (c expiringCursor) after(e sales.Expiring) bool {
	at := e.Earliest.UnixMilli()
	return at > c.at || (at == c.at && e.MemberID > c.member)
}

func decodeExpiringCursor(r *http.Request) (*expiringCursor, error) {
	s := strings.TrimSpace(r.URL.Query().Get("cursor"))
	if s == "" {
		return nil, nil
	}
	bad := linli.Invalid("request.cursor_invalid", "cursor", "the cursor is not one this server gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	rest, ok := strings.CutPrefix(string(b), expiringTag)
	if !ok {
		return nil, bad
	}
	var c expiringCursor
	if n, err := fmt.Sscanf(rest, "%d.%d", &c.at, &c.member); err != nil || n != 2 || c.member <= 0 {
		return nil, bad
	}
	return &c, nil
}

// expiringPoints lists the members whose points expire within days days.
// The ledger answers the whole list (one row per member); a page of it is
// shown with masked names.
func (x *API) expiringPoints(w http.ResponseWriter, r *http.Request) {
	days, err := queryInt(r, "days", 1, expiringMaxDays)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if days == 0 {
		days = expiringDefaultDays
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if limit == 0 {
		limit = 50
	}
	cur, err := decodeExpiringCursor(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	list, err := x.app.Sales.ExpiringSoon(ctx, int(days))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	out := ExpiringPage{Days: int(days), Items: []ExpiringPoints{}}
	for _, e := range list {
		if cur != nil && !cur.after(e) {
			continue
		}
		if int64(len(out.Items)) == limit {
			last := out.Items[len(out.Items)-1]
			out.NextCursor = expiringCursor{last.EarliestExpiry.UnixMilli(), last.MemberID}.encode()
			break
		}
		m, err := x.app.Members.Get(ctx, actor, e.MemberID, member.View{})
		if err != nil {
			x.fail(w, r, err)
			return
		}
		out.Items = append(out.Items, ExpiringPoints{MemberID: e.MemberID, CardNo: m.CardNo, Name: m.Name,
			Points: e.Points, EarliestExpiry: e.Earliest})
	}
	server.JSON(w, http.StatusOK, out)
}

// pointsLiability is the points outstanding per store and expiry month.
func (x *API) pointsLiability(w http.ResponseWriter, r *http.Request) {
	rep, err := x.app.Sales.LiabilityReport(r.Context(), x.app.Now())
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, rep)
}
