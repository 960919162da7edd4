package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/linli/linli/internal/insight"
)

// Insights implements insight.Store: streams of counted sales and SQL
// aggregates for the sales analyses. Counted sales are completed ones
// (wholly refunded and voided sales have their own statuses), at their
// amount net of refunds; lines refunded in full are left out.
type Insights struct{ db *DB }

// NewInsights returns the insight.Store backed by db.
func NewInsights(db *DB) *Insights { return &Insights{db: db} }

var _ insight.Store = (*Insights)(nil)

// counted is the condition on sales s of a range; the store condition is
// added by rangeArgs.
const counted = `s.status = 'completed' AND s.sold_at >= ? AND s.sold_at < ?`

// liveLine keeps the lines l not refunded in full.
const liveLine = `l.refunded_qty < l.quantity`

// rangeSQL returns the condition and arguments of r on sales s.
func rangeSQL(r insight.Range) (string, []any) {
	from := int64(0)
	if !r.From.IsZero() {
		from = Millis(r.From)
	}
	if r.StoreID != 0 {
		return counted + ` AND s.store_id = ?`, []any{from, Millis(r.To), r.StoreID}
	}
	return counted, []any{from, Millis(r.To)}
}

// each runs q and calls fn per row until the rows end, fn fails or ctx
// is done.
func (st *Insights) each(ctx context.Context, what, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := st.db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	// A cancelled query may end its rows without an error on some drivers.
	return ctx.Err()
}

func (st *Insights) Zones(ctx context.Context) (map[int64]string, error) {
	out := map[int64]string{}
	err := st.each(ctx, "store zones", `SELECT id, timezone FROM stores`, nil, func(rows *sql.Rows) error {
		var id int64
		var tz string
		if err := rows.Scan(&id, &tz); err != nil {
			return fmt.Errorf("store: store zones: %w", err)
		}
		out[id] = tz
		return nil
	})
	return out, err
}

func (st *Insights) BasketItems(ctx context.Context, r insight.Range, byCategory bool, fn func(sale int64, item string) error) error {
	col := "l.product_code"
	if byCategory {
		col = "l.category"
	}
	cond, args := rangeSQL(r)
	// Sales in (sold_at, id) order, the order of the sold_at index on
	// SQLite, keep each sale's lines together.
	q := `SELECT s.id, ` + col + ` FROM sales s JOIN sale_lines l ON l.sale_id = s.id
		WHERE ` + cond + ` AND ` + liveLine + ` ORDER BY s.sold_at, s.id`
	return st.each(ctx, "basket items", q, args, func(rows *sql.Rows) error {
		var sale int64
		var item string
		if err := rows.Scan(&sale, &item); err != nil {
			return fmt.Errorf("store: basket items: %w", err)
		}
		return fn(sale, item)
	})
}

// ProductNames reads the whole catalogue's names once, which keeps one
// statement whatever the number of codes asked for; a catalogue has
// thousands of products at most.
func (st *Insights) ProductNames(ctx context.Context, codes []string) (map[string]string, error) {
	want := make(map[string]bool, len(codes))
	for _, c := range codes {
		want[c] = true
	}
	out := make(map[string]string, len(codes))
	err := st.each(ctx, "product names", `SELECT code, name FROM products`, nil, func(rows *sql.Rows) error {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return fmt.Errorf("store: product names: %w", err)
		}
		if want[code] {
			out[code] = name
		}
		return nil
	})
	return out, err
}

func (st *Insights) Purchases(ctx context.Context, r insight.Range, fn func(member, store int64, at time.Time) error) error {
	cond, args := rangeSQL(r)
	if r.From.IsZero() {
		// Without a lower bound the member index gives the order asked
		// for, so no sort is needed.
		cond, args = `s.status = 'completed' AND s.sold_at < ?`, []any{Millis(r.To)}
		if r.StoreID != 0 {
			cond, args = cond+` AND s.store_id = ?`, append(args, r.StoreID)
		}
	}
	q := `SELECT s.member_id, s.store_id, s.sold_at FROM sales s
		WHERE s.member_id IS NOT NULL AND ` + cond + ` AND s.amount_fen > s.refunded_fen
		ORDER BY s.member_id, s.sold_at`
	return st.each(ctx, "purchases", q, args, func(rows *sql.Rows) error {
		var member, store, at int64
		if err := rows.Scan(&member, &store, &at); err != nil {
			return fmt.Errorf("store: purchases: %w", err)
		}
		return fn(member, store, FromMillis(at))
	})
}

