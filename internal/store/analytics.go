package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
)

// Analytics implements analysis.ReportStore: reads of the stored scores
// and runs, and audiences.
type Analytics struct{ db *DB }

// NewAnalytics returns the report store backed by db.
func NewAnalytics(db *DB) *Analytics { return &Analytics{db: db} }

var _ analysis.ReportStore = (*Analytics)(nil)

// scoreFrom is the FROM and WHERE of a query over the scores f chooses,
// with its arguments. Scores are aliased s; the store filter joins the
// members for their home store.
func scoreFrom(f analysis.Filter, extra ...string) (string, []any) {
	from := "member_scores s"
	var where []string
	var args []any
	if f.StoreID != 0 {
		from += " JOIN members m ON m.id = s.member_id"
		where = append(where, "m.store_id = ?")
		args = append(args, f.StoreID)
	}
	if f.Segment != "" {
		where = append(where, "s.segment = ?")
		args = append(args, f.Segment)
	}
	if f.MinValueFen > 0 {
		where = append(where, "s.monetary_fen >= ?")
		args = append(args, f.MinValueFen)
	}
	if f.Churn {
		where = append(where, "((s.p_alive IS NOT NULL AND s.p_alive < ?) OR (s.p_alive IS NULL AND s.segment IN ("+
			placeholders(len(analysis.ChurnSegments))+")))")
		args = append(args, f.PAliveBelow)
		for _, seg := range analysis.ChurnSegments {
			args = append(args, seg)
		}
	}
	where = append(where, extra...)
	if len(where) > 0 {
		from += " WHERE " + strings.Join(where, " AND ")
	}
	return from, args
}

func (a *Analytics) Runs(ctx context.Context, model string, limit int) ([]analysis.RunRecord, error) {
	rows, err := a.db.Query(ctx, `SELECT id, model, version, status, started_at, finished_at, started_by, members,
		phase, done, total, progress_at, error, detail FROM analysis_runs WHERE model = ? ORDER BY id DESC LIMIT ?`, model, limit)
	if err != nil {
		return nil, fmt.Errorf("store: analysis runs: %w", err)
	}
	defer rows.Close()
	var out []analysis.RunRecord
	for rows.Next() {
		var r analysis.RunRecord
		var started, progress int64
		var finished sql.NullInt64
		var detail string
		if err := rows.Scan(&r.ID, &r.Model, &r.Version, &r.Status, &started, &finished, &r.StartedBy, &r.Members,
			&r.Phase, &r.Done, &r.Total, &progress, &r.Error, &detail); err != nil {
			return nil, fmt.Errorf("store: analysis runs: %w", err)
		}
		r.StartedAt, r.ProgressAt = FromMillis(started), FromMillis(progress)
		if finished.Valid {
			t := FromMillis(finished.Int64)
			r.FinishedAt = &t
		}
		if detail != "" && detail != "{}" {
			var d analysis.Detail
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return nil, fmt.Errorf("store: analysis run %d detail: %w", r.ID, err)
			}
			r.Detail = &d
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: analysis runs: %w", err)
	}
	return out, nil
}

