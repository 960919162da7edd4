package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Sale groups on PostgreSQL run on a sale committer's own connection (see
// openSaleConns) with their statements pipelined: the server runs them one
// after another, as if sent one by one, but the client waits for the
// answers once. One round trip begins the transaction, locks the members,
// reads their tier windows and reserves the ids (a group with members'
// first sales takes one more to create their balance rows and lock them);
// after the sales have run against their buffers, another writes the
// group's rows and commits. Each
// statement takes its snapshot when it starts, after the one before has
// ended, so the tier windows are read after the locks are held, as if
// sent apart.

// commitGroupPG commits the group, filling answers for the sales it
// answers and returning those to run alone. An error means none of it
// holds: every sale then runs alone.
func (s *Sales) commitGroupPG(ctx context.Context, group []*saleWork, answers map[*saleWork]error) (alone []*saleWork, err error) {
	conn, err := s.db.sale.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: sale connection: %w", err)
	}
	defer conn.Close()
	open := false // a transaction is open on conn
	defer func() {
		if open {
			// The pool would drop a connection left inside a
			// transaction; ending it keeps the connection.
			if _, rerr := conn.ExecContext(ctx, "ROLLBACK"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
			}
		}
	}()

	ids := groupMembers(group)
	states := make(map[int64]*memberState, len(ids))
	pool := &groupIDs{}
	taken := make([]bool, len(group))
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		b.Queue("BEGIN")
		s.queueMembers(b, ids, false)
		wm, wf, wt := groupWindows(group, nil)
		queueWindows(b, wm, wf, wt)
		// Ids for each sale — one sale, at most two entries (an earning
		// and a redemption) and one lot — and the receipts taken already.
		n := len(group)
		rc := groupReceipts(group)
		b.Queue(`SELECT 1, nextval(pg_get_serial_sequence('sales', 'id')) FROM generate_series(1, $1::int)
			UNION ALL SELECT 2, nextval(pg_get_serial_sequence('points_entries', 'id')) FROM generate_series(1, $2::int)
			UNION ALL SELECT 3, nextval(pg_get_serial_sequence('points_lots', 'id')) FROM generate_series(1, $3::int)
			UNION ALL SELECT 4, r.k - 1 FROM unnest($4::bigint[], $5::text[], $6::text[]) WITH ORDINALITY AS r(store_id, terminal, receipt_no, k)
				JOIN sales s ON s.store_id = r.store_id AND s.terminal = r.terminal AND s.receipt_no = r.receipt_no`,
			n, 2*n, n, rc.stores, rc.terminals, rc.receipts)

		br := c.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
		open = true
		if err := readMembers(br, states, false); err != nil {
			return err
		}
		if err := readReserve(br, pool, taken, rc.at); err != nil {
			return fmt.Errorf("store: reserve ids: %w", err)
		}
		if err := br.Close(); err != nil {
			return err
		}
		if len(states) == len(ids) {
			return nil
		}
		// First sales of members (or members merged or unknown, which the
		// statements leave out again): their balance rows, their locks and
		// then their tier windows, in one more round trip.
		var missing []int64
		for _, id := range ids {
			if states[id] == nil {
				missing = append(missing, id)
			}
		}
		b = &pgx.Batch{}
		s.queueMembers(b, missing, true)
		var mm, mf, mt []int64
		for i, m := range wm {
			if slices.Contains(missing, m) {
				mm, mf, mt = append(mm, m), append(mf, wf[i]), append(mt, wt[i])
			}
		}
		queueWindows(b, mm, mf, mt)
		br = c.SendBatch(ctx, b)
		defer br.Close()
		return readMembers(br, states, true)
	})
	if err != nil {
		return nil, err
	}

	tx := &Tx{db: s.db, conn: conn}
	bufs, alone, err := runBuffers(tx, group, states, pool, taken, answers)
	if err != nil {
		return nil, err
	}
	if len(bufs) == 0 {
		open = false
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			return nil, fmt.Errorf("store: commit: %w", err)
		}
		return alone, nil
	}
	// The rows and the commit go together unless a sale left writes for
	// after its rows (tier changes), which run between them.
	later := false
	for _, b := range bufs {
		later = later || len(b.after) > 0
	}
	q, args := flushPG(collectRows(bufs))
	err = conn.Raw(func(dc any) error {
		b := &pgx.Batch{}
		b.Queue(q, args...)
		if !later {
			b.Queue("COMMIT")
		}
		br := dc.(*stdlib.Conn).Conn().SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("store: write sale group: %w", err)
		}
		if !later {
			open = false
			if _, err := br.Exec(); err != nil {
				return fmt.Errorf("store: commit: %w", err)
			}
		}
		return nil
	})
	if err != nil || !later {
		return alone, err
	}
	if err := runAfter(bufs); err != nil {
		return nil, err
	}
	open = false
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	return alone, nil
}