func (st *Insights) Joins(ctx context.Context, storeID int64, fn func(member int64, at time.Time) error) error {
	q, args := `SELECT id, created_at FROM members WHERE status <> 'merged' ORDER BY id`, []any(nil)
	if storeID != 0 {
		q, args = `SELECT id, created_at FROM members WHERE status <> 'merged' AND store_id = ? ORDER BY id`, []any{storeID}
	}
	return st.each(ctx, "registrations", q, args, func(rows *sql.Rows) error {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return fmt.Errorf("store: registrations: %w", err)
		}
		return fn(id, FromMillis(at))
	})
}

// MemberTotals reads gender, birth year and area, the member fields kept in
// clear for group analysis, next to one aggregate row per member; SUM is
// NUMERIC on PostgreSQL, hence the cast.
func (st *Insights) MemberTotals(ctx context.Context, r insight.Range, fn func(insight.MemberTotal) error) error {
	cond, args := rangeSQL(r)
	who := ``
	if r.StoreID != 0 {
		who = ` AND (m.store_id = ? OR t.member_id IS NOT NULL)`
		args = append(args, r.StoreID)
	}
	q := `SELECT m.id, m.gender, COALESCE(m.birth_year, 0), m.area, COALESCE(t.n, 0), COALESCE(t.net, 0)
		FROM members m LEFT JOIN (
			SELECT s.member_id, COUNT(*) AS n, CAST(SUM(s.amount_fen - s.refunded_fen) AS BIGINT) AS net
			FROM sales s WHERE s.member_id IS NOT NULL AND ` + cond + `
			GROUP BY s.member_id
		) t ON t.member_id = m.id
		WHERE m.status IN ('active', 'inactive')` + who + `
		ORDER BY m.id`
	return st.each(ctx, "member totals", q, args, func(rows *sql.Rows) error {
		var t insight.MemberTotal
		var year, n int64
		if err := rows.Scan(&t.MemberID, &t.Gender, &year, &t.Area, &n, &t.NetFen); err != nil {
			return fmt.Errorf("store: member totals: %w", err)
		}
		t.BirthYear, t.Sales = int(year), int(n)
		return fn(t)
	})
}

// MemberCategories sums in SQL on PostgreSQL. SQLite sorts every line of
// the range to group them, which on a year of the demo took longer than
// reading the lines; there the lines stream to Go and are summed in a map
// of members × categories (see linesFrom for the order they are read in).
func (st *Insights) MemberCategories(ctx context.Context, r insight.Range, fn func(member int64, category string, amountFen int64) error) error {
	cond, args := rangeSQL(r)
	if st.db.Dialect != SQLite {
		q := `SELECT s.member_id, l.category, CAST(SUM(l.amount_fen - l.refunded_fen) AS BIGINT)
			FROM sales s JOIN sale_lines l ON l.sale_id = s.id
			WHERE s.member_id IS NOT NULL AND ` + cond + ` AND ` + liveLine + `
			GROUP BY s.member_id, l.category`
		return st.each(ctx, "member categories", q, args, func(rows *sql.Rows) error {
			var member, amount int64
			var cat string
			if err := rows.Scan(&member, &cat, &amount); err != nil {
				return fmt.Errorf("store: member categories: %w", err)
			}
			return fn(member, cat, amount)
		})
	}
	from, join, err := st.linesFrom(ctx, r)
	if err != nil {
		return err
	}
	type key struct {
		member int64
		cat    string
	}
	sums := map[key]int64{}
	q := `SELECT s.member_id, l.category, l.amount_fen - l.refunded_fen FROM ` + from + `
		WHERE ` + join + `s.member_id IS NOT NULL AND ` + cond + ` AND ` + liveLine
	err = st.each(ctx, "member categories", q, args, func(rows *sql.Rows) error {
		var k key
		var amount int64
		if err := rows.Scan(&k.member, &k.cat, &amount); err != nil {
			return fmt.Errorf("store: member categories: %w", err)
		}
		sums[k] += amount
		return nil
	})
	if err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(sums), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.member, b.member), strings.Compare(a.cat, b.cat))
	})
	for _, k := range keys {
		if err := fn(k.member, k.cat, sums[k]); err != nil {
			return err
		}
	}
	return nil
}

