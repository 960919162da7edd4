package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/shop"
)

// Shops implements shop.Repo: the chain's stores.
type Shops struct{ db *DB }

// NewShops returns the shop.Repo backed by db.
func NewShops(db *DB) *Shops { return &Shops{db: db} }

var _ shop.Repo = (*Shops)(nil)

const shopCols = `id, code, name, timezone, address, phone, active, created_at`

func scanShop(r scanner) (*shop.Store, error) {
	var (
		s   shop.Store
		cre int64
	)
	if err := r.Scan(&s.ID, &s.Code, &s.Name, &s.Timezone, &s.Address, &s.Phone, &s.Active, &cre); err != nil {
		return nil, err
	}
	s.CreatedAt = FromMillis(cre)
	return &s, nil
}

func shopConflict(err error, code string) error {
	if IsUnique(err) {
		e := linli.Invalid("store.code_taken", "code", "the store code %q is taken", code)
		e.Kind = linli.KindConflict
		return e
	}
	return fmt.Errorf("store: save store %q: %w", code, err)
}

func (s *Shops) CreateStore(ctx context.Context, st *shop.Store, a auth.Audit) (int64, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO stores (code, name, timezone, address, phone, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			st.Code, st.Name, st.Timezone, st.Address, st.Phone, st.Active, Millis(st.CreatedAt))
		if err != nil {
			return shopConflict(err, st.Code)
		}
		a.EntityID, a.StoreID = id, id
		return writeAuthAudit(ctx, tx, a)
	})
	return id, err
}

func (s *Shops) UpdateStore(ctx context.Context, st *shop.Store, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE stores SET code = ?, name = ?, timezone = ?, address = ?, phone = ?, active = ? WHERE id = ?`,
			st.Code, st.Name, st.Timezone, st.Address, st.Phone, st.Active, st.ID)
		if err != nil {
			return shopConflict(err, st.Code)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return linli.Errorf(linli.KindNotFound, "store.not_found", "store %d does not exist", st.ID)
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Shops) GetStore(ctx context.Context, id int64) (*shop.Store, error) {
	st, err := scanShop(s.db.QueryRow(ctx, `SELECT `+shopCols+` FROM stores WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get store %d: %w", id, err)
	}
	return st, nil
}

func (s *Shops) ListStores(ctx context.Context) ([]*shop.Store, error) {
	rows, err := s.db.Query(ctx, `SELECT `+shopCols+` FROM stores ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: list stores: %w", err)
	}
	defer rows.Close()
	var list []*shop.Store
	for rows.Next() {
		st, err := scanShop(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list stores: %w", err)
		}
		list = append(list, st)
	}
	return list, rows.Err()
}