func (a *Analytics) SegmentStats(ctx context.Context, f analysis.Filter) ([]analysis.SegmentStat, error) {
	from, args := scoreFrom(f)
	rows, err := a.db.Query(ctx, `SELECT s.segment, COUNT(*), CAST(COALESCE(SUM(s.monetary_fen), 0) AS BIGINT),
		CAST(COALESCE(SUM(s.clv_fen), 0) AS BIGINT), COUNT(s.clv_fen) FROM `+from+` GROUP BY s.segment`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: segment stats: %w", err)
	}
	defer rows.Close()
	var out []analysis.SegmentStat
	for rows.Next() {
		var s analysis.SegmentStat
		if err := rows.Scan(&s.Segment, &s.Members, &s.MonetaryFen, &s.CLVFen, &s.CLVMembers); err != nil {
			return nil, fmt.Errorf("store: segment stats: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (a *Analytics) RFGrid(ctx context.Context, f analysis.Filter) ([5][5]int, error) {
	var g [5][5]int
	from, args := scoreFrom(f)
	rows, err := a.db.Query(ctx, `SELECT s.rfm_r, s.rfm_f, COUNT(*) FROM `+from+` GROUP BY s.rfm_r, s.rfm_f`, args...)
	if err != nil {
		return g, fmt.Errorf("store: rf grid: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, fs, n int
		if err := rows.Scan(&r, &fs, &n); err != nil {
			return g, fmt.Errorf("store: rf grid: %w", err)
		}
		if r >= 1 && r <= 5 && fs >= 1 && fs <= 5 {
			g[r-1][fs-1] += n
		}
	}
	return g, rows.Err()
}

func (a *Analytics) ValueClassCounts(ctx context.Context, f analysis.Filter) (map[string]int, error) {
	from, args := scoreFrom(f)
	rows, err := a.db.Query(ctx, `SELECT s.value_class, COUNT(*) FROM `+from+` GROUP BY s.value_class`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: value classes: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("store: value classes: %w", err)
		}
		out[k] = n
	}
	return out, rows.Err()
}

func (a *Analytics) Histogram(ctx context.Context, f analysis.Filter, column string, edges []float64) ([]int, error) {
	if column != "clv_fen" && column != "p_alive" {
		return nil, fmt.Errorf("store: histogram of %q: not a score column", column)
	}
	col := "s." + column
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	for i, e := range edges {
		fmt.Fprintf(&b, " WHEN %s < ? THEN %d", col, i)
		if column == "clv_fen" {
			args = append(args, int64(e)) // a BIGINT column takes whole parameters on PostgreSQL
		} else {
			args = append(args, e)
		}
	}
	fmt.Fprintf(&b, " ELSE %d END", len(edges))
	from, wargs := scoreFrom(f, col+" IS NOT NULL")
	rows, err := a.db.Query(ctx, `SELECT `+b.String()+` AS bucket, COUNT(*) FROM `+from+` GROUP BY bucket`, append(args, wargs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: histogram of %s: %w", column, err)
	}
	defer rows.Close()
	out := make([]int, len(edges)+1)
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return nil, fmt.Errorf("store: histogram of %s: %w", column, err)
		}
		if i >= 0 && i < len(out) {
			out[i] += n
		}
	}
	return out, rows.Err()
}

func (a *Analytics) Quantile(ctx context.Context, f analysis.Filter, column string, q float64) (float64, bool, error) {
	if column != "clv_fen" && column != "p_alive" {
		return 0, false, fmt.Errorf("store: quantile of %q: not a score column", column)
	}
	col := "s." + column
	from, args := scoreFrom(f, col+" IS NOT NULL")
	var n int64
	if err := a.db.QueryRow(ctx, `SELECT COUNT(*) FROM `+from, args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("store: quantile of %s: %w", column, err)
	}
	if n == 0 {
		return 0, false, nil
	}
	at := min(n-1, int64(float64(n)*q))
	var v float64
	err := a.db.QueryRow(ctx, `SELECT CAST(`+col+` AS DOUBLE PRECISION) FROM `+from+` ORDER BY `+col+` LIMIT 1 OFFSET ?`, append(args, at)...).Scan(&v)
	if err != nil {
		return 0, false, fmt.Errorf("store: quantile of %s: %w", column, err)
	}
	return v, true, nil
}

const scoredCols = `s.member_id, s.segment, s.value_class, s.rfm_r, s.rfm_f, s.rfm_m, s.recency_days, s.frequency,
	s.monetary_fen, s.p_alive, s.expected_90d, s.clv_fen, s.cluster`

func scanScored(rows *sql.Rows) ([]analysis.Scored, error) {
	defer rows.Close()
	var out []analysis.Scored
	for rows.Next() {
		var s analysis.Scored
		var alive, exp sql.NullFloat64
		var clv, cl sql.NullInt64
		if err := rows.Scan(&s.MemberID, &s.Segment, &s.ValueClass, &s.R, &s.F, &s.M, &s.RecencyDays, &s.Frequency,
			&s.MonetaryFen, &alive, &exp, &clv, &cl); err != nil {
			return nil, err
		}
		fillScored(&s, alive, exp, clv, cl)
		out = append(out, s)
	}
	return out, rows.Err()
}

func fillScored(s *analysis.Scored, alive, exp sql.NullFloat64, clv, cl sql.NullInt64) {
	if alive.Valid {
		s.PAlive = &alive.Float64
	}
	if exp.Valid {
		s.Expected90d = &exp.Float64
	}
	if clv.Valid {
		s.CLVFen = &clv.Int64
	}
	if cl.Valid {
		c := int(cl.Int64)
		s.Cluster = &c
	}
}

func (a *Analytics) TopCLV(ctx context.Context, f analysis.Filter, limit int) ([]analysis.Scored, error) {
	from, args := scoreFrom(f, "s.clv_fen IS NOT NULL")
	rows, err := a.db.Query(ctx, `SELECT `+scoredCols+` FROM `+from+` ORDER BY s.clv_fen DESC, s.member_id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: top clv: %w", err)
	}
	out, err := scanScored(rows)
	if err != nil {
		return nil, fmt.Errorf("store: top clv: %w", err)
	}
	return out, nil
}

func (a *Analytics) Scored(ctx context.Context, f analysis.Filter, after *analysis.Cursor, limit int) ([]analysis.Scored, error) {
	var extra []string
	var cargs []any
	if after != nil {
		extra = append(extra, "(s.monetary_fen < ? OR (s.monetary_fen = ? AND s.member_id > ?))")
		cargs = []any{after.ValueFen, after.ValueFen, after.MemberID}
	}
	from, args := scoreFrom(f, extra...)
	args = append(append(args, cargs...), limit)
	rows, err := a.db.Query(ctx, `SELECT `+scoredCols+` FROM `+from+` ORDER BY s.monetary_fen DESC, s.member_id LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: scored members: %w", err)
	}
	out, err := scanScored(rows)
	if err != nil {
		return nil, fmt.Errorf("store: scored members: %w", err)
	}
	return out, nil
}

func (a *Analytics) Count(ctx context.Context, f analysis.Filter) (int, int64, error) {
	from, args := scoreFrom(f)
	var n int
	var v int64
	err := a.db.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(s.monetary_fen), 0) AS BIGINT) FROM `+from, args...).Scan(&n, &v)
	if err != nil {
		return 0, 0, fmt.Errorf("store: count scored members: %w", err)
	}
	return n, v, nil
}

func (a *Analytics) ClusterStats(ctx context.Context, f analysis.Filter) ([]analysis.ClusterStat, error) {
	from, args := scoreFrom(f, "s.cluster IS NOT NULL")
	rows, err := a.db.Query(ctx, `SELECT s.cluster, COUNT(*), AVG(CAST(s.frequency AS DOUBLE PRECISION)),
		AVG(CAST(s.monetary_fen AS DOUBLE PRECISION) / s.frequency), AVG(CAST(s.recency_days AS DOUBLE PRECISION)),
		AVG(CAST(s.monetary_fen AS DOUBLE PRECISION)), AVG(CAST(s.clv_fen AS DOUBLE PRECISION))
		FROM `+from+` GROUP BY s.cluster ORDER BY s.cluster`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: cluster stats: %w", err)
	}
	defer rows.Close()
	var out []analysis.ClusterStat
	for rows.Next() {
		var c analysis.ClusterStat
		var clv sql.NullFloat64
		if err := rows.Scan(&c.Cluster, &c.Members, &c.AvgFrequency, &c.AvgSpendFen, &c.AvgRecencyDays, &c.AvgMonetaryFen, &clv); err != nil {
			return nil, fmt.Errorf("store: cluster stats: %w", err)
		}
		if clv.Valid {
			c.AvgCLVFen = &clv.Float64
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (a *Analytics) FirstPurchaseDays(ctx context.Context, ids []int64, before time.Time, offset int) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, Millis(before))
	rows, err := a.db.Query(ctx, `SELECT member_id, MIN(sold_at) FROM sales WHERE member_id IN (`+placeholders(len(ids))+`)
		AND status = 'completed' AND sold_at < ? GROUP BY member_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: first purchases: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("store: first purchases: %w", err)
		}
		out[id] = int((at + int64(offset)*1000) / 86400000)
	}
	return out, rows.Err()
}

