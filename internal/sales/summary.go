package sales

import (
	"context"
	"errors"
	"time"
)

// Summary is what the sales of a period came to. Refunds count against the
// sale they refund, as in the analyses, and voided sales not at all.
type Summary struct {
	Sales        int64 `json:"sales"`
	NetFen       int64 `json:"net_fen"`
	MemberSales  int64 `json:"member_sales"`
	MemberNetFen int64 `json:"member_net_fen"`
}

// AvgFen is the average net sale, rounded; 0 without sales.
func (s Summary) AvgFen() int64 {
	if s.Sales == 0 {
		return 0
	}
	return (2*s.NetFen + s.Sales) / (2 * s.Sales)
}

// MemberSharePM is the members' part of the net in per mille, rounded; 0
// when the net is not positive.
func (s Summary) MemberSharePM() int64 {
	if s.NetFen <= 0 {
		return 0
	}
	return (2000*s.MemberNetFen + s.NetFen) / (2 * s.NetFen)
}

// SummaryStore sums a period's sales.
type SummaryStore interface {
	// SalesSummary sums the sales sold in [from, to), of store storeID
	// (0: every store).
	SalesSummary(ctx context.Context, storeID int64, from, to time.Time) (Summary, error)
}

// Summary sums the sales sold in [from, to) at store storeID (0: every
// store); the caller scopes storeID to what the actor may see.
func (s *Service) Summary(ctx context.Context, storeID int64, from, to time.Time) (Summary, error) {
	ss, ok := s.st.(SummaryStore)
	if !ok {
		return Summary{}, errors.New("sales: this store cannot sum sales")
	}
	return ss.SalesSummary(ctx, storeID, from, to)
}
