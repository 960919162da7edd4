// Package storetest gives tests a fresh, migrated database: SQLite in a
// temporary directory, and PostgreSQL in a throw-away schema when
// LINLI_TEST_POSTGRES names a server.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/store"
)

// EnvPostgres names the variable holding a PostgreSQL URL for tests, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvPostgres = "LINLI_TEST_POSTGRES"

// Open returns a migrated SQLite database in t.TempDir(), closed when the
// test ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), "", store.Options{})
	if err != nil {
		t.Fatalf("storetest: open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		t.Fatalf("storetest: migrate sqlite: %v", err)
	}
	return db
}

// OpenPostgres returns a migrated PostgreSQL database living in a schema of
// its own (dropped when the test ends), or skips the test when
// LINLI_TEST_POSTGRES is unset.
func OpenPostgres(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "", PostgresURL(t), store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // before the schema is dropped: cleanups run last first
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		t.Fatalf("storetest: migrate postgres: %v", err)
	}
	return db
}

// PostgresURL makes an empty schema of its own (dropped when the test
// ends) and returns a URL whose connections use it, or skips the test when
// LINLI_TEST_POSTGRES is unset. Whatever the URL is given to must be
// closed before the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("storetest: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests", EnvPostgres)
	}
	ctx := context.Background()
	admin, err := store.Open(ctx, "", base, store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.W.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.W.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storetest: parse %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx passes unknown parameters on as run-time settings
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as the subtests "sqlite" and "postgres", each on a freshly
// migrated database; "postgres" is skipped when LINLI_TEST_POSTGRES is unset.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, Open(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t)) })
}
