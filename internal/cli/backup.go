package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/linli/linli/internal/store"
)

var backupCmd = &command{
	name:    "backup",
	args:    "[FILE]",
	summary: "Write a consistent copy of the SQLite database.",
	help: `Safe while the server runs: the copy is one snapshot (VACUUM INTO), checked
with PRAGMA integrity_check before it gets its name. FILE must not exist;
the default is <data-dir>/backups/linli-<time>.db. Keep the secret key with
your backups: the personal data in them is encrypted with it.
For PostgreSQL use pg_dump.`,
	run: runBackup,
}

var restoreCmd = &command{
	name:    "restore",
	args:    "FILE",
	summary: "Replace the SQLite database with a backup.",
	help: `Stop the server first (restore refuses while one holds <data-dir>/linli.lock).
The backup is checked (integrity, schema version); the current database is
kept as linli.db.before-restore-<time>. A backup from an older linli is
migrated when the server next starts. For PostgreSQL use pg_restore.`,
	run: runRestore,
}

func runBackup(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 1 {
		return usageError(e, c, "want at most one FILE")
	}
	if c.cfg.IsPostgres() {
		fmt.Fprintf(e.stderr, "linli backup: the database is PostgreSQL; back it up with pg_dump:\n"+
			"  pg_dump --format=custom --file=linli-%s.dump '%s'\n",
			time.Now().Format("20060102"), store.Redact(c.cfg.DatabaseURL))
		return exitFail
	}
	dest := ""
	if len(c.args) == 1 {
		dest = c.args[0]
	} else {
		dir := filepath.Join(c.cfg.DataDir, "backups")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fail(e, c, err)
		}
		dest = filepath.Join(dir, "linli-"+time.Now().UTC().Format("20060102-150405")+".db")
	}
	db, err := store.Open(ctx, c.cfg.DataDir, "", store.Options{ReadOnly: true, Readers: 1})
	if err != nil {
		return fail(e, c, err)
	}
	defer db.Close()
	start := time.Now()
	v, err := db.Backup(ctx, dest)
	if err != nil {
		return fail(e, c, err)
	}
	size := int64(0)
	if fi, err := os.Stat(dest); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(e.stdout, "backup written to %s (%s, schema version %d, integrity ok) in %s\n",
		dest, humanBytes(size), v, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(e.stdout, "keep the secret key with it: the personal data in the backup is encrypted")
	return exitOK
}

func runRestore(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) != 1 {
		return usageError(e, c, "want the backup FILE")
	}
	if c.cfg.IsPostgres() {
		fmt.Fprintf(e.stderr, "linli restore: the database is PostgreSQL; restore a pg_dump file with pg_restore:\n"+
			"  pg_restore --clean --if-exists --no-owner --dbname='%s' FILE.dump\n", store.Redact(c.cfg.DatabaseURL))
		return exitFail
	}
	unlock, err := lockDataDir(c.cfg)
	if err != nil {
		return fail(e, c, err)
	}
	defer unlock()
	aside, v, err := store.Restore(ctx, c.cfg.DataDir, c.args[0], time.Now())
	if err != nil {
		return fail(e, c, err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s (schema version %d)\n", c.args[0], filepath.Join(c.cfg.DataDir, store.SQLiteFile), v)
	if aside != "" {
		fmt.Fprintf(e.stdout, "the previous database is kept as %s\n", aside)
	}
	if latest := store.Latest(); v < latest {
		fmt.Fprintf(e.stdout, "the backup is at schema version %d; the next start migrates it to %d\n", v, latest)
	}
	return exitOK
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
