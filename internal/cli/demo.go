package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/demo"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

// demoBatch is how many members one transaction writes.
const demoBatch = 1000

var demoCmd = &command{
	name:    "demo",
	summary: "Fill a data directory with a demo supermarket chain and serve it.",
	addr:    true,
	help: `On an empty database it creates the stores, one staff account per role (the
owner is "admin"; all share one password, printed once) and the members, then
serves like "linli serve". A database that already holds data is served as it
is. No secret key is needed: a demo keeps a generated one in
<data-dir>/secret.key. Members registered over the last four years, in id
order, a quarter of them in the last year. It also fills the catalogue and
--sales-months of purchases, each member's from the day they registered,
and a third of the receipts from walk-in customers who are not members:
sales older than two weeks as history, the last two weeks through the tills'
path, so members hold points and tiers. The data depends only on --seed,
--members, --stores, --sales-months, --sales-lines and the day it is made.
--sales-lines scales how often members shop so that the sales come to about
that many lines (0: the natural rhythm, about 400 lines a member a year).
--bulk is for large demos (a million members): members are written 5,000 to a
transaction while the next batch is drawn, sales older than a day as history
in batches of 5,000 per store, and members are then moved to the tiers their
history qualifies for.
--password is visible to other users of the machine (ps); it is meant for
scripts.`,
	flags: func(fs *flag.FlagSet) {
		fs.Int("members", demo.DefaultMembers, "number of members to generate")
		fs.Int("stores", demo.DefaultStores, "number of stores to generate")
		fs.Int64("seed", demo.DefaultSeed, "random seed; the same seed gives the same data")
		fs.String("password", "", "password of the demo accounts (default: a random one, printed)")
		fs.Bool("no-serve", false, "only generate the data, do not serve")
		fs.Int("sales-months", 12, "months of sales history to generate (0: none)")
		fs.Int64("sales-lines", 0, "about this many sales lines in all, by scaling how often members shop (0: as they would)")
		fs.Bool("bulk", false, "write through the bulk paths, for large demos")
	},
	run: runDemo,
}

func runDemo(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 0 {
		return usageError(e, c, "unexpected argument %q", c.args[0])
	}
	opt := demo.Options{
		Members: flagInt(c.fs, "members"),
		Stores:  flagInt(c.fs, "stores"),
		Seed:    flagInt64(c.fs, "seed"),
	}
	if opt.Members < 1 || opt.Members > demo.MaxMembers || opt.Stores < 1 || opt.Stores > 999 {
		return usageError(e, c, "--members must be 1…%d and --stores 1…999", demo.MaxMembers)
	}
	months := flagInt(c.fs, "sales-months")
	if months < 0 || months > 36 {
		return usageError(e, c, "--sales-months must be 0…36")
	}
	plan := demoPlan{months: months, lines: flagInt64(c.fs, "sales-lines"), bulk: flagBool(c.fs, "bulk")}
	if plan.lines < 0 {
		return usageError(e, c, "--sales-lines must be 0 or more")
	}
	password := flagString(c.fs, "password")
	noServe := flagBool(c.fs, "no-serve")

	unlock, err := lockDataDir(c.cfg)
	if err != nil {
		return fail(e, c, err)
	}
	defer unlock()
	if err := refuseRealData(ctx, c); err != nil {
		return fail(e, c, err)
	}
	c.cfg.Demo = true
	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()

	n, err := countAll(ctx, a.DB)
	if err != nil {
		return fail(e, c, err)
	}
	if n.empty() {
		if password == "" {
			password = randomPassword()
		}
		if err := seedDemo(ctx, e, c, a, opt, plan, password); err != nil {
			return fail(e, c, err)
		}
	} else {
		fmt.Fprintf(e.stdout, "The database already holds data (%d members, %d stores, %d staff); serving it as it is.\n"+
			"Lost the demo password? linli user reset-password --username admin --data-dir %s\n",
			n.Members, n.Stores, n.Staff, c.cfg.DataDir)
	}
	if a.KeyFile != "" {
		keyFile := a.KeyFile
		if abs, err := filepath.Abs(keyFile); err == nil {
			keyFile = abs
		}
		fmt.Fprintf(e.stdout, "Demo key file: %s (personal data cannot be read without it)\n", keyFile)
	}
	if noServe {
		fmt.Fprintf(e.stdout, "Start it with: linli demo --data-dir %s   (then sign in at %s)\n", c.cfg.DataDir, c.cfg.BaseURL+"/login")
		return exitOK
	}
	return serve(ctx, e, c, a, func(url string) {
		fmt.Fprintf(e.stdout, "Sign in at %s/login\n", url)
	})
}

// refuseRealData stops demo mode from taking over a real installation: its
// data was sealed with a key that is not the demo key file.
func refuseRealData(ctx context.Context, c *invocation) error {
	if c.cfg.SecretKey != "" {
		return nil
	}
	if !c.cfg.IsPostgres() {
		if _, err := os.Stat(filepath.Join(c.cfg.DataDir, store.SQLiteFile)); err != nil {
			return nil
		}
	}
	a, err := app.Open(ctx, c.cfg, app.ReadOnly)
	if err != nil {
		return nil // not migrated yet: nothing to protect
	}
	defer a.Close()
	n, err := countAll(ctx, a.DB)
	if err != nil || n.empty() {
		return err
	}
	if isDemo, err := a.IsDemo(ctx); err != nil || isDemo {
		return err
	}
	return errors.New("this data directory holds a real installation, not a demo; " +
		`use "linli serve" with its secret key, or give "linli demo" another --data-dir`)
}

