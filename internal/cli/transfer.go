package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/importer"
)

// importKinds are the kinds of data "linli import" reads.
var importKinds = map[string]func(ctx context.Context, e *env, c *invocation, file string) int{
	"members":  importMembers,
	"products": importProducts,
	"sales":    importSalesHistory,
}

// exportKinds are the kinds of data "linli export" writes.
var exportKinds = map[string]func(ctx context.Context, e *env, c *invocation, file string) int{
	"members": exportMembers,
}

func kindNames(m map[string]func(context.Context, *env, *invocation, string) int) string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var importCmd = &command{
	name:    "import",
	args:    "KIND FILE",
	summary: "Import members, products or sales history from a CSV or XLSX file.",
	help: `KIND is "members", "products" or "sales". The file is CSV (UTF-8 or GB18030, comma, semicolon or tab)
or XLSX; columns are recognised by their titles (姓名, 手机号, 生日 …) unless
--map names them. Every row is checked first; then rows are written by phone
number in batches, each batch one transaction: a new phone registers a member,
a known phone updates the fields the row gives. An interrupted import can be
run again and ends in the same state, without duplicates. Rows with problems
are skipped and listed in the error report (default FILE.errors.csv); the
exit status is 0 when the file was processed, even with row errors, and 1
when it could not be. A registration time column (注册时间, 注册日期,
入会日期, 开卡日期 …, read in Asia/Shanghai time) keeps when members joined
the earlier system; without one they are registered now.

Products are written by code (商品编码, 编码 or 条码), with name (商品名称,
品名), category (分类), brand (品牌), unit (单位: 件/个/包 … are counted,
斤/公斤/千克/kg/克/g weighed) and price in yuan (价格, 售价, 单价: 12.50 or
¥12.5, at most two decimals). A weighed product's price is kept per
kilogram: a price per 斤 is doubled, one per gram multiplied by 1000.
Product fields for --map: ` + strings.Join(importer.ProductFields, ", ") + `.

Sales history (another system's export) needs --store; each row is a line,
rows with the same receipt make one sale (no receipt column: one sale per
row). Prices and amounts are decimals (yuan or dollars) stored in fen; times
are read in the store's zone (2024-03-01 14:30:00, 2024/3/1 14:30, 20240301,
RFC 3339, spreadsheet dates). A negative quantity or amount, or a
cancellation mark (cancel=…: Y/1/是/取消), refunds that product's line of
the receipt. An empty member is an anonymous sale; a member cell is a phone
or card number, and --create-members registers a placeholder member with
card number "H-<id>" (no personal data) for ids not found. Unknown products
are added to the catalogue. Sales are keyed by store, terminal "import" and
receipt, so importing the same file again changes nothing. By default the
history earns no points; --points replays it in time order through the live
till path, earning and reversing points as if it had happened then (slower).
Sales fields for --map: ` + strings.Join(importer.SalesFields, ", ") + `.`,
	flags: func(fs *flag.FlagSet) {
		fs.String("map", "", "columns by field, e.g. name=姓名,phone=手机,birthday=出生日期; fields: "+strings.Join(importer.Fields, ", "))
		fs.String("errors", "", "where to write the row error report (default FILE.errors.csv)")
		fs.Int64("store", 0, "store id new members are registered to")
		fs.Int("batch", 5000, "rows per transaction (at most 5000); smaller batches hold the write lock for less time while tills are selling")
		fs.Bool("dry-run", false, "check every row, write nothing")
		fs.Bool("points", false, "sales: earn points on the history, replayed in time order (default: history only)")
		fs.Bool("create-members", false, "sales: register a placeholder member (card H-<id>) for each unknown customer id")
	},
	run: func(ctx context.Context, e *env, c *invocation) int {
		return runKind(ctx, e, c, importKinds)
	},
}

var exportCmd = &command{
	name:    "export",
	args:    "KIND FILE.csv|FILE.xlsx",
	summary: "Export members to CSV or XLSX.",
	help: `KIND is "members". The format follows the file's extension. Names, phones,
birthdays and addresses are masked (138****1234) unless --unmask is given;
every unmasked member is recorded in the audit log. An unmasked export can be
imported back unchanged. Column titles follow --lang.`,
	flags: func(fs *flag.FlagSet) {
		fs.Bool("unmask", false, "write personal fields in clear (audited)")
		fs.Int64("store", 0, "only members of this store id")
		fs.String("status", "", "active (default), inactive, merged, erased or all")
	},
	run: func(ctx context.Context, e *env, c *invocation) int {
		return runKind(ctx, e, c, exportKinds)
	},
}

func runKind(ctx context.Context, e *env, c *invocation, kinds map[string]func(context.Context, *env, *invocation, string) int) int {
	if len(c.args) == 0 {
		return usageError(e, c, "want KIND FILE; kinds: %s", kindNames(kinds))
	}
	run, ok := kinds[c.args[0]]
	if !ok {
		return usageError(e, c, "unknown kind %q; kinds: %s", c.args[0], kindNames(kinds))
	}
	if len(c.args) != 2 {
		return usageError(e, c, "want one file after %q", c.args[0])
	}
	return run(ctx, e, c, c.args[1])
}

// importKind is what one kind of "linli import" adds to the steps every
// kind shares: reading --map, opening the file and the app, the error
// report file, the progress bar and the summary.
type importKind struct {
	label    string // names the rows on the progress bar
	parseMap func(string) (importer.Map, error)
	// store reads --store and checks the store exists; needStore makes it
	// required, checked before the file is opened.
	store, needStore bool
	// run imports r and returns its report and a summary of the counts
	// particular to the kind.
	run func(ctx context.Context, a *app.App, r importer.RowReader, opt importer.Options) (*importer.Report, string, error)
}

