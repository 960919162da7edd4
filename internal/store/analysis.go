package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
)

// Analysis implements analysis.Store.
type Analysis struct{ db *DB }

// NewAnalysis returns the analysis.Store backed by db.
func NewAnalysis(db *DB) *Analysis { return &Analysis{db: db} }

var _ analysis.Store = (*Analysis)(nil)

// memberAggregates sums each member's counted sales per day (sold_at is in
// milliseconds; the first parameter shifts it into the chain's zone, and
// 86400000 is a day), keeps the days that net to more than zero, and then
// sums the days per member; the window gives each day its member's first
// day, so that the first day's amount comes out of the same pass.
// Completed sales include the partly refunded ones; fully refunded and
// voided sales have their own statuses. SUM is NUMERIC on PostgreSQL,
// hence the casts.
const memberAggregates = `SELECT member_id, MIN(day), MAX(day), COUNT(*), CAST(SUM(net) AS BIGINT),
	CAST(SUM(CASE WHEN day = first_day THEN net ELSE 0 END) AS BIGINT)
FROM (
	SELECT member_id, day, net, MIN(day) OVER (PARTITION BY member_id) AS first_day
	FROM (
		SELECT member_id, day, CAST(SUM(net) AS BIGINT) AS net
		FROM (
			SELECT member_id, (sold_at + ?) / 86400000 AS day, amount_fen - refunded_fen AS net
			FROM sales
			WHERE member_id IS NOT NULL AND status = 'completed' AND sold_at < ?
		) s
		GROUP BY member_id, day
		HAVING SUM(net) > 0
	) d
) w
GROUP BY member_id
ORDER BY member_id`

// memberSales lists the counted sales in member and time order, which the
// index sales_member (member_id, sold_at) gives without sorting.
const memberSales = `SELECT member_id, sold_at, amount_fen - refunded_fen FROM sales
WHERE member_id IS NOT NULL AND status = 'completed' AND sold_at < ?
ORDER BY member_id, sold_at`

func (a *Analysis) MemberAggregates(ctx context.Context, before time.Time, offset int, fn func(analysis.Aggregate) error) error {
	if a.db.Dialect == SQLite {
		return a.sumMemberSales(ctx, before, offset, fn)
	}
	rows, err := a.db.Query(ctx, memberAggregates, int64(offset)*1000, Millis(before))
	if err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g analysis.Aggregate
		var first, last, days int64
		if err := rows.Scan(&g.MemberID, &first, &last, &days, &g.NetFen, &g.FirstDayFen); err != nil {
			return fmt.Errorf("store: member aggregates: %w", err)
		}
		g.FirstDay, g.LastDay, g.Days = int(first), int(last), int(days)
		if err := fn(g); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	return nil
}

