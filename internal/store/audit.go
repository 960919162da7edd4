package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/linli/linli/internal/audit"
)

// AuditLog implements audit.Reader on the audit_log table.
type AuditLog struct{ db *DB }

// NewAuditLog returns the audit reader backed by db.
func NewAuditLog(db *DB) *AuditLog { return &AuditLog{db: db} }

var _ audit.Reader = (*AuditLog)(nil)

// List returns matching lines, newest first.
func (l *AuditLog) List(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Entity != "" {
		add("entity = ?", f.Entity)
	}
	if f.EntityID != 0 {
		add("entity_id = ?", f.EntityID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.StoreID != 0 {
		add("store_id = ?", f.StoreID)
	}
	if f.Before > 0 {
		add("id < ?", f.Before)
	}
	q := `SELECT id, at, staff_id, api_key_id, actor, action, entity, entity_id, store_id, detail, ip FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit)
	rows, err := l.db.Query(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list audit log: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		var staff, key, entityID, storeID sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &staff, &key, &e.Actor, &e.Action, &e.Entity, &entityID, &storeID, &e.Detail, &e.IP); err != nil {
			return nil, fmt.Errorf("store: scan audit log: %w", err)
		}
		e.At = FromMillis(at)
		e.StaffID, e.APIKeyID, e.EntityID, e.StoreID = staff.Int64, key.Int64, entityID.Int64, storeID.Int64
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list audit log: %w", err)
	}
	return out, nil
}
