package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
)

// Products implements catalog.Store.
type Products struct{ db *DB }

// NewProducts returns the catalog.Store backed by db.
func NewProducts(db *DB) *Products { return &Products{db: db} }

var _ catalog.Store = (*Products)(nil)

const productCols = `id, code, barcode, name, category, brand, unit, price_fen, active, created_at, updated_at`

func scanProduct(r scanner) (*catalog.Product, error) {
	var (
		p        catalog.Product
		cre, upd int64
	)
	if err := r.Scan(&p.ID, &p.Code, &p.Barcode, &p.Name, &p.Category, &p.Brand, &p.Unit, &p.PriceFen, &p.Active, &cre, &upd); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = FromMillis(cre), FromMillis(upd)
	return &p, nil
}

func productConflict(err error, code string) error {
	if IsUnique(err) {
		e := linli.Invalid("product.code_taken", "code", "the product code %q is taken", code)
		e.Kind = linli.KindConflict
		return e
	}
	return fmt.Errorf("store: save product %q: %w", code, err)
}

func (s *Products) CreateProduct(ctx context.Context, p *catalog.Product, a auth.Audit) (int64, error) {
	var id int64
	err := s.db.Write(ctx, func(tx *Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO products (code, barcode, name, category, brand, unit, price_fen, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Code, p.Barcode, p.Name, p.Category, p.Brand, p.Unit, p.PriceFen, p.Active, Millis(p.CreatedAt), Millis(p.UpdatedAt))
		if err != nil {
			return productConflict(err, p.Code)
		}
		a.EntityID = id
		return writeAuthAudit(ctx, tx, a)
	})
	return id, err
}

func updateProduct(ctx context.Context, tx *Tx, p *catalog.Product) error {
	res, err := tx.Exec(ctx, `UPDATE products SET code = ?, barcode = ?, name = ?, category = ?, brand = ?, unit = ?,
		price_fen = ?, active = ?, updated_at = ? WHERE id = ?`,
		p.Code, p.Barcode, p.Name, p.Category, p.Brand, p.Unit, p.PriceFen, p.Active, Millis(p.UpdatedAt), p.ID)
	if err != nil {
		return productConflict(err, p.Code)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return linli.Errorf(linli.KindNotFound, "product.not_found", "product %d does not exist", p.ID)
	}
	return nil
}

func (s *Products) UpdateProduct(ctx context.Context, p *catalog.Product, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		if err := updateProduct(ctx, tx, p); err != nil {
			return err
		}
		return writeAuthAudit(ctx, tx, a)
	})
}

func (s *Products) GetProduct(ctx context.Context, id int64) (*catalog.Product, error) {
	p, err := scanProduct(s.db.QueryRow(ctx, `SELECT `+productCols+` FROM products WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get product %d: %w", id, err)
	}
	return p, nil
}

// likePrefix escapes s for a LIKE pattern matching what starts with it.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

func (s *Products) ListProducts(ctx context.Context, f catalog.Filter) ([]*catalog.Product, error) {
	var (
		where []string
		args  []any
	)
	if !f.All {
		where, args = append(where, "active = ?"), append(args, true)
	}
	if f.Category != "" {
		where, args = append(where, "category = ?"), append(args, f.Category)
	}
	if f.Q != "" {
		p := likePrefix(f.Q)
		where, args = append(where, `(code LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`), append(args, p, p)
	}
	if f.After > 0 {
		where, args = append(where, "id < ?"), append(args, f.After)
	}
	q := `SELECT ` + productCols + ` FROM products`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	return s.query(ctx, q, args...)
}

func (s *Products) query(ctx context.Context, q string, args ...any) ([]*catalog.Product, error) {
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list products: %w", err)
	}
	defer rows.Close()
	var list []*catalog.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list products: %w", err)
		}
		list = append(list, p)
	}
	return list, rows.Err()
}

func (s *Products) ProductsByCode(ctx context.Context, codes []string) ([]*catalog.Product, error) {
	var out []*catalog.Product
	for len(codes) > 0 {
		n := min(len(codes), 1000)
		args := make([]any, n)
		for i, c := range codes[:n] {
			args[i] = c
		}
		list, err := s.query(ctx, `SELECT `+productCols+` FROM products WHERE code IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		codes = codes[n:]
	}
	return out, nil
}

func (s *Products) SaveProducts(ctx context.Context, creates, updates []*catalog.Product, a auth.Audit) error {
	return s.db.Write(ctx, func(tx *Tx) error {
		var audits [][]any
		if len(creates) > 0 {
			ids, err := tx.ReserveIDs(ctx, "products", len(creates))
			if err != nil {
				return err
			}
			rows := make([][]any, len(creates))
			for i, p := range creates {
				p.ID = ids[i]
				rows[i] = []any{p.ID, p.Code, p.Barcode, p.Name, p.Category, p.Brand, p.Unit, p.PriceFen, p.Active,
					Millis(p.CreatedAt), Millis(p.UpdatedAt)}
				audits = append(audits, auditRow(p.CreatedAt, a.Actor, a.Action+".create", "product", p.ID, "code="+p.Code))
			}
			if err := tx.InsertRows(ctx, "products", productCols, rows); err != nil {
				if IsUnique(err) {
					return productConflict(err, "")
				}
				return fmt.Errorf("store: insert products: %w", err)
			}
		}
		for _, p := range updates {
			if err := updateProduct(ctx, tx, p); err != nil {
				return err
			}
			audits = append(audits, auditRow(p.UpdatedAt, a.Actor, a.Action+".update", "product", p.ID, "code="+p.Code))
		}
		if err := tx.InsertRows(ctx, "audit_log", auditCols, audits); err != nil {
			return fmt.Errorf("store: audit product import: %w", err)
		}
		return nil
	})
}