// sumMemberSales is memberAggregates done in one pass over memberSales:
// SQLite would sort every sale three times for the grouped query (the
// days, the window, the members), which at millions of sales took most of
// a run, while the rows come in member and day order along the index.
// Memory stays that of one member: the pass runs on a reader of its own
// with a small page cache, since it reads each page about once and the
// readers' large cache would otherwise fill with sales pages — memory
// growing with the sales, and freed page by page when the reader closes.
func (a *Analysis) sumMemberSales(ctx context.Context, before time.Time, offset int, fn func(analysis.Aggregate) error) error {
	conn, err := a.db.R.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	defer conn.Close()
	var cache int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -8192`); err != nil { // 8 MiB
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cache))
	rows, err := conn.QueryContext(ctx, memberSales, Millis(before))
	if err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	defer rows.Close()
	var g analysis.Aggregate
	member, day, net := int64(0), int64(0), int64(0)
	// endDay counts the day summed so far when it nets to more than zero.
	endDay := func() {
		if net <= 0 {
			return
		}
		if g.Days == 0 {
			g.FirstDay, g.FirstDayFen = int(day), net
		}
		g.LastDay = int(day)
		g.Days++
		g.NetFen += net
	}
	started := false
	for rows.Next() {
		var m, at, fen int64
		if err := rows.Scan(&m, &at, &fen); err != nil {
			return fmt.Errorf("store: member aggregates: %w", err)
		}
		d := (at + int64(offset)*1000) / 86400000 // truncated as the grouped query's division is
		switch {
		case started && m == member && d == day:
			net += fen
			continue
		case started && m == member:
			endDay()
		case started:
			endDay()
			if g.Days > 0 {
				if err := fn(g); err != nil {
					return err
				}
			}
			g = analysis.Aggregate{}
		}
		started = true
		member, day, net = m, d, fen
		g.MemberID = m
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: member aggregates: %w", err)
	}
	if started {
		endDay()
		if g.Days > 0 {
			return fn(g)
		}
	}
	return nil
}

func (a *Analysis) ChainZone(ctx context.Context) (string, error) {
	var name string
	err := a.db.QueryRow(ctx, `SELECT timezone FROM stores ORDER BY id LIMIT 1`).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: chain zone: %w", err)
	}
	return name, nil
}

func (a *Analysis) StartRun(ctx context.Context, model, version string, at time.Time) (int64, error) {
	return a.startRun(ctx, model, version, at, nil)
}

func (a *Analysis) StartRunAs(ctx context.Context, model, version string, at time.Time, actor linli.Actor) (int64, error) {
	return a.startRun(ctx, model, version, at, &actor)
}

// startRun records a running run unless one is going: a run that stopped
// reporting progress StaleAfter ago was left behind by a stopped process
// and is failed first. The partial unique index on running runs settles a
// race between two processes.
func (a *Analysis) startRun(ctx context.Context, model, version string, at time.Time, actor *linli.Actor) (int64, error) {
	running := linli.Errorf(linli.KindConflict, "analysis.running", "an analysis run is already going; wait for it to finish")
	var id int64
	err := a.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE analysis_runs SET status = ?, error = 'interrupted', finished_at = ?
			WHERE model = ? AND status = ? AND progress_at < ?`,
			analysis.StatusFailed, Millis(at), model, analysis.StatusRunning, Millis(at.Add(-analysis.StaleAfter))); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM analysis_runs WHERE model = ? AND status = ?`, model, analysis.StatusRunning).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return running
		}
		by := ""
		if actor != nil {
			by = actor.Name
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO analysis_runs (model, version, started_at, status, progress_at, started_by) VALUES (?, ?, ?, ?, ?, ?)`,
			model, version, Millis(at), analysis.StatusRunning, Millis(at), by)
		if IsUnique(err) {
			return running
		}
		if err != nil || actor == nil {
			return err
		}
		return AppendAuditTx(ctx, tx, at, *actor, "analysis.run", "analysis_run", id, model+" "+version)
	})
	if err != nil {
		if linli.ErrorKind(err) == linli.KindConflict {
			return 0, err
		}
		return 0, fmt.Errorf("store: start analysis run: %w", err)
	}
	return id, nil
}

func (a *Analysis) Progress(ctx context.Context, id int64, p analysis.Progress) error {
	err := a.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE analysis_runs SET phase = ?, done = ?, total = ?, progress_at = ? WHERE id = ? AND status = ?`,
			p.Phase, p.Done, p.Total, Millis(p.At), id, analysis.StatusRunning)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: analysis run %d progress: %w", id, err)
	}
	return nil
}

const scoreCols = `member_id, run_id, model, version, fitted_at, rfm_r, rfm_f, rfm_m, segment, value_class,
	recency_days, frequency, monetary_fen, p_alive, expected_90d, clv_fen, cluster`

// ReplaceScores deletes the batch's member id range and inserts the batch
// in the same transaction, so a reader sees each member's old score or its
// new one, never neither.
func (a *Analysis) ReplaceScores(ctx context.Context, batch []analysis.Score) error {
	if len(batch) == 0 {
		return nil
	}
	lo, hi := batch[0].MemberID, batch[len(batch)-1].MemberID
	if lo > hi {
		return fmt.Errorf("store: replace scores: batch not sorted by member id (%d … %d)", lo, hi)
	}
	rows := make([][]any, len(batch))
	for i, s := range batch {
		rows[i] = []any{s.MemberID, s.RunID, s.Model, s.Version, Millis(s.FittedAt), s.R, s.F, s.M, s.Segment, s.ValueClass,
			s.RecencyDays, s.Frequency, s.MonetaryFen, nullFloat(s.PAlive), nullFloat(s.Expected90d), nullInt(s.CLVFen), nullCluster(s.Cluster)}
	}
	err := a.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM member_scores WHERE member_id BETWEEN ? AND ?`, lo, hi); err != nil {
			return err
		}
		return tx.InsertRows(ctx, "member_scores", scoreCols, rows)
	})
	if err != nil {
		return fmt.Errorf("store: replace scores of members %d–%d: %w", lo, hi, err)
	}
	return nil
}

func (a *Analysis) DropStaleScores(ctx context.Context, runID int64) (int64, error) {
	var n int64
	err := a.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM member_scores WHERE run_id <> ?`, runID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: drop stale scores: %w", err)
	}
	return n, nil
}

func (a *Analysis) FinishRun(ctx context.Context, id int64, status string, at time.Time, members int, detail []byte, errText string) error {
	err := a.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE analysis_runs SET status = ?, finished_at = ?, progress_at = ?, members = ?, detail = ?, error = ? WHERE id = ?`,
			status, Millis(at), Millis(at), members, string(detail), errText, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish analysis run %d: %w", id, err)
	}
	return nil
}

func nullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

func nullInt(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func nullCluster(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}
