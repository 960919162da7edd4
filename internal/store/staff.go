package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
)

// Auth implements auth.Store (staff, sessions, API keys) on a DB. It is a
// separate small type rather than methods on *DB so that each domain's
// storage methods stay in their own namespace: NewAuth(db) for auth,
// NewShops(db) for the chain's stores.
type Auth struct{ db *DB }

// NewAuth returns the auth.Store backed by db.
func NewAuth(db *DB) *Auth { return &Auth{db: db} }

var _ auth.Store = (*Auth)(nil)

// nullID stores 0 as NULL for optional references. (Shared by the other
// files of this package.)
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// writeAuthAudit writes a's line inside tx. The row's store is the store the
// change concerns (a staff member's or key's store), else the actor's, so
// that a store manager reading the log sees what happened in their store.
func writeAuthAudit(ctx context.Context, tx *Tx, a auth.Audit) error {
	actor := a.Actor
	if a.StoreID != 0 {
		actor.StoreID = a.StoreID
	}
	at := a.At
	if at.IsZero() {
		at = time.Now().UTC()
	}
	return AppendAuditTx(ctx, tx, at, actor, a.Action, a.Entity, a.EntityID, a.Detail)
}

// AppendAudit writes one audit line on its own.
func (s *Auth) AppendAudit(ctx context.Context, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error { return writeAuthAudit(ctx, tx, a) })
}

func (s *Auth) StoreExists(ctx context.Context, id int64) (bool, error) {
	return storeExists(ctx, s.db, id)
}

// ---- staff ----

const staffCols = `id, username, display_name, role, store_id, lang, active, created_at, updated_at`

func scanStaff(r scanner, extra ...any) (*auth.Staff, error) {
	var (
		st       auth.Staff
		storeID  sql.NullInt64
		cre, upd int64
	)
	dest := append([]any{&st.ID, &st.Username, &st.DisplayName, &st.Role, &storeID, &st.Lang, &st.Active, &cre, &upd}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	st.StoreID = storeID.Int64
	st.CreatedAt, st.UpdatedAt = FromMillis(cre), FromMillis(upd)
	return &st, nil
}

func (s *Auth) CreateStaff(ctx context.Context, st *auth.Staff, hash string, a auth.Audit) (int64, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO staff (username, display_name, password_hash, role, store_id, lang, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.Username, st.DisplayName, hash, st.Role, nullID(st.StoreID), st.Lang, st.Active, Millis(st.CreatedAt), Millis(st.UpdatedAt))
		if err != nil {
			if IsUnique(err) {
				e := linli.Invalid("staff.username_taken", "username", "the username %q is taken", st.Username)
				e.Kind = linli.KindConflict
				return e
			}
			return fmt.Errorf("store: insert staff: %w", err)
		}
		a.EntityID = id
		return writeAuthAudit(ctx, tx, a)
	})
	return id, err
}

func (s *Auth) UpdateStaff(ctx context.Context, st *auth.Staff, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff SET display_name = ?, role = ?, store_id = ?, lang = ?, active = ?, updated_at = ? WHERE id = ?`,
			st.DisplayName, st.Role, nullID(st.StoreID), st.Lang, st.Active, Millis(st.UpdatedAt), st.ID)
		if err != nil {
			return fmt.Errorf("store: update staff %d: %w", st.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", st.ID)
		}
		if !st.Active {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE staff_id = ?`, st.ID); err != nil {
				return fmt.Errorf("store: end sessions of staff %d: %w", st.ID, err)
			}
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Auth) SetPassword(ctx context.Context, id int64, hash string, at time.Time, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE staff SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, Millis(at), id)
		if err != nil {
			return fmt.Errorf("store: set password of staff %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE staff_id = ?`, id); err != nil {
			return fmt.Errorf("store: end sessions of staff %d: %w", id, err)
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Auth) GetStaff(ctx context.Context, id int64) (*auth.Staff, error) {
	st, err := scanStaff(s.db.QueryRow(ctx, `SELECT `+staffCols+` FROM staff WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get staff %d: %w", id, err)
	}
	return st, nil
}

func (s *Auth) StaffByUsername(ctx context.Context, username string) (*auth.Staff, string, error) {
	var hash string
	st, err := scanStaff(s.db.QueryRow(ctx, `SELECT `+staffCols+`, password_hash FROM staff WHERE username = ?`, username), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("store: find staff %q: %w", username, err)
	}
	return st, hash, nil
}

func (s *Auth) ListStaff(ctx context.Context, storeID int64) ([]*auth.Staff, error) {
	q, args := `SELECT `+staffCols+` FROM staff ORDER BY username`, []any(nil)
	if storeID != 0 {
		q, args = `SELECT `+staffCols+` FROM staff WHERE store_id = ? ORDER BY username`, []any{storeID}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	defer rows.Close()
	var list []*auth.Staff
	for rows.Next() {
		st, err := scanStaff(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list staff: %w", err)
		}
		list = append(list, st)
	}
	return list, rows.Err()
}

func (s *Auth) CountActiveStaff(ctx context.Context, role string) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM staff WHERE role = ? AND active = ?`, role, true).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count staff: %w", err)
	}
	return n, nil
}

// ---- sessions ----

func (s *Auth) CreateSession(ctx context.Context, hash []byte, sess *auth.Session, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, staff_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			hash, sess.StaffID, sess.CSRF, Millis(sess.CreatedAt), Millis(sess.ExpiresAt)); err != nil {
			return fmt.Errorf("store: insert session: %w", err)
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Auth) SessionByHash(ctx context.Context, hash []byte) (*auth.Session, error) {
	var (
		sess     auth.Session
		cre, exp int64
	)
	err := s.db.QueryRow(ctx, `SELECT staff_id, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&sess.StaffID, &sess.CSRF, &cre, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: find session: %w", err)
	}
	sess.CreatedAt, sess.ExpiresAt = FromMillis(cre), FromMillis(exp)
	return &sess, nil
}

func (s *Auth) ExtendSession(ctx context.Context, hash []byte, expires time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE sessions SET expires_at = ? WHERE token_hash = ?`, Millis(expires), hash)
		if err != nil {
			return fmt.Errorf("store: extend session: %w", err)
		}
		return nil
	})
}

