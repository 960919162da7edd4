package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// The bulk demo writes a ledger `linli check` finds clean, about the lines
// asked for, and sales with the generator's shape: busier weekends,
// regulars and occasional shoppers, refunds, points from the last day and
// tiers from the history.
func TestDemoBulk(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, "demo", "--no-serve", "--bulk", "--members", "2000", "--sales-lines", "60000",
		"--data-dir", dir, "--password", "demo-pass-1")
	if !strings.Contains(r.stdout, "as history") || !strings.Contains(r.stdout, "2000 members") {
		t.Errorf("demo --bulk: %s", r)
	}
	if r := mustRun(t, "check", "--data-dir", dir); strings.TrimSpace(r.stdout) != "ok: no violations" {
		t.Errorf("check after demo --bulk: %s", r)
	}
	s := stats(t, dir)
	if s.Members != 2000 || s.Lines < 51000 || s.Lines > 69000 || s.Refunds == 0 || s.MembersWithPoints == 0 {
		t.Errorf("stats after demo --bulk: %+v", s)
	}
	if per := float64(s.Lines) / float64(s.Sales); per < 5 || per > 10 {
		t.Errorf("%.1f lines a sale", per)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dir, "", store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkDemoShape(t, db)
}

// checkDemoShape checks what the analysis relies on in demo sales.
func checkDemoShape(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	var weekend, weekday float64
	// 1970-01-01 was a Thursday: days 2 and 3 of the week are Saturday and
	// Sunday. Shanghai time is UTC+8.
	err := db.QueryRow(ctx, `SELECT
		SUM(CASE WHEN ((sold_at + 28800000) / 86400000) % 7 IN (2, 3) THEN 1 ELSE 0 END),
		SUM(CASE WHEN ((sold_at + 28800000) / 86400000) % 7 IN (2, 3) THEN 0 ELSE 1 END) FROM sales`).Scan(&weekend, &weekday)
	if err != nil {
		t.Fatal(err)
	}
	if ratio := (weekend / 2) / (weekday / 5); ratio < 1.3 || ratio > 1.8 {
		t.Errorf("a weekend day has %.2f times the sales of a weekday, want about 1.5", ratio)
	}
	var buyers, regulars, once, tiered int
	err = db.QueryRow(ctx, `SELECT COUNT(*), SUM(CASE WHEN n >= 12 THEN 1 ELSE 0 END), SUM(CASE WHEN n = 1 THEN 1 ELSE 0 END)
		FROM (SELECT member_id, COUNT(*) AS n FROM sales WHERE member_id IS NOT NULL GROUP BY member_id) m`).Scan(&buyers, &regulars, &once)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM member_tiers`).Scan(&tiered); err != nil {
		t.Fatal(err)
	}
	if buyers < 1500 || regulars < 40 || once < 40 || tiered == 0 {
		t.Errorf("%d buyers, %d with 12 sales or more, %d with one, %d above the lowest tier", buyers, regulars, once, tiered)
	}
	t.Logf("weekend %.0f, weekday %.0f sales; %d buyers, %d regulars, %d once, %d tiered", weekend, weekday, buyers, regulars, once, tiered)
}

// The same on PostgreSQL, in a schema of its own.
func TestDemoBulkOnPostgres(t *testing.T) {
	if testPostgres == "" {
		t.Skipf("set %s to run the PostgreSQL tests", storetest.EnvPostgres)
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, "", testPostgres, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.W.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.W.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(testPostgres)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	dir := t.TempDir()
	mustRun(t, "demo", "--no-serve", "--bulk", "--members", "2000", "--sales-lines", "60000",
		"--database-url", u.String(), "--data-dir", dir, "--password", "demo-pass-1")
	if r := mustRun(t, "check", "--database-url", u.String(), "--data-dir", dir); strings.TrimSpace(r.stdout) != "ok: no violations" {
		t.Errorf("check after demo --bulk: %s", r)
	}
	db, err := store.Open(ctx, "", u.String(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checkDemoShape(t, db)
}
