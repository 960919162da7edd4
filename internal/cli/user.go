package cli

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/store"
)

var userCmd = &command{
	name:    "user",
	args:    "add|reset-password|list",
	summary: "Manage staff accounts.",
	help: `  linli user add --username NAME --role ROLE [--store ID] [--name "Display name"] [--password-stdin]
  linli user reset-password --username NAME [--password-stdin]
  linli user list

Roles: ` + strings.Join(auth.Roles(), ", ") + `. Managers and cashiers belong to a store (--store).
The password is asked for on the terminal, or read from the first line of
stdin with --password-stdin. --password works too, but other users of the
machine can see it (ps); keep it for throw-away setups. No secret key is
needed.`,
	flags: func(fs *flag.FlagSet) {
		fs.String("username", "", "login name: 2–32 of a–z, 0–9, '.', '-', '_'")
		fs.String("role", "", "role of a new account: "+strings.Join(auth.Roles(), ", "))
		fs.Int64("store", 0, "home store id (required for manager and cashier)")
		fs.String("name", "", "display name")
		fs.String("password", "", "the password (visible in ps; prefer --password-stdin)")
		fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	},
	run: runUser,
}

func runUser(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) != 1 {
		return usageError(e, c, "want one of add, reset-password, list")
	}
	sub := c.args[0]
	if !slices.Contains([]string{"add", "reset-password", "list"}, sub) {
		return usageError(e, c, "unknown subcommand %q (want add, reset-password or list)", sub)
	}
	username := flagString(c.fs, "username")
	if sub != "list" && username == "" {
		return usageError(e, c, "--username is required")
	}
	if sub == "add" && flagString(c.fs, "role") == "" {
		return usageError(e, c, "--role is required (%s)", strings.Join(auth.Roles(), ", "))
	}

	// Accounts hold no sealed data, so no key is needed: the store is
	// opened directly rather than through app.Open.
	db, err := store.Open(ctx, c.cfg.DataDir, c.cfg.DatabaseURL, store.Options{})
	if err != nil {
		return fail(e, c, err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		return fail(e, c, err)
	}
	repo := store.NewAuth(db)
	svc := auth.New(repo, auth.Options{Log: c.log})
	actor := linli.System

	switch sub {
	case "list":
		list, err := svc.ListStaff(ctx, actor, 0)
		if err != nil {
			return fail(e, c, err)
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tSTORE\tACTIVE\tNAME")
		for _, s := range list {
			storeID := "-"
			if s.StoreID != 0 {
				storeID = fmt.Sprint(s.StoreID)
			}
			active := "yes"
			if !s.Active {
				active = "no"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Username, s.Role, storeID, active, s.DisplayName)
		}
		tw.Flush()
		return exitOK

	case "add":
		pw, err := readPassword(e, passwordSource{flag: flagString(c.fs, "password"), fromStdin: flagBool(c.fs, "password-stdin")})
		if err != nil {
			return fail(e, c, err)
		}
		lang := c.cfg.DefaultLang
		if !slices.Contains(auth.Langs, lang) {
			lang = ""
		}
		st, err := svc.CreateStaff(ctx, actor, auth.StaffInput{
			Username: username, DisplayName: flagString(c.fs, "name"), Password: pw,
			Role: flagString(c.fs, "role"), StoreID: flagInt64(c.fs, "store"), Lang: lang,
		})
		if err != nil {
			return fail(e, c, err)
		}
		fmt.Fprintf(e.stdout, "created %s account %q (id %d)\n", st.Role, st.Username, st.ID)
		return exitOK

	default: // reset-password
		st, _, err := repo.StaffByUsername(ctx, auth.NormalizeUsername(username))
		if err != nil {
			return fail(e, c, err)
		}
		if st == nil {
			return fail(e, c, fmt.Errorf("no staff account %q (see linli user list)", username))
		}
		pw, err := readPassword(e, passwordSource{flag: flagString(c.fs, "password"), fromStdin: flagBool(c.fs, "password-stdin")})
		if err != nil {
			return fail(e, c, err)
		}
		if err := svc.ResetPassword(ctx, actor, st.ID, pw); err != nil {
			return fail(e, c, err)
		}
		fmt.Fprintf(e.stdout, "password of %q changed; its sessions have ended\n", st.Username)
		return exitOK
	}
}