func (s *Auth) DeleteSession(ctx context.Context, hash []byte, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
		if err != nil {
			return fmt.Errorf("store: delete session: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already gone: nothing happened, nothing to audit
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Auth) DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, Millis(t))
		if err != nil {
			return fmt.Errorf("store: delete expired sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// ---- API keys ----

const apiKeyCols = `id, name, prefix, store_id, terminal, created_by, created_at, revoked_at, last_used_at`

func scanAPIKey(r scanner) (*auth.APIKey, error) {
	var (
		k             auth.APIKey
		createdBy     sql.NullInt64
		cre           int64
		revoked, used sql.NullInt64
	)
	if err := r.Scan(&k.ID, &k.Name, &k.Prefix, &k.StoreID, &k.Terminal, &createdBy, &cre, &revoked, &used); err != nil {
		return nil, err
	}
	k.CreatedBy, k.CreatedAt = createdBy.Int64, FromMillis(cre)
	if revoked.Valid {
		k.RevokedAt = FromMillis(revoked.Int64)
	}
	if used.Valid {
		k.LastUsedAt = FromMillis(used.Int64)
	}
	return &k, nil
}

func (s *Auth) CreateAPIKey(ctx context.Context, k *auth.APIKey, hash []byte, a auth.Audit) (int64, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO api_keys (name, prefix, key_hash, store_id, terminal, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.Name, k.Prefix, hash, k.StoreID, k.Terminal, nullID(k.CreatedBy), Millis(k.CreatedAt))
		if err != nil {
			return fmt.Errorf("store: insert api key: %w", err)
		}
		a.EntityID = id
		return writeAuthAudit(ctx, tx, a)
	})
	return id, err
}

func (s *Auth) getAPIKey(ctx context.Context, where string, arg any) (*auth.APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get api key: %w", err)
	}
	return k, nil
}

func (s *Auth) GetAPIKey(ctx context.Context, id int64) (*auth.APIKey, error) {
	return s.getAPIKey(ctx, `id = ?`, id)
}

func (s *Auth) APIKeyByHash(ctx context.Context, hash []byte) (*auth.APIKey, error) {
	return s.getAPIKey(ctx, `key_hash = ?`, hash)
}

func (s *Auth) ListAPIKeys(ctx context.Context, storeID int64) ([]*auth.APIKey, error) {
	q, args := `SELECT `+apiKeyCols+` FROM api_keys ORDER BY id DESC`, []any(nil)
	if storeID != 0 {
		q, args = `SELECT `+apiKeyCols+` FROM api_keys WHERE store_id = ? ORDER BY id DESC`, []any{storeID}
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list api keys: %w", err)
	}
	defer rows.Close()
	var list []*auth.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list api keys: %w", err)
		}
		list = append(list, k)
	}
	return list, rows.Err()
}

func (s *Auth) RevokeAPIKey(ctx context.Context, id int64, at time.Time, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, Millis(at), id)
		if err != nil {
			return fmt.Errorf("store: revoke api key %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // unknown or already revoked: nothing changed
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Auth) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, Millis(at), id)
		if err != nil {
			return fmt.Errorf("store: touch api key %d: %w", id, err)
		}
		return nil
	})
}
