package sales

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// ReportStore is what the reports need from storage, beyond Store.
type ReportStore interface {
	// LiabilityLots sums the points left in lots still valid at at, by
	// the store where they were earned and by expiry instant.
	LiabilityLots(ctx context.Context, at time.Time) ([]LotSum, error)
}

// LotSum is the points left in lots of one store with one expiry.
type LotSum struct {
	// StoreID is the store of the sale that earned the points (for points
	// a refund gave back, the refunded sale's store); 0 for adjustments,
	// which belong to no store.
	StoreID   int64
	Code      string // the store's code, name and zone; empty for store 0
	Name      string
	Zone      string
	ExpiresAt time.Time // zero: never
	Points    int64
}

// Labels of the liability report.
const (
	// ChainStore labels points that belong to no store (adjustments).
	ChainStore = "chain"
	// NeverExpires is the month of lots without expiry.
	NeverExpires = "never"
)

// LiabilityRow is the points a store owes its members that expire in one
// month, and what they are worth.
type LiabilityRow struct {
	StoreID int64 `json:"store_id"` // 0: the chain (adjustments)
	// Store is the store's code, "chain" for store 0.
	Store     string `json:"store"`
	StoreName string `json:"store_name"`
	// Month is the last month the points are valid, YYYY-MM in the
	// store's zone (Asia/Shanghai for the chain), or "never".
	Month    string `json:"expiry_month"`
	Points   int64  `json:"points"`
	ValueFen int64  `json:"value_fen"` // points × the redemption rate
}

// LiabilityReport is the liability with its rate and totals.
type LiabilityReport struct {
	At                time.Time      `json:"at"`
	RedeemFenPerPoint int64          `json:"redeem_fen_per_point"`
	Rows              []LiabilityRow `json:"rows"`
	TotalPoints       int64          `json:"total_points"`
	TotalValueFen     int64          `json:"total_value_fen"`
}

func (s *Service) reports() (ReportStore, error) {
	r, ok := s.st.(ReportStore)
	if !ok {
		return nil, fmt.Errorf("sales: the store %T cannot report", s.st)
	}
	return r, nil
}

// Liability is the points outstanding at at — what is left in lots not
// expired at at — and their value by the current redemption rate, per store
// where the points were earned and per expiry month; the chain's row
// (store 0) holds adjustments. Rows come by store (the chain last), then
// month ("never" last). With no debt recorded and the expiry job run up to
// at, the total equals the sum of the members' balances.
func (s *Service) Liability(ctx context.Context, at time.Time) ([]LiabilityRow, error) {
	r, err := s.LiabilityReport(ctx, at)
	if err != nil {
		return nil, err
	}
	return r.Rows, nil
}

// LiabilityReport is Liability with the rate used and the totals.
func (s *Service) LiabilityReport(ctx context.Context, at time.Time) (*LiabilityReport, error) {
	st, err := s.reports()
	if err != nil {
		return nil, err
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	sums, err := st.LiabilityLots(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("sales: points liability: %w", err)
	}
	chainZone, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("sales: zone %s: %w", DefaultZone, err)
	}
	zones := map[string]*time.Location{}
	type key struct {
		store int64
		month string
	}
	byKey := map[key]*LiabilityRow{}
	out := &LiabilityReport{At: at, RedeemFenPerPoint: rules.RedeemFenPerPoint, Rows: []LiabilityRow{}}
	for _, x := range sums {
		loc := chainZone
		if x.StoreID != 0 && x.Zone != "" {
			if loc = zones[x.Zone]; loc == nil {
				if loc, err = time.LoadLocation(x.Zone); err != nil {
					return nil, fmt.Errorf("sales: time zone of store %d: %w", x.StoreID, err)
				}
				zones[x.Zone] = loc
			}
		}
		k := key{x.StoreID, expiryMonth(x.ExpiresAt, loc)}
		row := byKey[k]
		if row == nil {
			row = &LiabilityRow{StoreID: x.StoreID, Store: x.Code, StoreName: x.Name, Month: k.month}
			if x.StoreID == 0 {
				row.Store, row.StoreName = ChainStore, ChainStore
			}
			byKey[k] = row
		}
		row.Points += x.Points
	}
	for _, row := range byKey {
		row.ValueFen = row.Points * rules.RedeemFenPerPoint
		out.Rows = append(out.Rows, *row)
		out.TotalPoints += row.Points
		out.TotalValueFen += row.ValueFen
	}
	slices.SortFunc(out.Rows, func(a, b LiabilityRow) int {
		if a.StoreID != b.StoreID {
			switch {
			case a.StoreID == 0:
				return 1
			case b.StoreID == 0:
				return -1
			}
			return cmp.Compare(a.StoreID, b.StoreID)
		}
		return cmp.Compare(a.Month, b.Month) // "never" sorts after every YYYY-MM
	})
	return out, nil
}

// expiryMonth is the last month in which points expiring at t (an
// exclusive end, usually a midnight) may still be spent: points that expire
// when 2027 begins are reported under 2026-12.
func expiryMonth(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return NeverExpires
	}
	return t.Add(-time.Millisecond).In(loc).Format("2006-01")
}
