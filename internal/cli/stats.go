package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/store"
)

var statsCmd = &command{
	name:    "stats",
	summary: "Print counts of members, stores, staff and API keys as JSON.",
	help: `Reads only, needs no secret key and works while a server runs on the same
data directory. Keys: members (active), members_total (every row, erased and
merged included), stores (active), staff (active accounts), api_keys (not
revoked), products (active), schema_version, dialect.`,
	run: runStats,
}

// Stats is what `linli stats` prints. Later versions add keys; the
// existing ones keep their names.
type Stats struct {
	Members       int    `json:"members"`
	MembersTotal  int    `json:"members_total"`
	Stores        int    `json:"stores"`
	Staff         int    `json:"staff"`
	APIKeys       int    `json:"api_keys"`
	Products      int    `json:"products"`
	SchemaVersion int    `json:"schema_version"`
	Dialect       string `json:"dialect"`
}

func (s Stats) empty() bool { return s.MembersTotal == 0 && s.Stores == 0 && s.Staff == 0 }

func runStats(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 0 {
		return usageError(e, c, "unexpected argument %q", c.args[0])
	}
	a, err := app.Open(ctx, c.cfg, app.ReadOnly)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	s, err := countAll(ctx, a.DB)
	if err != nil {
		return fail(e, c, err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fail(e, c, err)
	}
	return exitOK
}

// productsVersion is the schema version that added the products table;
// stats reads older databases too.
const productsVersion = 5

// countAll reads the counts in one read transaction, so they agree with
// each other even while a server writes.
func countAll(ctx context.Context, db *store.DB) (Stats, error) {
	s := Stats{Dialect: string(db.Dialect)}
	v, err := db.Version(ctx)
	if err != nil {
		return s, err
	}
	s.SchemaVersion = v
	if v == 0 {
		return s, nil
	}
	tx, err := db.R.BeginTx(ctx, nil)
	if err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	defer tx.Rollback()
	queries := []struct {
		dst  *int
		q    string
		args []any
	}{
		{&s.Members, `SELECT COUNT(*) FROM members WHERE status = ?`, []any{member.StatusActive}},
		{&s.MembersTotal, `SELECT COUNT(*) FROM members`, nil},
		{&s.Stores, `SELECT COUNT(*) FROM stores WHERE active = ?`, []any{true}},
		{&s.Staff, `SELECT COUNT(*) FROM staff WHERE active = ?`, []any{true}},
		{&s.APIKeys, `SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL`, nil},
	}
	if v >= productsVersion {
		queries = append(queries, struct {
			dst  *int
			q    string
			args []any
		}{&s.Products, `SELECT COUNT(*) FROM products WHERE active = ?`, []any{true}})
	}
	for _, q := range queries {
		if err := tx.QueryRowContext(ctx, db.Rebind(q.q), q.args...).Scan(q.dst); err != nil {
			return s, fmt.Errorf("stats: %w", err)
		}
	}
	return s, nil
}
