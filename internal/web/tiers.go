package web

import (
	"net/http"

	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/tier"
)

// tierCard is the member profile's tier: where the member stands, the way
// to the next tier and the latest changes.
type tierCard struct {
	sales.TierStatus
	Config  tier.Config
	History []sales.TierChange
}

const profileTierHistory = 5

func (c *Console) memberTier(r *http.Request, id int64) (*tierCard, error) {
	ctx := r.Context()
	cfg, err := c.app.Sales.TierConfig(ctx)
	if err != nil {
		return nil, err
	}
	st, err := c.app.Sales.MemberTier(ctx, id)
	if err != nil {
		return nil, err
	}
	h, err := c.app.Sales.TierHistory(ctx, id, profileTierHistory)
	if err != nil {
		return nil, err
	}
	return &tierCard{TierStatus: *st, Config: cfg, History: h}, nil
}
