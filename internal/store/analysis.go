package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/linli/linli/internal/analysis"
)

// Analysis implements analysis.Store.
type Analysis struct{ db *DB }

// NewAnalysis returns the analysis.Store backed by db.
func NewAnalysis(db *DB) *Analysis { return &Analysis{db: db} }

var _ analysis.Store = (*Analysis)(nil)

// memberAggregates sums each member's counted sales per UTC day (sold_at is
// in milliseconds, 86400000 to the day), keeps the days that net to more
// than zero, and then sums the days per member; the window gives each day
// its member's first day, so that the first day's amount comes out of the
// same pass. Completed sales include the partly
// refunded ones; fully refunded and voided sales have their own statuses.
// SUM is NUMERIC on PostgreSQL, hence the casts.
const memberAggregates = `SELECT member_id, MIN(day), MAX(day), COUNT(*), CAST(SUM(net) AS BIGINT),
	CAST(SUM(CASE WHEN day = first_day THEN net ELSE 0 END) AS BIGINT)
FROM (
	SELECT member_id, day, net, MIN(day) OVER (PARTITION BY member_id) AS first_day
	FROM (
		SELECT member_id, sold_at / 86400000 AS day, CAST(SUM(amount_fen - refunded_fen) AS BIGINT) AS net
		FROM sales
		WHERE member_id IS NOT NULL AND status = 'completed' AND sold_at < ?
		GROUP BY member_id, sold_at / 86400000
		HAVING SUM(amount_fen - refunded_fen) > 0
	) d
) w
GROUP BY member_id
ORDER BY member_id`

func (a *Analysis) MemberAggregates(ctx context.Context, before time.Time, fn func(analysis.Aggregate) error) error {
	rows, err := a.db.Query(ctx, memberAggregates, Millis(before))
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

func (a *Analysis) StartRun(ctx context.Context, model, version string, at time.Time) (int64, error) {
	var id int64
	err := a.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO analysis_runs (model, version, started_at, status) VALUES (?, ?, ?, ?)`,
			model, version, Millis(at), analysis.StatusRunning)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: start analysis run: %w", err)
	}
	return id, nil
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
		_, err := tx.Exec(ctx, `UPDATE analysis_runs SET status = ?, finished_at = ?, members = ?, detail = ?, error = ? WHERE id = ?`,
			status, Millis(at), members, string(detail), errText, id)
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
