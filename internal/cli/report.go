package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
)

var reportCmd = &command{
	name:    "report",
	args:    "liability",
	summary: "Print a report: liability (points outstanding per store and expiry month).",
	help: `liability: the points members hold that have not expired, by the store where
they were earned ("chain" for adjustments, which belong to no store) and by the
last month they are valid (YYYY-MM in the store's time zone, "never" for points
without expiry), with their value in yuan by the current redemption rate, and
the totals. Points past their expiry that the server's hourly job has not
taken yet are not counted.

--format table (default) prints aligned columns and a total line; csv prints
store_id,store,store_name,expiry_month,points,value_yuan (UTF-8, no total
line); json prints the report as the API answers it (values in fen). Reads
only, needs no secret key and works while a server runs on the same data.`,
	flags: func(fs *flag.FlagSet) {
		fs.String("format", "table", "output `format`: table, csv or json")
	},
	run: runReport,
}

func runReport(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) != 1 {
		return usageError(e, c, "name one report: liability")
	}
	if c.args[0] != "liability" {
		return usageError(e, c, "unknown report %q (reports: liability)", c.args[0])
	}
	format := c.fs.Lookup("format").Value.String()
	if format != "table" && format != "csv" && format != "json" {
		return usageError(e, c, "unknown format %q (table, csv or json)", format)
	}
	a, err := app.Open(ctx, c.cfg, app.ReadOnly)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	// Read-only mode builds no services (they need the key); the ledger
	// needs none.
	rep, err := sales.New(store.NewSales(a.DB), a.Now).LiabilityReport(ctx, a.Now())
	if err != nil {
		return fail(e, c, err)
	}
	switch format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case "csv":
		err = liabilityCSV(e.stdout, rep)
	default:
		err = liabilityTable(e.stdout, rep)
	}
	if err != nil {
		return fail(e, c, err)
	}
	return exitOK
}

func liabilityTable(w io.Writer, rep *sales.LiabilityReport) error {
	rows := [][]string{{"store", "name", "month", "points", "value (yuan)"}}
	for _, r := range rep.Rows {
		rows = append(rows, []string{r.Store, r.StoreName, r.Month, strconv.FormatInt(r.Points, 10), yuan(r.ValueFen)})
	}
	rows = append(rows, []string{"total", "", "", strconv.FormatInt(rep.TotalPoints, 10), yuan(rep.TotalValueFen)})
	if err := printTable(w, rows, 3); err != nil {
		return err
	}
	at := rep.At
	if loc, err := time.LoadLocation(sales.DefaultZone); err == nil {
		at = at.In(loc) // the zone the chain's months are in
	}
	_, err := fmt.Fprintf(w, "as of %s; 1 point = %s yuan\n", at.Format("2006-01-02 15:04:05 -07:00"), yuan(rep.RedeemFenPerPoint))
	return err
}

// printTable aligns rows in columns two spaces apart, text to the left and
// the columns from numeric on to the right. Widths count Chinese characters
// as two, as terminals show them (text/tabwriter counts them as one).
func printTable(w io.Writer, rows [][]string, numeric int) error {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := ""
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if i > 0 {
				line += "  "
			}
			if i >= numeric {
				line += pad + c
			} else {
				line += c + pad
			}
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x2E80 && r <= 0xFFEF { // CJK, kana, hangul, full-width forms
			n++
		}
	}
	return n
}

func liabilityCSV(w io.Writer, rep *sales.LiabilityReport) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"store_id", "store", "store_name", "expiry_month", "points", "value_yuan"})
	for _, r := range rep.Rows {
		cw.Write([]string{strconv.FormatInt(r.StoreID, 10), r.Store, r.StoreName, r.Month,
			strconv.FormatInt(r.Points, 10), yuan(r.ValueFen)})
	}
	cw.Flush()
	return cw.Error()
}

// yuan writes fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
