package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/sales"
)

var _ sales.HistoryStore = (*Sales)(nil)

// inChunk bounds the values of one IN list.
const inChunk = 500

// chunks calls fn with slices of at most inChunk values.
func chunks[T any](vs []T, fn func(part []T) error) error {
	for len(vs) > 0 {
		n := min(len(vs), inChunk)
		if err := fn(vs[:n]); err != nil {
			return err
		}
		vs = vs[n:]
	}
	return nil
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (s *Sales) EnsureProducts(ctx context.Context, products []catalog.Input, at time.Time) (int, error) {
	added := 0
	err := s.db.Write(ctx, func(tx *Tx) error {
		added = 0
		return chunks(products, func(part []catalog.Input) error {
			codes := make([]string, len(part))
			for i, p := range part {
				codes[i] = p.Code
			}
			known, err := column[string](tx.Query(ctx, `SELECT code FROM products WHERE code IN (`+placeholders(len(codes))+`)`, anys(codes)...))
			if err != nil {
				return fmt.Errorf("store: find products: %w", err)
			}
			have := map[string]bool{}
			for _, c := range known {
				have[c] = true
			}
			var rows [][]any
			for _, p := range part {
				if have[p.Code] {
					continue
				}
				have[p.Code] = true
				unit := p.Unit
				if unit == "" {
					unit = catalog.UnitPiece
				}
				rows = append(rows, []any{p.Code, p.Barcode, p.Name, p.Category, p.Brand, unit, p.PriceFen, true, Millis(at), Millis(at)})
			}
			if err := tx.InsertRows(ctx, "products", `code, barcode, name, category, brand, unit, price_fen, active,
				created_at, updated_at`, rows); err != nil {
				return fmt.Errorf("store: add products: %w", err)
			}
			added += len(rows)
			return nil
		})
	})
	return added, err
}

// resolveMembers maps keys to members through q, which selects the key,
// id, status and merged_into of the members whose key is in the list.
func (s *Sales) resolveMembers(ctx context.Context, q string, keys []any) (map[string]int64, error) {
	out := map[string]int64{}
	merged := map[string]int64{}
	err := chunks(keys, func(part []any) error {
		rows, err := s.db.Query(ctx, fmt.Sprintf(q, placeholders(len(part))), part...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				key    []byte
				id     int64
				status string
				into   sql.NullInt64
			)
			if err := rows.Scan(&key, &id, &status, &into); err != nil {
				return err
			}
			out[string(key)] = id
			if status == "merged" && into.Valid {
				merged[string(key)] = into.Int64
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// A merge chain ends at a member not merged; follow it a few steps.
	for k, into := range merged {
		for range 5 {
			var status string
			var next sql.NullInt64
			if err := s.db.QueryRow(ctx, `SELECT status, merged_into FROM members WHERE id = ?`, into).Scan(&status, &next); err != nil {
				return nil, err
			}
			if status != "merged" || !next.Valid {
				break
			}
			into = next.Int64
		}
		out[k] = into
	}
	return out, nil
}

func (s *Sales) MembersByCard(ctx context.Context, cards []string) (map[string]int64, error) {
	return s.resolveMembers(ctx, `SELECT card_no, id, status, merged_into FROM members WHERE card_no IN (%s)`, anys(cards))
}

func (s *Sales) MembersByPhoneHash(ctx context.Context, hashes [][]byte) (map[string]int64, error) {
	return s.resolveMembers(ctx, `SELECT phone_hash, id, status, merged_into FROM members WHERE phone_hash IN (%s)`, anys(hashes))
}

func (s *Sales) PlaceholderMembers(ctx context.Context, cards []string, storeID int64, at time.Time) (int, error) {
	added := 0
	err := s.db.Write(ctx, func(tx *Tx) error {
		added = 0
		return chunks(cards, func(part []string) error {
			known, err := column[string](tx.Query(ctx, `SELECT card_no FROM members WHERE card_no IN (`+placeholders(len(part))+`)`, anys(part)...))
			if err != nil {
				return fmt.Errorf("store: find cards: %w", err)
			}
			have := map[string]bool{}
			for _, c := range known {
				have[c] = true
			}
			var rows [][]any
			for _, c := range part {
				if have[c] {
					continue
				}
				have[c] = true
				rows = append(rows, []any{c, "import", nullID(storeID), "active", Millis(at), Millis(at), Millis(at)})
			}
			if err := tx.InsertRows(ctx, "members", `card_no, channel, store_id, status, created_at, updated_at,
				last_active_at`, rows); err != nil {
				return fmt.Errorf("store: add placeholder members: %w", err)
			}
			added += len(rows)
			return nil
		})
	})
	return added, err
}

func (s *Sales) InsertHistory(ctx context.Context, storeID int64, batch []sales.HistorySale, at time.Time) (int, error) {
	inserted := 0
	err := s.db.Write(ctx, func(tx *Tx) error {
		inserted = 0
		have := map[string]bool{}
		codes := map[string]int64{}
		names := map[string][2]string{}
		var receipts []string
		var codeList []string
		for _, h := range batch {
			receipts = append(receipts, h.Receipt)
			for _, l := range h.Lines {
				if _, ok := codes[l.Product]; !ok {
					codes[l.Product] = 0
					codeList = append(codeList, l.Product)
				}
			}
		}
		err := chunks(receipts, func(part []string) error {
			got, err := column[string](tx.Query(ctx, `SELECT receipt_no FROM sales WHERE store_id = ? AND terminal = ?
				AND receipt_no IN (`+placeholders(len(part))+`)`, append([]any{storeID, sales.ImportTerminal}, anys(part)...)...))
			for _, r := range got {
				have[r] = true
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("store: find imported receipts: %w", err)
		}
		err = chunks(codeList, func(part []string) error {
			rows, err := tx.Query(ctx, `SELECT code, id, name, category FROM products WHERE code IN (`+placeholders(len(part))+`)`, anys(part)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var c, name, cat string
				var id int64
				if err := rows.Scan(&c, &id, &name, &cat); err != nil {
					return err
				}
				codes[c] = id
				names[c] = [2]string{name, cat}
			}
			return rows.Err()
		})
		if err != nil {
			return fmt.Errorf("store: find products: %w", err)
		}
		var fresh []sales.HistorySale
		for _, h := range batch {
			if !have[h.Receipt] {
				have[h.Receipt] = true // a receipt twice in one batch is stored once
				fresh = append(fresh, h)
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		ids, err := tx.ReserveIDs(ctx, "sales", len(fresh))
		if err != nil {
			return err
		}
		var saleRows, lineRows, payRows [][]any
		for i, h := range fresh {
			var total int64
			for n, l := range h.Lines {
				// The file's name and category win; the catalogue's fill in.
				if l.Name == "" {
					l.Name = names[l.Product][0]
				}
				if l.Category == "" {
					l.Category = names[l.Product][1]
				}
				lineRows = append(lineRows, []any{ids[i], n + 1, nullID(codes[l.Product]), l.Product, l.Name, l.Category,
					catalog.UnitPiece, l.Quantity, l.UnitPriceFen, 0, l.AmountFen, 0})
				total += l.AmountFen
			}
			b, _ := json.Marshal(h)
			sum := sha256.Sum256(b)
			saleRows = append(saleRows, []any{ids[i], storeID, sales.ImportTerminal, h.Receipt, sum[:], nullID(h.MemberID),
				sales.ChannelStore, Millis(h.SoldAt), total, sales.StatusCompleted, Millis(at)})
			payRows = append(payRows, []any{ids[i], 1, sales.PayCash, total, 0})
		}
		if err := tx.InsertRows(ctx, "sales", `id, store_id, terminal, receipt_no, request_hash, member_id, channel,
			sold_at, amount_fen, status, created_at`, saleRows); err != nil {
			return fmt.Errorf("store: insert history sales: %w", err)
		}
		if err := tx.InsertRows(ctx, "sale_lines", lineInsertCols, lineRows); err != nil {
			return fmt.Errorf("store: insert history lines: %w", err)
		}
		if err := tx.InsertRows(ctx, "sale_payments", payInsertCols, payRows); err != nil {
			return fmt.Errorf("store: insert history payments: %w", err)
		}
		inserted = len(fresh)
		return nil
	})
	return inserted, err
}

func (s *Sales) RefundHistory(ctx context.Context, storeID int64, r sales.HistoryRefund) (applied, found bool, err error) {
	err = s.db.Write(ctx, func(tx *Tx) error {
		applied, found = false, false
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM refunds WHERE store_id = ? AND terminal = ? AND refund_no = ?`,
			storeID, sales.ImportTerminal, r.RefundNo).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			found = true
			return nil
		}
		var saleID int64
		err := tx.QueryRow(ctx, `SELECT id FROM sales WHERE store_id = ? AND terminal = ? AND receipt_no = ?`,
			storeID, sales.ImportTerminal, r.Receipt).Scan(&saleID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		sale, _, err := loadSale(ctx, tx, saleID, "")
		if err != nil {
			return err
		}
		for i := range sale.Lines {
			l := &sale.Lines[i]
			// A line of quantity 0 (a service, a deposit) refunds by amount.
			qtyLeft, fenLeft := l.Quantity-l.RefundedQty, l.AmountFen-l.RefundedFen
			if l.Product != r.Product || fenLeft <= 0 || (l.Quantity > 0 && qtyLeft <= 0) {
				continue
			}
			found = true
			qty, fen := min(max(qtyLeft, 0), r.Quantity), min(fenLeft, r.AmountFen)
			b, _ := json.Marshal(r)
			sum := sha256.Sum256(b)
			id, err := tx.InsertID(ctx, `INSERT INTO refunds (sale_id, store_id, terminal, refund_no, request_hash, amount_fen,
				reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				saleID, storeID, sales.ImportTerminal, r.RefundNo, sum[:], fen, "import", Millis(r.At))
			if err != nil {
				return fmt.Errorf("store: insert history refund: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO refund_lines (refund_id, line_no, quantity, amount_fen) VALUES (?, ?, ?, ?)`,
				id, l.LineNo, qty, fen); err != nil {
				return fmt.Errorf("store: insert history refund line: %w", err)
			}
			l.RefundedQty += qty
			l.RefundedFen += fen
			sale.RefundedFen += fen
			if sale.RefundedFen >= sale.AmountFen {
				sale.Status = sales.StatusRefunded
			}
			applied = true
			return (&salesTx{tx}).SaveRefunded(ctx, sale)
		}
		return nil
	})
	return applied, found, err
}
