package store

import (
	"context"
	"database/sql"

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

func (s *Sales) SalesByMember(ctx context.Context, memberID, before int64, limit int) ([]sales.Sale, error) {
	rows, err := s.db.Query(ctx, `SELECT id, store_id, terminal, receipt_no, COALESCE(member_id, 0), cashier, channel,
		pickup_status, sold_at, amount_fen, discount_fen, points_earned, points_redeemed, refunded_fen, status
		FROM sales WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, memberID, cursor(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Sale
	for rows.Next() {
		var x sales.Sale
		var at int64
		if err := rows.Scan(&x.ID, &x.StoreID, &x.Terminal, &x.Receipt, &x.MemberID, &x.Cashier, &x.Channel,
			&x.PickupStatus, &at, &x.AmountFen, &x.DiscountFen, &x.PointsEarned, &x.PointsRedeemed, &x.RefundedFen,
			&x.Status); err != nil {
			return nil, err
		}
		x.SoldAt = FromMillis(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Sales) OpenLots(ctx context.Context, memberID int64) ([]loyalty.Lot, error) {
	rows, err := s.db.Query(ctx, `SELECT id, points, remaining, earned_at, expires_at FROM points_lots
		WHERE member_id = ? AND remaining > 0 ORDER BY id`, memberID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []loyalty.Lot
	for rows.Next() {
		var l loyalty.Lot
		var earned int64
		var exp sql.NullInt64
		if err := rows.Scan(&l.ID, &l.Points, &l.Remaining, &earned, &exp); err != nil {
			return nil, err
		}
		l.EarnedAt = FromMillis(earned)
		if exp.Valid {
			l.ExpiresAt = FromMillis(exp.Int64)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s *Sales) EntriesBefore(ctx context.Context, memberID, before int64, limit int) ([]sales.Entry, error) {
	rows, err := s.db.Query(ctx, `SELECT id, member_id, delta, kind, source, COALESCE(source_id, 0), rule, operator, reason, at
		FROM points_entries WHERE member_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, memberID, cursor(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sales.Entry
	for rows.Next() {
		var e sales.Entry
		var at int64
		if err := rows.Scan(&e.ID, &e.MemberID, &e.Delta, &e.Kind, &e.Source, &e.SourceID, &e.Rule, &e.Operator, &e.Reason, &at); err != nil {
			return nil, err
		}
		e.At = FromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Sales) RefundsOfSale(ctx context.Context, saleID int64) ([]sales.RefundRow, error) {
	rows, err := s.db.Query(ctx, `SELECT id, sale_id, store_id, terminal, refund_no, amount_fen, points_reversed,
		points_returned, points_unrecovered, reason, at FROM refunds WHERE sale_id = ? ORDER BY id`, saleID)
	if err != nil {
		return nil, err
	}
	var out []sales.RefundRow
	for rows.Next() {
		var r sales.RefundRow
		var at int64
		if err := rows.Scan(&r.ID, &r.SaleID, &r.StoreID, &r.Terminal, &r.RefundNo, &r.AmountFen, &r.PointsReversed,
			&r.PointsReturned, &r.PointsUnrecovered, &r.Reason, &at); err != nil {
			rows.Close()
			return nil, err
		}
		r.At = FromMillis(at)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		lines, err := s.db.Query(ctx, `SELECT line_no, quantity, amount_fen, points FROM refund_lines
			WHERE refund_id = ? ORDER BY line_no`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for lines.Next() {
			var l sales.RefundLineRow
			if err := lines.Scan(&l.LineNo, &l.Quantity, &l.AmountFen, &l.Points); err != nil {
				lines.Close()
				return nil, err
			}
			out[i].Lines = append(out[i].Lines, l)
		}
		lines.Close()
		if err := lines.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
