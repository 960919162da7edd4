package sales

import (
	"context"
	"fmt"
	"slices"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
)

// Reader is what the read-only views of a member's points and purchases
// need from storage, beyond Store. Paging is by id, newest first: before
// is the smallest id already shown (0: from the newest).
type Reader interface {
	// SalesByMember lists the member's sales without lines or payments.
	SalesByMember(ctx context.Context, memberID, before int64, limit int) ([]Sale, error)
	// OpenLots lists the member's lots with points left.
	OpenLots(ctx context.Context, memberID int64) ([]loyalty.Lot, error)
	EntriesBefore(ctx context.Context, memberID, before int64, limit int) ([]Entry, error)
	// RefundsOfSale lists the sale's refunds, oldest first.
	RefundsOfSale(ctx context.Context, saleID int64) ([]RefundRow, error)
}

// maxPage bounds one page of a listing.
const maxPage = 200

func (s *Service) reader() (Reader, error) {
	r, ok := s.st.(Reader)
	if !ok {
		return nil, fmt.Errorf("sales: the store %T cannot list", s.st)
	}
	return r, nil
}

func pageLimit(limit int) int {
	if limit <= 0 || limit > maxPage {
		return 50
	}
	return limit
}

// page cuts one more row than asked off the end and says where the next
// page starts: the id of the last row shown, 0 when this is the last page.
func page[T any](rows []T, limit int, id func(T) int64) ([]T, int64) {
	if len(rows) <= limit {
		return rows, 0
	}
	rows = rows[:limit]
	return rows, id(rows[limit-1])
}

// SalesByMember lists the member's sales, newest first, without lines or
// payments, and the cursor of the next page (0: none).
func (s *Service) SalesByMember(ctx context.Context, memberID, before int64, limit int) ([]Sale, int64, error) {
	r, err := s.reader()
	if err != nil {
		return nil, 0, err
	}
	limit = pageLimit(limit)
	rows, err := r.SalesByMember(ctx, memberID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("sales: sales of member %d: %w", memberID, err)
	}
	out, next := page(rows, limit, func(x Sale) int64 { return x.ID })
	return out, next, nil
}

// Lots lists the member's lots with points left, the first to expire first
// (lots that never expire last).
func (s *Service) Lots(ctx context.Context, memberID int64) ([]loyalty.Lot, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	lots, err := r.OpenLots(ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("sales: lots of member %d: %w", memberID, err)
	}
	slices.SortStableFunc(lots, func(a, b loyalty.Lot) int {
		switch {
		case a.ExpiresAt.Equal(b.ExpiresAt):
			return 0
		case a.ExpiresAt.IsZero():
			return 1
		case b.ExpiresAt.IsZero():
			return -1
		}
		return a.ExpiresAt.Compare(b.ExpiresAt)
	})
	return lots, nil
}

// EntriesPage lists the member's ledger entries, newest first, and the
// cursor of the next page (0: none).
func (s *Service) EntriesPage(ctx context.Context, memberID, before int64, limit int) ([]Entry, int64, error) {
	r, err := s.reader()
	if err != nil {
		return nil, 0, err
	}
	limit = pageLimit(limit)
	rows, err := r.EntriesBefore(ctx, memberID, before, limit+1)
	if err != nil {
		return nil, 0, fmt.Errorf("sales: entries of member %d: %w", memberID, err)
	}
	out, next := page(rows, limit, func(e Entry) int64 { return e.ID })
	return out, next, nil
}

// RefundsOfSale lists the sale's refunds with their lines, oldest first.
func (s *Service) RefundsOfSale(ctx context.Context, saleID int64) ([]RefundRow, error) {
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	out, err := r.RefundsOfSale(ctx, saleID)
	if err != nil {
		return nil, fmt.Errorf("sales: refunds of sale %d: %w", saleID, err)
	}
	return out, nil
}

// Quote prices lines as Commit would, without storing anything: a till
// that does not price itself learns the total to pay.
func (s *Service) Quote(ctx context.Context, in []LineInput) ([]Line, int64, error) {
	if len(in) == 0 {
		return nil, 0, linli.Invalid("sale.lines_required", "lines", "a sale needs at least one line")
	}
	if len(in) > MaxLines {
		return nil, 0, linli.Invalid("sale.too_many_lines", "lines", "at most %d lines", MaxLines)
	}
	for i, l := range in {
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			return nil, 0, linli.Invalid("sale.quantity_invalid", fmt.Sprintf("lines[%d].quantity", i),
				"quantity must be between 1 and %d", MaxQuantity)
		}
	}
	lines, total, _, err := s.price(ctx, in)
	return lines, total, err
}

// SaleOfReceipt returns the sale the till committed under receipt;
// "sale.not_found" when none.
func (s *Service) SaleOfReceipt(ctx context.Context, till Till, receipt string) (*Sale, error) {
	old, err := s.st.SaleByReceipt(ctx, till.StoreID, till.Terminal, receipt)
	if err != nil {
		return nil, fmt.Errorf("sales: find receipt: %w", err)
	}
	if old == nil {
		return nil, linli.Errorf(linli.KindNotFound, "sale.not_found", "no sale with receipt %q", receipt)
	}
	return s.GetSale(ctx, old.ID)
}
