package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrNotSQLite is returned by the file-level backup helpers on PostgreSQL,
// whose own tools (pg_dump, pg_restore) do the job better.
var ErrNotSQLite = errors.New("store: backup and restore of the database file need SQLite; use pg_dump and pg_restore for PostgreSQL")

// Backup writes a consistent copy of the SQLite database to dest while
// other connections may go on writing: VACUUM INTO reads one snapshot, so
// the copy holds every transaction committed before it started and none
// after. The copy is written beside dest, synced, checked with
// integrity_check and only then renamed to dest, so dest is either a good
// backup or absent. dest must not exist. It returns the copy's schema
// version.
func (d *DB) Backup(ctx context.Context, dest string) (int, error) {
	if d.Dialect != SQLite {
		return 0, ErrNotSQLite
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Stat(dest); err == nil {
		return 0, fmt.Errorf("store: backup: %s already exists", dest)
	}
	if same, _ := sameFile(dest, d.Path); same {
		return 0, errors.New("store: backup: the destination is the database itself")
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp) // left by an interrupted backup
	defer os.Remove(tmp)

	// A connection of its own: the readers are query_only, which SQLite
	// applies to VACUUM INTO as well.
	src, err := sql.Open("sqlite", "file:"+d.Path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return 0, fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	if err := syncFile(tmp); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	v, err := CheckFile(ctx, tmp)
	if err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	_ = syncDir(filepath.Dir(dest))
	return v, nil
}

// CheckFile opens a SQLite file read-only, runs PRAGMA integrity_check and
// returns its schema version. A file that is not a Linli database (no
// schema_version table) is an error.
func CheckFile(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := IntegrityCheck(ctx, db); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='schema_version'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("store: %s is not a Linli database (no schema_version table)", path)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: check %s: %w", path, err)
	}
	return v, nil
}

// IntegrityCheck runs PRAGMA integrity_check on a SQLite handle and returns
// the problems it lists, if any.
func IntegrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("… %d more", len(problems)-5))
		}
		return fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Restore replaces the SQLite database in dataDir with the backup src. The
// backup is checked first (integrity, and a schema no newer than this
// binary knows); the current database, if any, is moved aside as
// linli.db.before-restore-<time> together with its WAL, so nothing is
// lost. The caller must make sure no process has the database open. It
// returns the path the old database was moved to ("" when there was none)
// and the backup's schema version.
func Restore(ctx context.Context, dataDir, src string, now time.Time) (aside string, version int, err error) {
	version, err = CheckFile(ctx, src)
	if err != nil {
		return "", 0, err
	}
	if latest := Latest(); version > latest {
		return "", version, fmt.Errorf("store: the backup has schema version %d, newer than this linli (%d): upgrade linli first", version, latest)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", version, fmt.Errorf("store: restore: %w", err)
	}
	dbPath := filepath.Join(dataDir, SQLiteFile)
	if same, _ := sameFile(src, dbPath); same {
		return "", version, errors.New("store: restore: the backup is the database itself")
	}
	tmp := dbPath + ".restoring"
	if err := copyFile(src, tmp); err != nil {
		os.Remove(tmp)
		return "", version, fmt.Errorf("store: restore: %w", err)
	}
	defer os.Remove(tmp)

	if _, err := os.Stat(dbPath); err == nil {
		// Fold the WAL into the file so the copy set aside stands alone;
		// the WAL is moved along with it in case this fails.
		checkpoint(ctx, dbPath)
		aside = dbPath + ".before-restore-" + now.UTC().Format("20060102-150405")
		if err := os.Rename(dbPath, aside); err != nil {
			return "", version, fmt.Errorf("store: restore: move the current database aside: %w", err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(dbPath + ext); err == nil {
				if err := os.Rename(dbPath+ext, aside+ext); err != nil {
					return aside, version, fmt.Errorf("store: restore: move %s aside: %w", ext, err)
				}
			}
		}
	}
	for _, ext := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dbPath + ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			return aside, version, fmt.Errorf("store: restore: %w", err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return aside, version, fmt.Errorf("store: restore: %w", err)
	}
	_ = syncDir(dataDir)
	return aside, version, nil
}

func checkpoint(ctx context.Context, path string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return
	}
	defer db.Close()
	_, _ = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable; some systems cannot sync a directory,
// which callers ignore.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