// ---- audiences ----

func (a *Analytics) CreateAudience(ctx context.Context, au *analysis.Audience, actor linli.Actor) (int64, int, error) {
	crit, err := json.Marshal(au.Criteria)
	if err != nil {
		return 0, 0, fmt.Errorf("store: audience criteria: %w", err)
	}
	var id int64
	var n int64
	err = a.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO audiences (name, source, criteria, member_count, store_id, created_by, staff_id, created_at)
			VALUES (?, ?, ?, 0, ?, ?, ?, ?)`, au.Name, au.Source, string(crit), nullID(au.StoreID), au.CreatedBy,
			nullID(actor.StaffID), Millis(au.CreatedAt))
		if err != nil {
			return err
		}
		from, args := scoreFrom(au.Criteria.Filter)
		res, err := tx.Exec(ctx, `INSERT INTO audience_members (audience_id, member_id) SELECT ?, s.member_id FROM `+from,
			append([]any{id}, args...)...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if n == 0 {
			return linli.Errorf(linli.KindInvalid, "audience.empty", "no member matches: nothing to save")
		}
		if _, err := tx.Exec(ctx, `UPDATE audiences SET member_count = ? WHERE id = ?`, n, id); err != nil {
			return err
		}
		return AppendAuditTx(ctx, tx, au.CreatedAt, actor, "audience.create", "audience", id,
			fmt.Sprintf("%s: %d members (%s, %s)", au.Name, n, au.Source, au.Criteria.Filter))
	})
	if err != nil {
		if _, ok := linli.AsError(err); ok {
			return 0, 0, err
		}
		return 0, 0, fmt.Errorf("store: create audience: %w", err)
	}
	return id, int(n), nil
}

const audienceCols = `id, name, source, criteria, member_count, store_id, created_by, created_at`

func scanAudience(sc interface{ Scan(...any) error }) (*analysis.Audience, error) {
	var au analysis.Audience
	var crit string
	var store sql.NullInt64
	var at int64
	if err := sc.Scan(&au.ID, &au.Name, &au.Source, &crit, &au.Members, &store, &au.CreatedBy, &at); err != nil {
		return nil, err
	}
	au.StoreID, au.CreatedAt = store.Int64, FromMillis(at)
	if err := json.Unmarshal([]byte(crit), &au.Criteria); err != nil {
		return nil, fmt.Errorf("audience %d criteria: %w", au.ID, err)
	}
	return &au, nil
}

func (a *Analytics) Audiences(ctx context.Context, storeID, before int64, limit int) ([]analysis.Audience, error) {
	var where []string
	var args []any
	if storeID != 0 {
		where = append(where, "store_id = ?")
		args = append(args, storeID)
	}
	if before > 0 {
		where = append(where, "id < ?")
		args = append(args, before)
	}
	q := `SELECT ` + audienceCols + ` FROM audiences`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := a.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: list audiences: %w", err)
	}
	defer rows.Close()
	var out []analysis.Audience
	for rows.Next() {
		au, err := scanAudience(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list audiences: %w", err)
		}
		out = append(out, *au)
	}
	return out, rows.Err()
}

func (a *Analytics) Audience(ctx context.Context, id int64) (*analysis.Audience, error) {
	au, err := scanAudience(a.db.QueryRow(ctx, `SELECT `+audienceCols+` FROM audiences WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: audience %d: %w", id, err)
	}
	return au, nil
}