// readReserve reads the ids reserved and the receipts taken (see
// commitGroupPG); at maps the receipts to their sales in the group.
func readReserve(br pgx.BatchResults, pool *groupIDs, taken []bool, at []int) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var id int64
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		switch kind {
		case 1:
			pool.spare.sales = append(pool.spare.sales, id)
		case 2:
			pool.spare.entries = append(pool.spare.entries, id)
		case 3:
			pool.spare.lots = append(pool.spare.lots, id)
		default:
			taken[at[id]] = true
		}
	}
	return rows.Err()
}

// queueMembers queues the locks of members (in id order, as every writer
// of balances takes them), after creating their balance rows when insert.
func (s *Sales) queueMembers(b *pgx.Batch, ids []int64, insert bool) {
	if insert {
		b.Queue(s.db.Rebind(`INSERT INTO member_points (member_id, balance, updated_at)
			SELECT id, 0, ? FROM members WHERE id = ANY(?::bigint[]) AND status <> 'merged' ORDER BY id
			ON CONFLICT (member_id) DO NOTHING`), Millis(time.Now()), ids)
	}
	b.Queue(s.db.Rebind(memberStateQuery+`WHERE p.member_id = ANY(?::bigint[]) ORDER BY p.member_id FOR UPDATE OF p`), ids)
}

// queueWindows queues the read of tier windows. One pass over each
// member's sales in the window: the row comparisons can be served only by
// the (member_id, sold_at) index, so the generic plan of the sale
// connections cannot pick the index on sold_at alone, which would read
// every member's sales of the year.
func queueWindows(b *pgx.Batch, ids, from, to []int64) {
	b.Queue(`SELECT w.member_id, COALESCE(s.spend, 0), s.visits, COALESCE(p.points, 0)
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS w(member_id, f, t)
		CROSS JOIN LATERAL (SELECT SUM(amount_fen - refunded_fen) FILTER (WHERE status <> 'voided') AS spend,
				COUNT(*) FILTER (WHERE status = 'completed') AS visits
			FROM sales WHERE (member_id, sold_at) > (w.member_id, w.f) AND (member_id, sold_at) <= (w.member_id, w.t)) s
		CROSS JOIN LATERAL (SELECT SUM(delta) AS points FROM points_entries
			WHERE member_id = w.member_id AND kind IN ('earn', 'refund_reversal') AND at > w.f AND at <= w.t) p`,
		ids, from, to)
}

// readMembers reads the results of queueMembers and queueWindows into
// states.
func readMembers(br pgx.BatchResults, states map[int64]*memberState, insert bool) error {
	if insert {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("store: balance rows: %w", err)
		}
	}
	rows, err := br.Query()
	if err == nil {
		_, err = scanMemberStates(rows, states)
		rows.Close()
	}
	if err != nil {
		return fmt.Errorf("store: lock members: %w", err)
	}
	if rows, err = br.Query(); err == nil {
		err = scanActivity(rows, states)
		rows.Close()
	}
	if err != nil {
		return fmt.Errorf("store: tier windows: %w", err)
	}
	return nil
}

