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
revoked), products (active), sales, lines (sale lines), revenue_fen (what the
sales came to, less refunds, in fen), refunds, members_with_points (balance
above 0), points_outstanding (the sum of those balances), schema_version,
dialect. The sales and points keys are 0 on a schema older than version 6.`,
	run: runStats,
}

// Stats is what `linli stats` prints. Later versions add keys; the
// existing ones keep their names.
type Stats struct {
	Members      int   `json:"members"`
	MembersTotal int   `json:"members_total"`
	Stores       int   `json:"stores"`
	Staff        int   `json:"staff"`
	APIKeys      int   `json:"api_keys"`
	Products     int   `json:"products"`
	Sales        int   `json:"sales"`
	Lines        int   `json:"lines"`
	RevenueFen   int64 `json:"revenue_fen"`
	Refunds      int   `json:"refunds"`
	// Points: members with a positive balance, and what those balances add up to.
	MembersWithPoints int    `json:"members_with_points"`
	PointsOutstanding int64  `json:"points_outstanding"`
	SchemaVersion     int    `json:"schema_version"`
	Dialect           string `json:"dialect"`
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

// productsVersion and salesVersion are the schema versions that added the
// products table and the sales and ledger tables; stats reads older
// databases too.
const (
	productsVersion = 5
	salesVersion    = 6
)

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
	type query struct {
		dst  any
		q    string
		args []any
	}
	queries := []query{
		{&s.Members, `SELECT COUNT(*) FROM members WHERE status = ?`, []any{member.StatusActive}},
		{&s.MembersTotal, `SELECT COUNT(*) FROM members`, nil},
		{&s.Stores, `SELECT COUNT(*) FROM stores WHERE active = ?`, []any{true}},
		{&s.Staff, `SELECT COUNT(*) FROM staff WHERE active = ?`, []any{true}},
		{&s.APIKeys, `SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL`, nil},
	}
	if v >= productsVersion {
		queries = append(queries, query{&s.Products, `SELECT COUNT(*) FROM products WHERE active = ?`, []any{true}})
	}
	if v >= salesVersion {
		// SUM is NUMERIC on PostgreSQL; the casts keep every count an integer.
		queries = append(queries,
			query{&s.Sales, `SELECT COUNT(*) FROM sales`, nil},
			query{&s.Lines, `SELECT COUNT(*) FROM sale_lines`, nil},
			query{&s.RevenueFen, `SELECT CAST(COALESCE((SELECT SUM(amount_fen) FROM sales WHERE status <> ?), 0)
				- COALESCE((SELECT SUM(amount_fen) FROM refunds), 0) AS BIGINT)`, []any{"voided"}},
			query{&s.Refunds, `SELECT COUNT(*) FROM refunds`, nil},
			query{&s.MembersWithPoints, `SELECT COUNT(*) FROM member_points WHERE balance > 0`, nil},
			query{&s.PointsOutstanding, `SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM member_points WHERE balance > 0`, nil},
		)
	}
	for _, q := range queries {
		if err := tx.QueryRowContext(ctx, db.Rebind(q.q), q.args...).Scan(q.dst); err != nil {
			return s, fmt.Errorf("stats: %w", err)
		}
	}
	return s, nil
}
