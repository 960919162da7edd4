package store

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli"
)

func openTestDB(t *testing.T, dir string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dir, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		t.Fatal(err)
	}
	return db
}

func addSettings(t *testing.T, db *DB, prefix string, n int) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, prefix+strconv.Itoa(i), "v"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countSettings(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM settings`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBackupWhileWritingAndRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openTestDB(t, dir)
	addSettings(t, db, "a", 100)

	// Keep writing while the backup runs: the copy must still be consistent.
	var wg sync.WaitGroup
	var stop atomic.Bool
	var writes atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			err := db.Write(ctx, func(tx *Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "w"+strconv.Itoa(i), "v")
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			writes.Add(1)
		}
	}()
	for writes.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	v, err := db.Backup(ctx, dest)
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if v != Latest() {
		t.Errorf("backup version %d, want %d", v, Latest())
	}
	if _, err := os.Stat(dest + ".partial"); !os.IsNotExist(err) {
		t.Errorf("partial file left behind: %v", err)
	}
	if _, err := db.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	backupRows := func() int {
		b, err := Open(ctx, filepath.Dir(dest), "", Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		return countSettings(t, b)
	}
	// Name the backup as the database file of its directory to count it.
	if err := os.Rename(dest, filepath.Join(filepath.Dir(dest), SQLiteFile)); err != nil {
		t.Fatal(err)
	}
	inBackup := backupRows()
	if err := os.Rename(filepath.Join(filepath.Dir(dest), SQLiteFile), dest); err != nil {
		t.Fatal(err)
	}
	if inBackup < 110 || inBackup > countSettings(t, db) {
		t.Fatalf("backup holds %d rows, database %d", inBackup, countSettings(t, db))
	}

	addSettings(t, db, "after", 5)
	db.Close()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	aside, rv, err := Restore(ctx, dir, dest, now)
	if err != nil {
		t.Fatal(err)
	}
	if rv != Latest() || aside != filepath.Join(dir, SQLiteFile+".before-restore-20260304-050607") {
		t.Errorf("restore = %q, %d", aside, rv)
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(filepath.Join(dir, SQLiteFile+ext)); err == nil {
			t.Errorf("%s left after restore", ext)
		}
	}
	db2 := openTestDB(t, dir)
	if n := countSettings(t, db2); n != inBackup {
		t.Errorf("restored %d rows, want %d", n, inBackup)
	}
	// The database set aside still has everything, the last rows included.
	if _, err := CheckFile(ctx, aside); err != nil {
		t.Errorf("aside copy: %v", err)
	}
}

func TestCheckFileRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckFile(ctx, junk); err == nil {
		t.Error("junk file accepted")
	}
	if _, _, err := Restore(ctx, t.TempDir(), junk, time.Now()); err == nil {
		t.Error("restore of a junk file accepted")
	}
	if _, err := CheckFile(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("missing file accepted")
	}

	// A SQLite file without Linli's schema.
	other, err := Open(ctx, filepath.Join(dir, "other"), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.W.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if _, err := CheckFile(ctx, filepath.Join(dir, "other", SQLiteFile)); err == nil || !strings.Contains(err.Error(), "not a Linli database") {
		t.Errorf("foreign database: %v", err)
	}

	// A backup from a newer linli.
	newer := openTestDB(t, filepath.Join(dir, "newer"))
	if _, err := newer.W.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 0)`, Latest()+1); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "newer.db")
	if _, err := newer.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	if _, _, err := Restore(ctx, target, dest, time.Now()); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("newer backup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(target, SQLiteFile)); err == nil {
		t.Error("a refused restore wrote the database")
	}
}
