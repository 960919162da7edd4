package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
)

// Sales implements sales.Store.
type Sales struct{ db *DB }

// NewSales returns the sales.Store backed by db.
func NewSales(db *DB) *Sales { return &Sales{db: db} }

var (
	_ sales.Store = (*Sales)(nil)
	_ sales.Tx    = (*salesTx)(nil)
)

// reader is what both DB (readers) and Tx (the writer) offer.
type reader interface {
	Query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

type salesTx struct{ tx *Tx }

// queryAll reads every row of q with scan. The rows are closed before it
// returns, so a caller may query again on the same (single) connection.
func queryAll[T any](ctx context.Context, r reader, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := r.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Column lists, one per table, each in the order its scan function reads.
const (
	saleCols = `id, store_id, terminal, receipt_no, COALESCE(member_id, 0), cashier, channel, pickup_status, sold_at,
	amount_fen, discount_fen, points_earned, points_redeemed, refunded_fen, status`
	lineCols = `line_no, COALESCE(product_id, 0), product_code, name, category, unit, quantity,
	unit_price_fen, discount_fen, amount_fen, points, refunded_qty, refunded_fen, points_reversed`
	payCols    = `method, amount_fen, points`
	entryCols  = `id, member_id, delta, kind, source, COALESCE(source_id, 0), rule, operator, reason, at`
	lotCols    = `id, points, remaining, earned_at, expires_at`
	refundCols = `id, sale_id, store_id, terminal, refund_no, amount_fen, points_reversed,
	points_returned, points_unrecovered, reason, at`
	refundLineCols = `line_no, quantity, amount_fen, points`
)

// Insert column lists shared by live sales and imported history.
const (
	lineInsertCols = `sale_id, line_no, product_id, product_code, name, category, unit,
	quantity, unit_price_fen, discount_fen, amount_fen, points`
	payInsertCols = `sale_id, seq, method, amount_fen, points`
)

// scanSale reads saleCols; more receives any columns selected after them.
func scanSale(sc scanner, more ...any) (sales.Sale, error) {
	var s sales.Sale
	var at int64
	err := sc.Scan(append([]any{&s.ID, &s.StoreID, &s.Terminal, &s.Receipt, &s.MemberID, &s.Cashier, &s.Channel,
		&s.PickupStatus, &at, &s.AmountFen, &s.DiscountFen, &s.PointsEarned, &s.PointsRedeemed, &s.RefundedFen,
		&s.Status}, more...)...)
	s.SoldAt = FromMillis(at)
	return s, err
}

func scanLine(sc scanner) (sales.Line, error) {
	var l sales.Line
	err := sc.Scan(&l.LineNo, &l.ProductID, &l.Product, &l.Name, &l.Category, &l.Unit, &l.Quantity, &l.UnitPriceFen,
		&l.DiscountFen, &l.AmountFen, &l.Points, &l.RefundedQty, &l.RefundedFen, &l.PointsReversed)
	return l, err
}

func scanPayment(sc scanner) (sales.Payment, error) {
	var p sales.Payment
	err := sc.Scan(&p.Method, &p.AmountFen, &p.Points)
	return p, err
}

func scanEntry(sc scanner) (sales.Entry, error) {
	var e sales.Entry
	var at int64
	err := sc.Scan(&e.ID, &e.MemberID, &e.Delta, &e.Kind, &e.Source, &e.SourceID, &e.Rule, &e.Operator, &e.Reason, &at)
	e.At = FromMillis(at)
	return e, err
}

// scanLot reads lotCols; a lot without expiry keeps a zero ExpiresAt.
func scanLot(sc scanner) (loyalty.Lot, error) {
	var l loyalty.Lot
	var earned int64
	var exp sql.NullInt64
	err := sc.Scan(&l.ID, &l.Points, &l.Remaining, &earned, &exp)
	l.EarnedAt = FromMillis(earned)
	if exp.Valid {
		l.ExpiresAt = FromMillis(exp.Int64)
	}
	return l, err
}

func scanRefund(sc scanner) (sales.RefundRow, error) {
	var r sales.RefundRow
	var at int64
	err := sc.Scan(&r.ID, &r.SaleID, &r.StoreID, &r.Terminal, &r.RefundNo, &r.AmountFen, &r.PointsReversed,
		&r.PointsReturned, &r.PointsUnrecovered, &r.Reason, &at)
	r.At = FromMillis(at)
	return r, err
}

func scanRefundLine(sc scanner) (sales.RefundLineRow, error) {
	var l sales.RefundLineRow
	err := sc.Scan(&l.LineNo, &l.Quantity, &l.AmountFen, &l.Points)
	return l, err
}

// openLots lists a member's lots with points left, oldest first: the
// order redemption takes from them.
func openLots(ctx context.Context, r reader, memberID int64) ([]loyalty.Lot, error) {
	return queryAll(ctx, r, scanLot, `SELECT `+lotCols+` FROM points_lots
		WHERE member_id = ? AND remaining > 0 ORDER BY id`, memberID)
}

// entries lists points entries matching where (which may carry ORDER BY
// and LIMIT).
func entries(ctx context.Context, r reader, where string, args ...any) ([]sales.Entry, error) {
	return queryAll(ctx, r, scanEntry, `SELECT `+entryCols+` FROM points_entries WHERE `+where, args...)
}

// ensureBalance creates a member's cached balance row if missing, so it
// can be locked.
const ensureBalance = `INSERT INTO member_points (member_id, balance, updated_at) VALUES (?, 0, ?)
			ON CONFLICT (member_id) DO NOTHING`

// Write groups concurrent sales into one commit on SQLite (see
// WriteGrouped).
func (s *Sales) Write(ctx context.Context, fn func(tx sales.Tx) error) error {
	return s.db.WriteGrouped(ctx, func(tx *Tx) error { return fn(&salesTx{tx}) })
}

func (s *Sales) ProductsByCode(ctx context.Context, codes []string) ([]*catalog.Product, error) {
	return NewProducts(s.db).ProductsByCode(ctx, codes)
}

func (s *Sales) StoreZone(ctx context.Context, storeID int64) (string, bool, error) {
	var z string
	err := s.db.QueryRow(ctx, `SELECT timezone FROM stores WHERE id = ?`, storeID).Scan(&z)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return z, err == nil, err
}

func (s *Sales) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

func stored(r reader, ctx context.Context, q string, args ...any) (*sales.Stored, error) {
	var st sales.Stored
	err := r.QueryRow(ctx, q, args...).Scan(&st.ID, &st.Hash, &st.Response)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

const (
	saleByReceipt = `SELECT id, request_hash, response FROM sales WHERE store_id = ? AND terminal = ? AND receipt_no = ?`
	refundByNo    = `SELECT id, request_hash, response FROM refunds WHERE store_id = ? AND terminal = ? AND refund_no = ?`
)

func (s *Sales) SaleByReceipt(ctx context.Context, storeID int64, terminal, receipt string) (*sales.Stored, error) {
	return stored(s.db, ctx, saleByReceipt, storeID, terminal, receipt)
}

func (s *Sales) RefundByNo(ctx context.Context, storeID int64, terminal, no string) (*sales.Stored, error) {
	return stored(s.db, ctx, refundByNo, storeID, terminal, no)
}

// loadSale reads a sale, its lines and payments; suffix locks on PostgreSQL.
func loadSale(ctx context.Context, r reader, id int64, suffix string) (*sales.Sale, string, error) {
	var resp string
	s, err := scanSale(r.QueryRow(ctx, `SELECT `+saleCols+`, response FROM sales WHERE id = ?`+suffix, id), &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if s.Lines, err = queryAll(ctx, r, scanLine, `SELECT `+lineCols+`
		FROM sale_lines WHERE sale_id = ? ORDER BY line_no`, id); err != nil {
		return nil, "", err
	}
	if s.Payments, err = queryAll(ctx, r, scanPayment, `SELECT `+payCols+`
		FROM sale_payments WHERE sale_id = ? ORDER BY seq`, id); err != nil {
		return nil, "", err
	}
	return &s, resp, nil
}

func (s *Sales) GetSale(ctx context.Context, id int64) (*sales.Sale, string, error) {
	return loadSale(ctx, s.db, id, "")
}

func (s *Sales) Balance(ctx context.Context, memberID int64) (int64, error) {
	var b int64
	err := s.db.QueryRow(ctx, `SELECT balance FROM member_points WHERE member_id = ?`, memberID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return b, err
}

func (s *Sales) Entries(ctx context.Context, memberID int64, limit int) ([]sales.Entry, error) {
	return entries(ctx, s.db, `member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
}

func (s *Sales) ExpiredMembers(ctx context.Context, at time.Time) ([]int64, error) {
	return column[int64](s.db.Query(ctx, `SELECT DISTINCT member_id FROM points_lots
		WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY member_id`, Millis(at)))
}

func (s *Sales) ExpiringSoon(ctx context.Context, from, until time.Time) ([]sales.Expiring, error) {
	return queryAll(ctx, s.db, func(sc scanner) (sales.Expiring, error) {
		var e sales.Expiring
		var at int64
		err := sc.Scan(&e.MemberID, &e.Points, &at)
		e.Earliest = FromMillis(at)
		return e, err
	}, `SELECT member_id, SUM(remaining), MIN(expires_at) FROM points_lots
		WHERE remaining > 0 AND expires_at > ? AND expires_at < ? GROUP BY member_id ORDER BY MIN(expires_at), member_id`,
		Millis(from), Millis(until))
}

// checks are the ledger's invariants as queries: each row found is a
// violation (code, member, sale, two numbers for the detail).
var checks = []struct{ code, detail, q string }{
	{"balance_mismatch", "cached balance %d, entries sum to %d", `SELECT m.member_id, 0, m.balance, COALESCE(e.s, 0)
		FROM member_points m LEFT JOIN (SELECT member_id, SUM(delta) AS s FROM points_entries GROUP BY member_id) e
		ON e.member_id = m.member_id WHERE m.balance <> COALESCE(e.s, 0)`},
	{"balance_missing", "no cached balance (%d), entries sum to %d", `SELECT e.member_id, 0, 0, SUM(e.delta) FROM points_entries e
		WHERE NOT EXISTS (SELECT 1 FROM member_points m WHERE m.member_id = e.member_id) GROUP BY e.member_id`},
	{"lot_mismatch", "lot remaining %d, points less takes %d", `SELECT l.member_id, l.id, l.remaining, l.points - COALESCE(t.s, 0)
		FROM points_lots l LEFT JOIN (SELECT lot_id, SUM(points) AS s FROM points_takes GROUP BY lot_id) t ON t.lot_id = l.id
		WHERE l.remaining <> l.points - COALESCE(t.s, 0) OR l.remaining < 0 OR l.remaining > l.points`},
	{"lots_short", "balance %d exceeds the %d points left in lots", `SELECT m.member_id, 0, m.balance, COALESCE(l.s, 0)
		FROM member_points m LEFT JOIN (SELECT member_id, SUM(remaining) AS s FROM points_lots GROUP BY member_id) l
		ON l.member_id = m.member_id WHERE m.balance > COALESCE(l.s, 0)`},
	{"negative_balance", "balance %d (%d)", `SELECT member_id, 0, balance, 0 FROM member_points WHERE balance < 0`},
	{"earn_mismatch", "earned %d, earn entries %d", `SELECT COALESCE(s.member_id, 0), s.id, s.points_earned, COALESCE(SUM(e.delta), 0)
		FROM sales s LEFT JOIN points_entries e ON e.kind = 'earn' AND e.source = 'sale' AND e.source_id = s.id
		GROUP BY s.id, s.member_id, s.points_earned
		HAVING (s.member_id IS NOT NULL AND s.points_earned > 0 AND (COUNT(e.id) <> 1 OR SUM(e.delta) <> s.points_earned))
		OR ((s.member_id IS NULL OR s.points_earned = 0) AND COUNT(e.id) > 0)`},
	{"redeem_mismatch", "redeemed %d, redeem entries %d", `SELECT COALESCE(s.member_id, 0), s.id, s.points_redeemed, -COALESCE(SUM(e.delta), 0)
		FROM sales s LEFT JOIN points_entries e ON e.kind = 'redeem' AND e.source = 'sale' AND e.source_id = s.id
		GROUP BY s.id, s.member_id, s.points_redeemed
		HAVING (s.points_redeemed > 0 AND (COUNT(e.id) <> 1 OR -SUM(e.delta) <> s.points_redeemed))
		OR (s.points_redeemed = 0 AND COUNT(e.id) > 0)`},
	{"refund_exceeds_sale", "line %d refunded beyond its quantity or amount (%d)", `SELECT 0, sale_id, line_no, 0 FROM sale_lines
		WHERE refunded_qty > quantity OR refunded_fen > amount_fen OR refunded_qty < 0 OR refunded_fen < 0`},
	{"refund_lines_mismatch", "line %d: refund lines disagree with the line's refunded columns (%d)", `SELECT 0, l.sale_id, l.line_no, 0
		FROM sale_lines l LEFT JOIN (SELECT f.sale_id, rl.line_no, SUM(rl.quantity) AS q, SUM(rl.amount_fen) AS a
		FROM refund_lines rl JOIN refunds f ON f.id = rl.refund_id GROUP BY f.sale_id, rl.line_no) r
		ON r.sale_id = l.sale_id AND r.line_no = l.line_no
		WHERE l.refunded_qty <> COALESCE(r.q, 0) OR l.refunded_fen <> COALESCE(r.a, 0)`},
	{"sale_totals_mismatch", "sale amount %d, lines %d", `SELECT 0, s.id, s.amount_fen, COALESCE(SUM(l.amount_fen), 0)
		FROM sales s LEFT JOIN sale_lines l ON l.sale_id = s.id GROUP BY s.id, s.amount_fen
		HAVING s.amount_fen <> COALESCE(SUM(l.amount_fen), 0)`},
	{"sale_refunded_mismatch", "sale refunded %d, lines %d", `SELECT 0, s.id, s.refunded_fen, COALESCE(SUM(l.refunded_fen), 0)
		FROM sales s LEFT JOIN sale_lines l ON l.sale_id = s.id GROUP BY s.id, s.refunded_fen
		HAVING s.refunded_fen <> COALESCE(SUM(l.refunded_fen), 0)`},
	{"payment_mismatch", "sale amount %d, payments %d", `SELECT 0, s.id, s.amount_fen, COALESCE(SUM(p.amount_fen), 0)
		FROM sales s LEFT JOIN sale_payments p ON p.sale_id = s.id GROUP BY s.id, s.amount_fen
		HAVING s.amount_fen <> COALESCE(SUM(p.amount_fen), 0)`},
}

func (s *Sales) Check(ctx context.Context) ([]sales.Violation, error) {
	var out []sales.Violation
	for _, c := range checks {
		rows, err := s.db.Query(ctx, c.q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.code, err)
		}
		for rows.Next() {
			var member, id, a, b int64
			if err := rows.Scan(&member, &id, &a, &b); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", c.code, err)
			}
			v := sales.Violation{Code: c.code, MemberID: member, Detail: fmt.Sprintf(c.detail, a, b)}
			if c.code == "lot_mismatch" {
				v.Detail = fmt.Sprintf("lot %d: ", id) + v.Detail
			} else {
				v.SaleID = id
			}
			out = append(out, v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.code, err)
		}
	}
	return out, nil
}

// ---- inside a write transaction ----

// forUpdate locks the rows read on PostgreSQL; SQLite's single writer
// already excludes every other writer.
func (t *salesTx) forUpdate() string {
	if t.tx.db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

func (t *salesTx) LockMember(ctx context.Context, memberID int64, at time.Time) (int64, int64, error) {
	id := memberID
	// A merge may retire the member while we wait for its lock; then the
	// row is gone and the survivor is looked up again.
	for range 5 {
		var status string
		var into, bal sql.NullInt64
		var err error
		if t.tx.db.Dialect == SQLite {
			// The writer holds the only write lock: reading is locking,
			// and one statement reads both rows.
			err = t.tx.QueryRow(ctx, `SELECT m.status, m.merged_into, p.balance FROM members m
				LEFT JOIN member_points p ON p.member_id = m.id WHERE m.id = ?`, id).Scan(&status, &into, &bal)
		} else {
			err = t.tx.QueryRow(ctx, `SELECT status, merged_into FROM members WHERE id = ?`, id).Scan(&status, &into)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, nil
		}
		if err != nil {
			return 0, 0, err
		}
		if status == "merged" && into.Valid {
			id = into.Int64
			continue
		}
		if bal.Valid {
			return id, bal.Int64, nil
		}
		if t.tx.db.Dialect == Postgres {
			err = t.tx.QueryRow(ctx, `SELECT balance FROM member_points WHERE member_id = ? FOR UPDATE`, id).Scan(&bal)
			if err == nil {
				return id, bal.Int64, nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return 0, 0, err
			}
		}
		if _, err := t.tx.Exec(ctx, ensureBalance, id, Millis(at)); err != nil {
			return 0, 0, err
		}
		err = t.tx.QueryRow(ctx, `SELECT balance FROM member_points WHERE member_id = ?`+t.forUpdate(), id).Scan(&bal)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		return id, bal.Int64, err
	}
	return 0, 0, fmt.Errorf("store: member %d keeps moving", memberID)
}

func (t *salesTx) SaleByReceipt(ctx context.Context, storeID int64, terminal, receipt string) (*sales.Stored, error) {
	return stored(t.tx, ctx, saleByReceipt, storeID, terminal, receipt)
}

func (t *salesTx) InsertSale(ctx context.Context, s *sales.Sale, hash []byte, response string, at time.Time) (int64, error) {
	if t.tx.db.Dialect == Postgres {
		return t.insertSalePG(ctx, s, hash, response, at)
	}
	id, err := t.tx.InsertID(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, cashier, channel,
		pickup_status, sold_at, amount_fen, discount_fen, points_earned, points_redeemed, status, created_at, response)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.StoreID, s.Terminal, s.Receipt, hash, nullID(s.MemberID), s.Cashier, s.Channel, s.PickupStatus, Millis(s.SoldAt),
		s.AmountFen, s.DiscountFen, s.PointsEarned, s.PointsRedeemed, s.Status, Millis(at), response)
	if IsUnique(err) {
		return 0, sales.ErrDuplicate
	}
	if err != nil {
		return 0, fmt.Errorf("store: insert sale: %w", err)
	}
	lines := make([][]any, len(s.Lines))
	for i, l := range s.Lines {
		lines[i] = []any{id, l.LineNo, nullID(l.ProductID), l.Product, l.Name, l.Category, l.Unit, l.Quantity,
			l.UnitPriceFen, l.DiscountFen, l.AmountFen, l.Points}
	}
	if err := t.tx.InsertRows(ctx, "sale_lines", lineInsertCols, lines); err != nil {
		return 0, fmt.Errorf("store: insert sale lines: %w", err)
	}
	pays := make([][]any, len(s.Payments))
	for i, p := range s.Payments {
		pays[i] = []any{id, i + 1, p.Method, p.AmountFen, p.Points}
	}
	if err := t.tx.InsertRows(ctx, "sale_payments", payInsertCols, pays); err != nil {
		return 0, fmt.Errorf("store: insert sale payments: %w", err)
	}
	return id, nil
}

// insertSalePG writes the sale, its lines and payments in one statement:
// on PostgreSQL each statement is a round trip, and round trips, not the
// writes, set the till's rate there.
func (t *salesTx) insertSalePG(ctx context.Context, s *sales.Sale, hash []byte, response string, at time.Time) (int64, error) {
	n := len(s.Lines)
	lineNo, qty, price, disc, amount, points := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	product := make([]*int64, n)
	code, name, cat, unit := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range s.Lines {
		lineNo[i], qty[i], price[i], disc[i], amount[i], points[i] = int64(l.LineNo), l.Quantity, l.UnitPriceFen, l.DiscountFen, l.AmountFen, l.Points
		if l.ProductID != 0 {
			product[i] = &l.ProductID
		}
		code[i], name[i], cat[i], unit[i] = l.Product, l.Name, l.Category, l.Unit
	}
	m := len(s.Payments)
	seq, method, payFen, payPts := make([]int64, m), make([]string, m), make([]int64, m), make([]int64, m)
	for i, p := range s.Payments {
		seq[i], method[i], payFen[i], payPts[i] = int64(i+1), p.Method, p.AmountFen, p.Points
	}
	var id int64
	err := t.tx.QueryRow(ctx, `WITH s AS (
			INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, cashier, channel, pickup_status,
				sold_at, amount_fen, discount_fen, points_earned, points_redeemed, status, created_at, response)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id),
		l AS (
			INSERT INTO sale_lines (`+lineInsertCols+`)
			SELECT s.id, u.* FROM s, unnest($17::bigint[], $18::bigint[], $19::text[], $20::text[], $21::text[], $22::text[],
				$23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[], $27::bigint[]) AS u),
		p AS (
			INSERT INTO sale_payments (`+payInsertCols+`)
			SELECT s.id, u.* FROM s, unnest($28::bigint[], $29::text[], $30::bigint[], $31::bigint[]) AS u)
		SELECT id FROM s`,
		s.StoreID, s.Terminal, s.Receipt, hash, nullID(s.MemberID), s.Cashier, s.Channel, s.PickupStatus, Millis(s.SoldAt),
		s.AmountFen, s.DiscountFen, s.PointsEarned, s.PointsRedeemed, s.Status, Millis(at), response,
		lineNo, product, code, name, cat, unit, qty, price, disc, amount, points,
		seq, method, payFen, payPts).Scan(&id)
	if IsUnique(err) {
		return 0, sales.ErrDuplicate
	}
	if err != nil {
		return 0, fmt.Errorf("store: insert sale: %w", err)
	}
	return id, nil
}

func (t *salesTx) SaleMember(ctx context.Context, saleID int64) (int64, bool, error) {
	var m int64
	err := t.tx.QueryRow(ctx, `SELECT COALESCE(member_id, 0) FROM sales WHERE id = ?`, saleID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return m, err == nil, err
}

func (t *salesTx) LockSale(ctx context.Context, saleID int64) (*sales.Sale, error) {
	s, _, err := loadSale(ctx, t.tx, saleID, t.forUpdate())
	return s, err
}

func (t *salesTx) SaveRefunded(ctx context.Context, s *sales.Sale) error {
	if _, err := t.tx.Exec(ctx, `UPDATE sales SET refunded_fen = ?, status = ? WHERE id = ?`, s.RefundedFen, s.Status, s.ID); err != nil {
		return err
	}
	for _, l := range s.Lines {
		if _, err := t.tx.Exec(ctx, `UPDATE sale_lines SET refunded_qty = ?, refunded_fen = ?, points_reversed = ?
			WHERE sale_id = ? AND line_no = ?`, l.RefundedQty, l.RefundedFen, l.PointsReversed, s.ID, l.LineNo); err != nil {
			return err
		}
	}
	return nil
}

func (t *salesTx) RefundByNo(ctx context.Context, storeID int64, terminal, no string) (*sales.Stored, error) {
	return stored(t.tx, ctx, refundByNo, storeID, terminal, no)
}

func (t *salesTx) InsertRefund(ctx context.Context, r *sales.RefundRow) (int64, error) {
	id, err := t.tx.InsertID(ctx, `INSERT INTO refunds (sale_id, store_id, terminal, refund_no, request_hash, amount_fen,
		points_reversed, points_returned, points_unrecovered, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.SaleID, r.StoreID, r.Terminal, r.RefundNo, r.Hash, r.AmountFen, r.PointsReversed, r.PointsReturned,
		r.PointsUnrecovered, r.Reason, Millis(r.At))
	if IsUnique(err) {
		return 0, sales.ErrDuplicate
	}
	if err != nil {
		return 0, fmt.Errorf("store: insert refund: %w", err)
	}
	rows := make([][]any, len(r.Lines))
	for i, l := range r.Lines {
		rows[i] = []any{id, l.LineNo, l.Quantity, l.AmountFen, l.Points}
	}
	if err := t.tx.InsertRows(ctx, "refund_lines", `refund_id, line_no, quantity, amount_fen, points`, rows); err != nil {
		return 0, fmt.Errorf("store: insert refund lines: %w", err)
	}
	return id, nil
}

func (t *salesTx) SetRefund(ctx context.Context, r *sales.Refund, response string) error {
	_, err := t.tx.Exec(ctx, `UPDATE refunds SET points_reversed = ?, points_returned = ?, points_unrecovered = ?, response = ?
		WHERE id = ?`, r.PointsReversed, r.PointsReturned, r.PointsUnrecovered, response, r.ID)
	return err
}

func (t *salesTx) Lots(ctx context.Context, memberID int64) ([]loyalty.Lot, error) {
	return openLots(ctx, t.tx, memberID)
}

func (t *salesTx) SaleLot(ctx context.Context, saleID int64) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `SELECT l.id FROM points_lots l JOIN points_entries e ON e.id = l.entry_id
		WHERE e.kind = 'earn' AND e.source = 'sale' AND e.source_id = ?`, saleID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

func (t *salesTx) RedeemExpiry(ctx context.Context, saleID int64) (time.Time, bool, error) {
	rows, err := t.tx.Query(ctx, `SELECT l.expires_at FROM points_takes k JOIN points_entries e ON e.id = k.entry_id
		JOIN points_lots l ON l.id = k.lot_id WHERE e.kind = 'redeem' AND e.source = 'sale' AND e.source_id = ?`, saleID)
	if err != nil {
		return time.Time{}, false, err
	}
	defer rows.Close()
	var latest int64
	found, never := false, false
	for rows.Next() {
		var exp sql.NullInt64
		if err := rows.Scan(&exp); err != nil {
			return time.Time{}, false, err
		}
		found = true
		if !exp.Valid {
			never = true
		} else if exp.Int64 > latest {
			latest = exp.Int64
		}
	}
	if err := rows.Err(); err != nil || !found || never {
		return time.Time{}, found, err
	}
	return FromMillis(latest), true, nil
}

func (t *salesTx) AddEntry(ctx context.Context, e *sales.Entry) (int64, error) {
	id, err := t.tx.InsertID(ctx, `INSERT INTO points_entries (member_id, delta, kind, source, source_id, rule, operator, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.MemberID, e.Delta, e.Kind, e.Source, nullID(e.SourceID), e.Rule, e.Operator,
		e.Reason, Millis(e.At))
	if err != nil {
		return 0, err
	}
	res, err := t.tx.Exec(ctx, `UPDATE member_points SET balance = balance + ?, updated_at = ? WHERE member_id = ?`,
		e.Delta, Millis(e.At), e.MemberID)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, fmt.Errorf("store: member %d has no balance row (lock it first)", e.MemberID)
	}
	return id, nil
}

func (t *salesTx) Credit(ctx context.Context, e *sales.Entry, expiresAt time.Time) (int64, error) {
	var exp any
	if !expiresAt.IsZero() {
		exp = Millis(expiresAt)
	}
	if t.tx.db.Dialect != Postgres {
		id, err := t.AddEntry(ctx, e)
		if err != nil {
			return 0, err
		}
		if _, err := t.OpenLot(ctx, e.MemberID, id, e.Delta, e.At, expiresAt); err != nil {
			return 0, err
		}
		return id, nil
	}
	// One statement, one round trip (see insertSalePG).
	var id, moved int64
	err := t.tx.QueryRow(ctx, `WITH e AS (
			INSERT INTO points_entries (member_id, delta, kind, source, source_id, rule, operator, reason, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id),
		b AS (
			UPDATE member_points SET balance = balance + $2, updated_at = $9 WHERE member_id = $1 RETURNING member_id),
		l AS (
			INSERT INTO points_lots (member_id, entry_id, points, remaining, earned_at, expires_at)
			SELECT $1, e.id, $2, $2, $9, $10::bigint FROM e)
		SELECT e.id, (SELECT COUNT(*) FROM b) FROM e`,
		e.MemberID, e.Delta, e.Kind, e.Source, nullID(e.SourceID), e.Rule, e.Operator, e.Reason, Millis(e.At), exp).Scan(&id, &moved)
	if err != nil {
		return 0, err
	}
	if moved != 1 {
		return 0, fmt.Errorf("store: member %d has no balance row (lock it first)", e.MemberID)
	}
	return id, nil
}

func (t *salesTx) OpenLot(ctx context.Context, memberID, entryID, points int64, earnedAt, expiresAt time.Time) (int64, error) {
	var exp any
	if !expiresAt.IsZero() {
		exp = Millis(expiresAt)
	}
	return t.tx.InsertID(ctx, `INSERT INTO points_lots (member_id, entry_id, points, remaining, earned_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, memberID, entryID, points, points, Millis(earnedAt), exp)
}

func (t *salesTx) Take(ctx context.Context, entryID int64, takes []loyalty.Take) error {
	for _, k := range takes {
		if _, err := t.tx.Exec(ctx, `INSERT INTO points_takes (entry_id, lot_id, points) VALUES (?, ?, ?)`, entryID, k.LotID, k.Points); err != nil {
			return err
		}
		res, err := t.tx.Exec(ctx, `UPDATE points_lots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?`, k.Points, k.LotID, k.Points)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("store: lot %d holds less than %d points", k.LotID, k.Points)
		}
	}
	return nil
}

func (t *salesTx) PutSetting(ctx context.Context, key, value string) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

func (t *salesTx) Audit(ctx context.Context, at time.Time, actor linli.Actor, action, entity string, id int64, detail string) error {
	return AppendAuditTx(ctx, t.tx, at, actor, action, entity, id, detail)
}

// mergePoints moves the merged member's ledger to the survivor and sums
// their cached balances, by recomputing the survivor's from its entries.
// Both balance rows are locked first (lower id first, as no other writer
// holds two), so no sale of either member runs meanwhile.
func mergePoints(ctx context.Context, tx *Tx, from, into, now int64) error {
	for _, id := range []int64{from, into} {
		if _, err := tx.Exec(ctx, ensureBalance, id, now); err != nil {
			return err
		}
	}
	if tx.db.Dialect == Postgres {
		if _, err := column[int64](tx.Query(ctx, `SELECT member_id FROM member_points WHERE member_id IN (?, ?)
			ORDER BY member_id FOR UPDATE`, from, into)); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`UPDATE points_entries SET member_id = ? WHERE member_id = ?`,
		`UPDATE points_lots SET member_id = ? WHERE member_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, into, from); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE member_points SET balance = (SELECT COALESCE(SUM(delta), 0) FROM points_entries
		WHERE member_id = ?), updated_at = ? WHERE member_id = ?`, into, now, into); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM member_points WHERE member_id = ?`, from)
	return err
}

func (s *Sales) SalesSummary(ctx context.Context, storeID int64, from, to time.Time) (sales.Summary, error) {
	q := `SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen - refunded_fen), 0) AS BIGINT), COUNT(member_id),
		CAST(COALESCE(SUM(CASE WHEN member_id IS NOT NULL THEN amount_fen - refunded_fen ELSE 0 END), 0) AS BIGINT)
		FROM sales WHERE sold_at >= ? AND sold_at < ? AND status <> 'voided'`
	args := []any{Millis(from), Millis(to)}
	if storeID != 0 {
		q += ` AND store_id = ?`
		args = append(args, storeID)
	}
	var sum sales.Summary
	if err := s.db.QueryRow(ctx, q, args...).Scan(&sum.Sales, &sum.NetFen, &sum.MemberSales, &sum.MemberNetFen); err != nil {
		return sum, fmt.Errorf("store: sales summary: %w", err)
	}
	return sum, nil
}

var _ sales.SummaryStore = (*Sales)(nil)
