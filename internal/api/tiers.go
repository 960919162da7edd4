package api

import (
	"net/http"

	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
	"github.com/linli/linli/internal/tier"
)

// MemberTier is a member's tier, the way to the next one, and the latest
// changes of tier, newest first.
type MemberTier struct {
	MemberID int64              `json:"member_id"`
	Status   sales.TierStatus   `json:"status"`
	History  []sales.TierChange `json:"history"`
}

// tierHistoryDefault is how many changes a member's tier answers when the
// caller does not say.
const tierHistoryDefault = 20

func (x *API) getTierConfig(w http.ResponseWriter, r *http.Request) {
	cfg, err := x.app.Sales.TierConfig(r.Context())
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, cfg)
}

// putTierConfig replaces the whole configuration. The sales service
// validates it (every field at fault is named, e.g. tiers[1].code) and
// audits the change.
func (x *API) putTierConfig(w http.ResponseWriter, r *http.Request) {
	var in tier.Config
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	ctx := r.Context()
	if err := x.app.Sales.SetTierConfig(ctx, server.Actor(r), in); err != nil {
		x.fail(w, r, err)
		return
	}
	cfg, err := x.app.Sales.TierConfig(ctx)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, cfg)
}

func (x *API) memberTier(w http.ResponseWriter, r *http.Request) {
	id, err := x.pointsMember(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if limit == 0 {
		limit = tierHistoryDefault
	}
	ctx := r.Context()
	st, err := x.app.Sales.MemberTier(ctx, id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	h, err := x.app.Sales.TierHistory(ctx, id, int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if h == nil {
		h = []sales.TierChange{}
	}
	server.JSON(w, http.StatusOK, MemberTier{MemberID: id, Status: *st, History: h})
}
