package store

import (
	"context"

	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
)

var _ sales.Reader = (*Sales)(nil)

// noCursor stands for "from the newest" in id-paged queries.
const noCursor = int64(1) << 62

func cursor(before int64) int64 {
	if before <= 0 {
		return noCursor
	}
	return before
}

// scanSaleRow adapts scanSale to queryAll, which wants no extra columns.
func scanSaleRow(sc scanner) (sales.Sale, error) { return scanSale(sc) }

func (s *Sales) SalesByMember(ctx context.Context, memberID, before int64, limit int) ([]sales.Sale, error) {
	return queryAll(ctx, s.db, scanSaleRow, `SELECT `+saleCols+`
		FROM sales WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, memberID, cursor(before), limit)
}

func (s *Sales) OpenLots(ctx context.Context, memberID int64) ([]loyalty.Lot, error) {
	return openLots(ctx, s.db, memberID)
}

func (s *Sales) EntriesBefore(ctx context.Context, memberID, before int64, limit int) ([]sales.Entry, error) {
	return entries(ctx, s.db, `member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, memberID, cursor(before), limit)
}

func (s *Sales) RefundsOfSale(ctx context.Context, saleID int64) ([]sales.RefundRow, error) {
	out, err := queryAll(ctx, s.db, scanRefund, `SELECT `+refundCols+` FROM refunds WHERE sale_id = ? ORDER BY id`, saleID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Lines, err = queryAll(ctx, s.db, scanRefundLine, `SELECT `+refundLineCols+` FROM refund_lines
			WHERE refund_id = ? ORDER BY line_no`, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
