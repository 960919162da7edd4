package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/store"
)

var migrateCmd = &command{
	name:    "migrate",
	summary: "Bring the database schema up to date.",
	help: `Applies the migrations the database lacks, each in its own transaction, and
prints the versions. "serve" does the same on start; run this to upgrade at a
time of your choosing (take a backup first). No secret key is needed.
With --check nothing is changed: the exit status is 1 when the database is
behind (or ahead of) this linli.`,
	flags: func(fs *flag.FlagSet) {
		fs.Bool("check", false, "only report; exit 1 if the schema is not current")
	},
	run: runMigrate,
}

func runMigrate(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 0 {
		return usageError(e, c, "unexpected argument %q", c.args[0])
	}
	check := flagBool(c.fs, "check")
	latest := store.Latest()
	db, err := store.Open(ctx, c.cfg.DataDir, c.cfg.DatabaseURL, store.Options{ReadOnly: check})
	if err != nil {
		return fail(e, c, err)
	}
	defer db.Close()
	cur, err := db.Version(ctx)
	if err != nil {
		return fail(e, c, err)
	}
	if check {
		switch {
		case cur < latest:
			fmt.Fprintf(e.stdout, "schema version %d, this linli needs %d: run linli migrate\n", cur, latest)
			return exitFail
		case cur > latest:
			fmt.Fprintf(e.stdout, "schema version %d is newer than this linli (%d): upgrade linli\n", cur, latest)
			return exitFail
		}
		fmt.Fprintf(e.stdout, "schema version %d is current\n", cur)
		return exitOK
	}
	applied, err := db.Migrate(ctx, linli.SystemClock)
	for _, v := range applied {
		fmt.Fprintf(e.stdout, "applied migration %d\n", v)
	}
	if err != nil {
		return fail(e, c, err)
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "schema version %d is current (%s)\n", cur, db.Dialect)
	} else {
		fmt.Fprintf(e.stdout, "schema version %d → %d (%s)\n", cur, applied[len(applied)-1], db.Dialect)
	}
	return exitOK
}