// linesFrom chooses, on SQLite, how the lines of r's sales are reached:
// when r's period holds more than a third of all sales, by reading the lines in
// table order and finding each one's sale by its key (SQLite keeps CROSS
// JOIN's order), which beats looking up each sale's lines through the index
// at random (a year of the demo: 1.4 s against 2.3 s); otherwise from the
// sales of the range. It returns the FROM clause and the join condition to
// put first in the WHERE clause.
func (st *Insights) linesFrom(ctx context.Context, r insight.Range) (from, join string, err error) {
	// Both counts read only the sold_at index.
	from0 := int64(0)
	if !r.From.IsZero() {
		from0 = Millis(r.From)
	}
	var in, all int64
	if err := st.db.QueryRow(ctx, `SELECT COUNT(*) FROM sales WHERE sold_at >= ? AND sold_at < ?`, from0, Millis(r.To)).Scan(&in); err != nil {
		return "", "", fmt.Errorf("store: count sales: %w", err)
	}
	if err := st.db.QueryRow(ctx, `SELECT COUNT(*) FROM sales`).Scan(&all); err != nil {
		return "", "", fmt.Errorf("store: count sales: %w", err)
	}
	if 3*in > all {
		return `sale_lines l CROSS JOIN sales s`, `s.id = l.sale_id AND `, nil
	}
	return `sales s JOIN sale_lines l ON l.sale_id = s.id`, ``, nil
}

func (st *Insights) Visits(ctx context.Context, r insight.Range, fn func(insight.Visit) error) error {
	cond, args := rangeSQL(r)
	q := `SELECT COALESCE(s.member_id, 0), s.store_id, s.sold_at, s.amount_fen - s.refunded_fen,
			(SELECT COUNT(*) FROM sale_lines l WHERE l.sale_id = s.id AND ` + liveLine + `)
		FROM sales s WHERE ` + cond
	return st.each(ctx, "visits", q, args, func(rows *sql.Rows) error {
		var v insight.Visit
		var at, items int64
		if err := rows.Scan(&v.MemberID, &v.StoreID, &at, &v.AmountFen, &items); err != nil {
			return fmt.Errorf("store: visits: %w", err)
		}
		v.At, v.Items = FromMillis(at), int(items)
		return fn(v)
	})
}

// CategoryBuckets cuts the range at bounds computed in the store's time
// zone, so weeks stay exact across daylight-saving changes. PostgreSQL
// sums each bucket with one range query; on SQLite the lines of the whole
// range stream once (see linesFrom) and are summed per bucket in Go, three
// times faster on a year of the demo than a query per week.
func (st *Insights) CategoryBuckets(ctx context.Context, stores []int64, bounds []time.Time, fn func(bucket int, category string, amountFen int64) error) error {
	if len(bounds) < 2 {
		return nil
	}
	where := ``
	var extra []any
	if len(stores) > 0 {
		where = ` AND s.store_id IN (` + placeholders(len(stores)) + `)`
		for _, id := range stores {
			extra = append(extra, id)
		}
	}
	if st.db.Dialect != SQLite {
		q := `SELECT l.category, CAST(SUM(l.amount_fen - l.refunded_fen) AS BIGINT)
			FROM sales s JOIN sale_lines l ON l.sale_id = s.id
			WHERE ` + counted + where + ` AND ` + liveLine + `
			GROUP BY l.category`
		for i := 0; i+1 < len(bounds); i++ {
			args := append([]any{Millis(bounds[i]), Millis(bounds[i+1])}, extra...)
			err := st.each(ctx, "category sales", q, args, func(rows *sql.Rows) error {
				var cat string
				var amount int64
				if err := rows.Scan(&cat, &amount); err != nil {
					return fmt.Errorf("store: category sales: %w", err)
				}
				return fn(i, cat, amount)
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	r := insight.Range{From: bounds[0], To: bounds[len(bounds)-1]}
	if len(stores) == 1 {
		r.StoreID = stores[0]
	}
	from, join, err := st.linesFrom(ctx, r)
	if err != nil {
		return err
	}
	edges := make([]int64, len(bounds))
	for i, b := range bounds {
		edges[i] = Millis(b)
	}
	type key struct {
		bucket int
		cat    string
	}
	sums := map[key]int64{}
	q := `SELECT s.sold_at, l.category, l.amount_fen - l.refunded_fen FROM ` + from + `
		WHERE ` + join + counted + where + ` AND ` + liveLine
	args := append([]any{edges[0], edges[len(edges)-1]}, extra...)
	err = st.each(ctx, "category sales", q, args, func(rows *sql.Rows) error {
		var at, amount int64
		var cat string
		if err := rows.Scan(&at, &cat, &amount); err != nil {
			return fmt.Errorf("store: category sales: %w", err)
		}
		// The bucket is the last bound at or before the sale.
		i, found := slices.BinarySearch(edges, at)
		if !found {
			i--
		}
		sums[key{i, cat}] += amount
		return nil
	})
	if err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(sums), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.bucket, b.bucket), strings.Compare(a.cat, b.cat))
	})
	for _, k := range keys {
		if err := fn(k.bucket, k.cat, sums[k]); err != nil {
			return err
		}
	}
	return nil
}
