package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Idempotency keeps the first answer to each retry-safe write, by actor and
// Idempotency-Key.
type Idempotency struct{ db *DB }

// NewIdempotency returns the idempotency-key table on db.
func NewIdempotency(db *DB) *Idempotency { return &Idempotency{db: db} }

// IdemRecord is a claimed key. Status 0 means the first request is still
// being served.
type IdemRecord struct {
	Request     string
	Hash        []byte
	Status      int
	ContentType string
	Response    []byte
	CreatedAt   time.Time
}

// Claim takes key for actor, or returns the record already holding it. A
// record older than ttl is forgotten first, so the key can be used again.
// (nil, nil) means the caller claimed the key and must Finish or Release it.
func (s *Idempotency) Claim(ctx context.Context, actor, key, request string, hash []byte, now time.Time, ttl time.Duration) (*IdemRecord, error) {
	var rec *IdemRecord
	err := s.db.Write(ctx, func(tx *Tx) error {
		rec = nil
		if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND created_at < ?`,
			actor, key, Millis(now.Add(-ttl))); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (actor, idem_key, request, request_hash, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (actor, idem_key) DO NOTHING`, actor, key, request, hash, Millis(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r IdemRecord
		var created int64
		err = tx.QueryRow(ctx, `SELECT request, request_hash, status, content_type, response, created_at
			FROM idempotency_keys WHERE actor = ? AND idem_key = ?`, actor, key).
			Scan(&r.Request, &r.Hash, &r.Status, &r.ContentType, &r.Response, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("key vanished")
		}
		if err != nil {
			return err
		}
		r.CreatedAt = FromMillis(created)
		rec = &r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim idempotency key: %w", err)
	}
	return rec, nil
}

// Finish records the answer to a claimed key.
func (s *Idempotency) Finish(ctx context.Context, actor, key string, status int, contentType string, response []byte) error {
	err := s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, response = ? WHERE actor = ? AND idem_key = ?`,
			status, contentType, response, actor, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish idempotency key: %w", err)
	}
	return nil
}

// Release gives a claimed key up (the request failed on our side), so a
// retry runs again.
func (s *Idempotency) Release(ctx context.Context, actor, key string) error {
	err := s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE actor = ? AND idem_key = ? AND status = 0`, actor, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release idempotency key: %w", err)
	}
	return nil
}

// Purge deletes keys created before t; a periodic job may call it.
func (s *Idempotency) Purge(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, Millis(t))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge idempotency keys: %w", err)
	}
	return n, nil
}