func (a *Analytics) AudienceMembers(ctx context.Context, id, after int64, limit int) ([]analysis.AudienceMember, error) {
	rows, err := a.db.Query(ctx, `SELECT am.member_id, `+scoredCols+` FROM audience_members am
		LEFT JOIN member_scores s ON s.member_id = am.member_id
		WHERE am.audience_id = ? AND am.member_id > ? ORDER BY am.member_id LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audience %d members: %w", id, err)
	}
	defer rows.Close()
	var out []analysis.AudienceMember
	for rows.Next() {
		var m analysis.AudienceMember
		var sid, r, f, mm, rec, freq, mon sql.NullInt64
		var seg, class sql.NullString
		var alive, exp sql.NullFloat64
		var clv, cl sql.NullInt64
		if err := rows.Scan(&m.MemberID, &sid, &seg, &class, &r, &f, &mm, &rec, &freq, &mon, &alive, &exp, &clv, &cl); err != nil {
			return nil, fmt.Errorf("store: audience %d members: %w", id, err)
		}
		if sid.Valid {
			s := &analysis.Scored{MemberID: sid.Int64, Segment: seg.String, ValueClass: class.String, R: int(r.Int64),
				F: int(f.Int64), M: int(mm.Int64), RecencyDays: int(rec.Int64), Frequency: int(freq.Int64), MonetaryFen: mon.Int64}
			fillScored(s, alive, exp, clv, cl)
			m.Score = s
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audience %d members: %w", id, err)
	}
	return out, nil
}

// dropFromAudiences takes an erased member out of every audience, inside
// the erasure's transaction.
func dropFromAudiences(ctx context.Context, tx *Tx, id int64) error {
	if _, err := tx.Exec(ctx, `UPDATE audiences SET member_count = member_count - 1
		WHERE id IN (SELECT audience_id FROM audience_members WHERE member_id = ?)`, id); err != nil {
		return fmt.Errorf("store: audiences of member %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audience_members WHERE member_id = ?`, id); err != nil {
		return fmt.Errorf("store: audiences of member %d: %w", id, err)
	}
	return nil
}

// moveAudiences puts the survivor of a merge in the audiences of the
// merged member, inside the merge's transaction: the audience still holds
// the same person, once.
func moveAudiences(ctx context.Context, tx *Tx, from, into int64) error {
	both := `SELECT audience_id FROM audience_members WHERE member_id = ?`
	if _, err := tx.Exec(ctx, `UPDATE audiences SET member_count = member_count - 1
		WHERE id IN (`+both+`) AND id IN (`+both+`)`, from, into); err != nil {
		return fmt.Errorf("store: move audiences: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM audience_members WHERE member_id = ? AND audience_id IN (`+both+`)`, from, into); err != nil {
		return fmt.Errorf("store: move audiences: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audience_members SET member_id = ? WHERE member_id = ?`, into, from); err != nil {
		return fmt.Errorf("store: move audiences: %w", err)
	}
	return nil
}