func importMembers(ctx context.Context, e *env, c *invocation, file string) int {
	return runImport(ctx, e, c, file, importKind{label: "members", parseMap: importer.ParseMap, store: true,
		run: func(ctx context.Context, a *app.App, r importer.RowReader, opt importer.Options) (*importer.Report, string, error) {
			rep, err := importer.Members(ctx, a.Members, linli.System, r, opt)
			return rep, rowCounts(rep), err
		}})
}

func importProducts(ctx context.Context, e *env, c *invocation, file string) int {
	return runImport(ctx, e, c, file, importKind{label: "products", parseMap: importer.ParseProductMap,
		run: func(ctx context.Context, a *app.App, r importer.RowReader, opt importer.Options) (*importer.Report, string, error) {
			rep, err := importer.Products(ctx, a.Products, linli.System, r, opt)
			return rep, rowCounts(rep), err
		}})
}

func importSalesHistory(ctx context.Context, e *env, c *invocation, file string) int {
	return runImport(ctx, e, c, file, importKind{label: "sales", parseMap: importer.ParseSalesMap, store: true, needStore: true,
		run: func(ctx context.Context, a *app.App, r importer.RowReader, opt importer.Options) (*importer.Report, string, error) {
			rep, err := importer.Sales(ctx, a.Members, a.Sales, linli.System, r, importer.SalesOptions{
				Options:       opt,
				Points:        flagBool(c.fs, "points"),
				CreateMembers: flagBool(c.fs, "create-members"),
			})
			if rep == nil {
				return nil, "", err
			}
			return &rep.Report, fmt.Sprintf("rows %d: sales %d new, %d already imported; refunds %d new, %d already recorded; "+
				"new products %d, new members %d; errors %d in %s",
				rep.Total, rep.Inserted, rep.Unchanged, rep.Refunds, rep.RefundsUnchanged, rep.NewProducts, rep.NewMembers,
				rep.Errors, rep.Duration.Round(time.Millisecond)), err
		}})
}

// rowCounts summarises a members or products import.
func rowCounts(rep *importer.Report) string {
	if rep == nil {
		return ""
	}
	return fmt.Sprintf("rows %d: inserted %d, updated %d, unchanged %d, errors %d in %s",
		rep.Total, rep.Inserted, rep.Updated, rep.Unchanged, rep.Errors, rep.Duration.Round(time.Millisecond))
}

func runImport(ctx context.Context, e *env, c *invocation, file string, k importKind) int {
	m, err := k.parseMap(flagString(c.fs, "map"))
	if err != nil {
		return usageError(e, c, "--map: %v", err)
	}
	var storeID int64
	if k.store {
		storeID = flagInt64(c.fs, "store")
	}
	if k.needStore && storeID <= 0 {
		return usageError(e, c, "--store: a sales import needs the store id it is recorded to")
	}
	r, err := importer.OpenFile(file)
	if err != nil {
		return fail(e, c, err)
	}
	defer r.Close()

	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	if storeID != 0 {
		if _, err := a.Shops.Get(ctx, storeID); err != nil {
			return fail(e, c, fmt.Errorf("--store %d: %w", storeID, err))
		}
	}

	reportPath := flagString(c.fs, "errors")
	if reportPath == "" {
		reportPath = file + ".errors.csv"
	}
	rf, err := os.Create(reportPath)
	if err != nil {
		return fail(e, c, fmt.Errorf("error report: %w", err))
	}
	rep, summary, err := k.run(ctx, a, r, importer.Options{
		Map:         m,
		BatchSize:   flagInt(c.fs, "batch"),
		Progress:    progress(e, c.log, k.label),
		ErrorReport: rf,
		StoreID:     storeID,
		Lang:        c.cfg.DefaultLang,
		DryRun:      flagBool(c.fs, "dry-run"),
	})
	if cerr := rf.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("error report: %w", cerr)
	}
	if rep == nil || rep.Errors == 0 {
		os.Remove(reportPath)
	}
	if rep != nil {
		mode := ""
		if flagBool(c.fs, "dry-run") {
			mode = " (dry run: nothing written)"
		}
		fmt.Fprintf(e.stdout, "%s%s\n", summary, mode)
		if len(rep.Ignored) > 0 {
			fmt.Fprintf(e.stdout, "columns not imported: %s\n", strings.Join(rep.Ignored, ", "))
		}
		if rep.Errors > 0 {
			fmt.Fprintf(e.stdout, "%d rows were not imported; see %s\n", rep.Errors, reportPath)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "import interrupted; the batches written so far are kept — run the same command again to finish")
		}
		return fail(e, c, err)
	}
	return exitOK
}

func exportMembers(ctx context.Context, e *env, c *invocation, file string) int {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	if format != "csv" && format != "xlsx" {
		return usageError(e, c, "the file must end in .csv or .xlsx, got %q", file)
	}
	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()

	// Write beside the target and rename, so a failed export leaves no
	// half file that looks complete.
	tmp := file + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(e, c, err)
	}
	defer os.Remove(tmp)
	start := time.Now()
	unmask := flagBool(c.fs, "unmask")
	n, err := importer.ExportMembers(ctx, a.Members, linli.System, f, format, unmask, importer.ExportOptions{
		Lang:    c.cfg.DefaultLang,
		StoreID: flagInt64(c.fs, "store"),
		Status:  flagString(c.fs, "status"),
	})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		return fail(e, c, err)
	}
	masked := "masked"
	if unmask {
		masked = "unmasked, audited"
	}
	fmt.Fprintf(e.stdout, "exported %d members to %s (%s) in %s\n", n, file, masked, time.Since(start).Round(time.Millisecond))
	return exitOK
}