// flushPG is the one statement that writes a group's rows. It fails,
// with a division by zero as SQL has no assertion, unless every balance
// moved and every lot held the points taken from it: the commit that
// follows it in the same round trip must not run then.
func flushPG(g *groupRows) (string, []any) {
	i64, str := arrayOf[int64], arrayOf[string]
	ptr := arrayOf[*int64]
	sl, ln, py, en, lo, tk, ba := g.sales, g.lines, g.pays, g.entries, g.lots, g.takes, g.balances
	return `WITH s AS (
			INSERT INTO sales (` + groupSaleCols + `)
			SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bytea[], $6::bigint[], $7::text[],
				$8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[],
				$16::bigint[], $17::text[])),
		l AS (
			INSERT INTO sale_lines (` + lineInsertCols + `)
			SELECT * FROM unnest($18::bigint[], $19::bigint[], $20::bigint[], $21::text[], $22::text[], $23::text[], $24::text[],
				$25::bigint[], $26::bigint[], $27::bigint[], $28::bigint[], $29::bigint[])),
		p AS (
			INSERT INTO sale_payments (` + payInsertCols + `)
			SELECT * FROM unnest($30::bigint[], $31::bigint[], $32::text[], $33::bigint[], $34::bigint[])),
		e AS (
			INSERT INTO points_entries (` + groupEntryCols + `)
			SELECT * FROM unnest($35::bigint[], $36::bigint[], $37::bigint[], $38::text[], $39::text[], $40::bigint[],
				$41::text[], $42::text[], $43::text[], $44::bigint[])),
		o AS (
			INSERT INTO points_lots (` + groupLotCols + `)
			SELECT u.id, u.member_id, u.entry_id, u.points, u.points, u.earned_at, u.expires_at
			FROM unnest($45::bigint[], $46::bigint[], $47::bigint[], $48::bigint[], $49::bigint[], $50::bigint[])
				AS u(id, member_id, entry_id, points, earned_at, expires_at)),
		k AS (
			INSERT INTO points_takes (` + groupTakeCols + `)
			SELECT * FROM unnest($51::bigint[], $52::bigint[], $53::bigint[])),
		r AS (
			UPDATE points_lots t SET remaining = t.remaining - u.points
			FROM unnest($52::bigint[], $53::bigint[]) AS u(lot_id, points)
			WHERE t.id = u.lot_id AND t.remaining >= u.points RETURNING 1),
		b AS (
			UPDATE member_points m SET balance = m.balance + u.delta, updated_at = u.at
			FROM unnest($54::bigint[], $55::bigint[], $56::bigint[]) AS u(delta, at, member_id)
			WHERE m.member_id = u.member_id RETURNING 1)
		SELECT 1 / ((SELECT COUNT(*) FROM b) = $57 AND (SELECT COUNT(*) FROM r) = $58)::int`, []any{
			i64(sl, 0), i64(sl, 1), str(sl, 2), str(sl, 3), arrayOf[[]byte](sl, 4), ptr(sl, 5), str(sl, 6), str(sl, 7), str(sl, 8),
			i64(sl, 9), i64(sl, 10), i64(sl, 11), i64(sl, 12), i64(sl, 13), str(sl, 14), i64(sl, 15), str(sl, 16),
			i64(ln, 0), i64(ln, 1), ptr(ln, 2), str(ln, 3), str(ln, 4), str(ln, 5), str(ln, 6), i64(ln, 7), i64(ln, 8), i64(ln, 9),
			i64(ln, 10), i64(ln, 11),
			i64(py, 0), i64(py, 1), str(py, 2), i64(py, 3), i64(py, 4),
			i64(en, 0), i64(en, 1), i64(en, 2), str(en, 3), str(en, 4), i64(en, 5), str(en, 6), str(en, 7), str(en, 8), i64(en, 9),
			i64(lo, 0), i64(lo, 1), i64(lo, 2), i64(lo, 3), i64(lo, 5), ptr(lo, 6),
			i64(tk, 0), i64(tk, 1), i64(tk, 2),
			i64(ba, 0), i64(ba, 1), i64(ba, 2), len(ba), len(tk)}
}
