package web

// The few reads and writes the console needs that no domain service offers
// yet: dashboard counts and import-job progress.
// They use the store's placeholder rebinding, so they run on SQLite and
// PostgreSQL alike.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/store"
)

type counts struct {
	Members  int64
	NewMonth int64
	Inactive int64
	Stores   int64
}

func (c *Console) counts(ctx context.Context, now time.Time) (counts, error) {
	var n counts
	t := now.In(displayZone)
	month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, displayZone)
	err := c.app.DB.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM members WHERE status = 'active'),
		(SELECT COUNT(*) FROM members WHERE status = 'active' AND created_at >= ?),
		(SELECT COUNT(*) FROM members WHERE status = 'inactive'),
		(SELECT COUNT(*) FROM stores WHERE active)`, store.Millis(month)).
		Scan(&n.Members, &n.NewMonth, &n.Inactive, &n.Stores)
	if err != nil {
		return n, fmt.Errorf("web: dashboard counts: %w", err)
	}
	return n, nil
}

// importJob is one row of import_jobs.
type importJob struct {
	ID         int64
	Kind       string
	FileName   string
	Status     string // running, done, failed
	Total      int64
	Done       int64
	Inserted   int64
	Updated    int64
	Errors     int64
	Message    string
	Report     string // the row errors as JSON
	StaffID    int64
	StartedAt  time.Time
	FinishedAt time.Time
}

// Running reports whether the job is still going.
func (j *importJob) Running() bool { return j.Status == jobRunning }

const (
	jobRunning = "running"
	jobDone    = "done"
	jobFailed  = "failed"
)

func (c *Console) createJob(ctx context.Context, j *importJob) error {
	return c.app.DB.Write(ctx, func(tx *store.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO import_jobs (kind, file_name, status, staff_id, started_at) VALUES (?, ?, ?, ?, ?)`,
			j.Kind, j.FileName, jobRunning, j.StaffID, store.Millis(j.StartedAt))
		if err != nil {
			return fmt.Errorf("web: create import job: %w", err)
		}
		j.ID = id
		return nil
	})
}

func (c *Console) jobProgress(ctx context.Context, id, done, total int64) error {
	return c.app.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET done_rows = ?, total_rows = ? WHERE id = ? AND status = ?`, done, total, id, jobRunning)
		return err
	})
}

func (c *Console) finishJob(ctx context.Context, j *importJob) error {
	return c.app.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET status = ?, total_rows = ?, done_rows = ?, inserted = ?, updated = ?,
			error_rows = ?, message = ?, report = ?, finished_at = ? WHERE id = ?`,
			j.Status, j.Total, j.Done, j.Inserted, j.Updated, j.Errors, j.Message, j.Report, store.Millis(j.FinishedAt), j.ID)
		if err != nil {
			return fmt.Errorf("web: finish import job %d: %w", j.ID, err)
		}
		return nil
	})
}

func (c *Console) abandonImports(ctx context.Context) error {
	err := c.app.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET status = ?, message = ?, finished_at = ? WHERE status = ?`,
			jobFailed, "interrupted: the server stopped during the import", store.Millis(c.app.Now()), jobRunning)
		return err
	})
	if err != nil {
		return fmt.Errorf("web: mark interrupted imports: %w", err)
	}
	return nil
}

const jobColumns = `id, kind, file_name, status, total_rows, done_rows, inserted, updated, error_rows, message, report,
	COALESCE(staff_id, 0), started_at, COALESCE(finished_at, 0)`

func scanJob(s interface{ Scan(...any) error }) (*importJob, error) {
	var j importJob
	var started, finished int64
	if err := s.Scan(&j.ID, &j.Kind, &j.FileName, &j.Status, &j.Total, &j.Done, &j.Inserted, &j.Updated, &j.Errors,
		&j.Message, &j.Report, &j.StaffID, &started, &finished); err != nil {
		return nil, err
	}
	j.StartedAt = store.FromMillis(started)
	if finished != 0 {
		j.FinishedAt = store.FromMillis(finished)
	}
	return &j, nil
}

func (c *Console) job(ctx context.Context, id int64) (*importJob, error) {
	j, err := scanJob(c.app.DB.QueryRow(ctx, `SELECT `+jobColumns+` FROM import_jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, linli.Errorf(linli.KindNotFound, "import.not_found", "import %d does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("web: import job %d: %w", id, err)
	}
	return j, nil
}

func (c *Console) recentJobs(ctx context.Context, limit int) ([]*importJob, error) {
	rows, err := c.app.DB.Query(ctx, `SELECT `+jobColumns+` FROM import_jobs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("web: import jobs: %w", err)
	}
	defer rows.Close()
	var out []*importJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("web: import jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
