package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli/internal/importer"
)

// ImportJobs implements importer.JobStore: the import_jobs table.
type ImportJobs struct{ db *DB }

// NewImportJobs returns the import job records on db.
func NewImportJobs(db *DB) *ImportJobs { return &ImportJobs{db: db} }

var _ importer.JobStore = (*ImportJobs)(nil)

func (s *ImportJobs) CreateJob(ctx context.Context, j *importer.Job) (int64, error) {
	status := j.Status
	if status == "" {
		status = importer.JobRunning
	}
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO import_jobs (kind, file_name, status, staff_id, started_at) VALUES (?, ?, ?, ?, ?)`,
			j.Kind, j.FileName, status, nullID(j.StaffID), Millis(j.StartedAt))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: create import job: %w", err)
	}
	return id, nil
}

func (s *ImportJobs) JobProgress(ctx context.Context, id, done, total int64) error {
	err := s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET done_rows = ?, total_rows = ? WHERE id = ? AND status = ?`,
			done, total, id, importer.JobRunning)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: import job %d progress: %w", id, err)
	}
	return nil
}

func (s *ImportJobs) FinishJob(ctx context.Context, j *importer.Job) error {
	report := ""
	if len(j.Rows) > 0 {
		b, err := json.Marshal(j.Rows)
		if err != nil {
			return fmt.Errorf("store: finish import job %d: %w", j.ID, err)
		}
		report = string(b)
	}
	err := s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE import_jobs SET status = ?, total_rows = ?, done_rows = ?, inserted = ?, updated = ?,
			unchanged = ?, error_rows = ?, message = ?, report = ?, finished_at = ? WHERE id = ?`,
			j.Status, j.Total, j.Done, j.Inserted, j.Updated, j.Unchanged, j.Errors, j.Message, report,
			Millis(j.FinishedAt), j.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish import job %d: %w", j.ID, err)
	}
	return nil
}

func (s *ImportJobs) FailRunningJobs(ctx context.Context, message string, at time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE import_jobs SET status = ?, message = ?, finished_at = ? WHERE status = ?`,
			importer.JobFailed, message, Millis(at), importer.JobRunning)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: mark interrupted imports: %w", err)
	}
	return n, nil
}

// jobCols lists the columns scanJob reads; the report comes last, so that
// listings can leave it out.
const jobCols = `id, kind, file_name, status, total_rows, done_rows, inserted, updated, unchanged, error_rows, message,
	COALESCE(staff_id, 0), started_at, COALESCE(finished_at, 0)`

func scanJob(s scanner, report *string) (*importer.Job, error) {
	var j importer.Job
	var started, finished int64
	dest := []any{&j.ID, &j.Kind, &j.FileName, &j.Status, &j.Total, &j.Done, &j.Inserted, &j.Updated, &j.Unchanged,
		&j.Errors, &j.Message, &j.StaffID, &started, &finished}
	if report != nil {
		dest = append(dest, report)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	j.StartedAt = FromMillis(started)
	if finished != 0 {
		j.FinishedAt = FromMillis(finished)
	}
	return &j, nil
}

func (s *ImportJobs) GetJob(ctx context.Context, id int64) (*importer.Job, error) {
	var report string
	j, err := scanJob(s.db.QueryRow(ctx, `SELECT `+jobCols+`, report FROM import_jobs WHERE id = ?`, id), &report)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: import job %d: %w", id, err)
	}
	if report != "" {
		if err := json.Unmarshal([]byte(report), &j.Rows); err != nil {
			return nil, fmt.Errorf("store: import job %d: report: %w", id, err)
		}
	}
	return j, nil
}

func (s *ImportJobs) RecentJobs(ctx context.Context, limit int) ([]*importer.Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+jobCols+` FROM import_jobs ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: import jobs: %w", err)
	}
	defer rows.Close()
	var out []*importer.Job
	for rows.Next() {
		j, err := scanJob(rows, nil)
		if err != nil {
			return nil, fmt.Errorf("store: import jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