// demoPlan is how much sales data a demo gets and how it is written.
type demoPlan struct {
	months int
	lines  int64 // about this many sales lines; 0: the natural rhythm
	bulk   bool
}

// seedDemo writes the demo chain into an empty database.
func seedDemo(ctx context.Context, e *env, c *invocation, a *app.App, opt demo.Options, plan demoPlan, password string) error {
	start := time.Now()
	opt.Now = a.Now()
	if plan.lines > 0 {
		opt.Rate = demo.RateForLines(opt, plan.months, plan.lines)
	}
	g := demo.New(opt)
	actor := linli.System

	var stores []*shop.Store
	for _, s := range g.Stores() {
		st, err := a.Shops.Create(ctx, actor, shop.Input{Code: s.Code, Name: s.Name, Timezone: s.Timezone, Address: s.Address, Phone: s.Phone})
		if err != nil {
			return fmt.Errorf("demo: create store %s: %w", s.Code, err)
		}
		stores = append(stores, st)
	}

	accounts := []auth.StaffInput{
		{Username: "admin", DisplayName: "店主", Role: auth.RoleOwner},
		{Username: "manager", DisplayName: "店长", Role: auth.RoleManager, StoreID: stores[0].ID},
		{Username: "cashier", DisplayName: "收银员", Role: auth.RoleCashier, StoreID: stores[0].ID},
		{Username: "marketer", DisplayName: "市场专员", Role: auth.RoleMarketer},
		{Username: "service", DisplayName: "客服专员", Role: auth.RoleService},
		{Username: "analyst", DisplayName: "数据分析师", Role: auth.RoleAnalyst},
	}
	// Password hashing is the slow part; the service bounds how many run at
	// once.
	errs := make([]error, len(accounts))
	var wg sync.WaitGroup
	for i := range accounts {
		accounts[i].Password = password
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := a.Auth.CreateStaff(ctx, actor, accounts[i]); err != nil {
				errs[i] = fmt.Errorf("demo: create account %s: %w", accounts[i].Username, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}

	total := g.Options().Members
	if plan.bulk {
		if err := seedMembersBulk(ctx, e, c, a, g); err != nil {
			return err
		}
	} else if err := seedMembers(ctx, e, c, a, g); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Demo data: %d stores, %d staff accounts, %d members in %s.\n",
		len(stores), len(accounts), total, time.Since(start).Round(time.Millisecond))
	if err := a.MarkDemo(ctx); err != nil {
		return err
	}
	if plan.months > 0 {
		seed := seedSales
		if plan.bulk {
			seed = seedSalesBulk
		}
		if err := seed(ctx, e, c, a, g, stores, plan.months); err != nil {
			return err
		}
		if !plan.bulk {
			// The analytics pages have scores to show from the first
			// sign-in, not from the first night. A bulk demo is analysed
			// on its own (linli analyze store), as its benchmark does.
			began := time.Now()
			run, err := a.Analysis.Run(ctx, a.Now(), progress(e, c.log, "scores"))
			if err != nil {
				return fmt.Errorf("demo: analyse the sales: %w", err)
			}
			fmt.Fprintf(e.stdout, "Demo analysis: %d members scored in %s.\n", run.Members, time.Since(began).Round(time.Millisecond))
		}
	}
	fmt.Fprintln(e.stdout)
	fmt.Fprintf(e.stdout, "Staff accounts — password %s (shown only now):\n", password)
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tROLE\tSTORE")
	for _, acc := range accounts {
		where := "all stores"
		for _, s := range stores {
			if s.ID == acc.StoreID {
				where = s.Code + " " + s.Name
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", acc.Username, acc.Role, where)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout)
	return nil
}

// seedMembers writes the generator's members demoBatch to a transaction.
func seedMembers(ctx context.Context, e *env, c *invocation, a *app.App, g *demo.Generator) error {
	actor := linli.System
	total := g.Options().Members
	bar := progress(e, c.log, "members")
	batch := make([]member.Input, 0, demoBatch)
	done := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := a.Members.UpsertBatch(ctx, actor, batch, "import"); err != nil {
			return fmt.Errorf("demo: write members: %w", err)
		}
		done += len(batch)
		batch = batch[:0]
		bar(done, total)
		return nil
	}
	err := g.Members(func(i int, in member.Input) error {
		in, err := a.Members.Validate(in)
		if err != nil {
			return fmt.Errorf("demo: member %d: %w", i, err)
		}
		batch = append(batch, in)
		if len(batch) == demoBatch {
			return flush()
		}
		return ctx.Err()
	})
	if err == nil {
		err = flush()
	}
	return err
}

// randomPassword makes a 12-character password without look-alike
// characters (0/O, 1/l/I), easy to type from a screen.
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	const limit = 256 - 256%len(alphabet) // rejecting above this keeps every character equally likely
	out := make([]byte, 0, 12)
	buf := make([]byte, 32)
	for len(out) < cap(out) {
		if _, err := rand.Read(buf); err != nil {
			panic("demo: no randomness: " + err.Error())
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < cap(out) {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func flagString(fs *flag.FlagSet, name string) string { return fs.Lookup(name).Value.String() }

func flagInt(fs *flag.FlagSet, name string) int {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int)
}

func flagInt64(fs *flag.FlagSet, name string) int64 {
	return fs.Lookup(name).Value.(flag.Getter).Get().(int64)
}

func flagBool(fs *flag.FlagSet, name string) bool {
	return fs.Lookup(name).Value.(flag.Getter).Get().(bool)
}
