//go:build ignore

// gen derives the Complete Journey test files of the analytics packages
// from The Complete Journey 2.0 sample, all from one join of
// transactions_sample.csv.gz with products.csv.gz on product_id:
//
//	go run gen.go /work/shared/data/completejourney
//
// run in this directory. It writes
//
//   - cj_lines.csv.gz here: one row per transaction line (household_id,
//     basket_id, timestamp, category, brand, quantity, sales_value), sorted by
//     (timestamp, basket, category, sales); timestamps stay as written by the
//     R package, local time in America/New_York;
//   - ../propensity/testdata/cj_lines.csv.gz: one row per line (household_id,
//     basket_id, day of the year, week, department, product_category,
//     sales_value), sorted by (household, day, basket, category, sales);
//   - ../forecast/testdata/cj_daily_category_sales.csv.gz: per calendar date,
//     department and category, the lines and their sales summed to cents.
//
// A product missing from products.csv.gz, or without a department or a
// category, gets "UNKNOWN" there (and no brand).
package main

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// line is one transaction line joined with its product.
type line struct {
	household, basket, timestamp, quantity, sales string
	department, category, brand                   string
	week                                          int
	value                                         float64
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run gen.go DIR")
	}
	lines := join(os.Args[1])
	writeLines(lines)
	writePropensity(lines)
	writeDaily(lines)
}

func join(dir string) []line {
	prods := readGz(filepath.Join(dir, "products.csv.gz"))
	pid, pdep, pcat, pbrand := col(prods[0], "product_id"), col(prods[0], "department"),
		col(prods[0], "product_category"), col(prods[0], "brand")
	type product struct{ department, category, brand string }
	byID := map[string]product{}
	for _, r := range prods[1:] {
		byID[r[pid]] = product{or(r[pdep]), or(r[pcat]), r[pbrand]}
	}
	tx := readGz(filepath.Join(dir, "transactions_sample.csv.gz"))
	h := tx[0]
	hh, bk, pr, qty, sv, wk, ts := col(h, "household_id"), col(h, "basket_id"), col(h, "product_id"),
		col(h, "quantity"), col(h, "sales_value"), col(h, "week"), col(h, "transaction_timestamp")
	lines := make([]line, 0, len(tx)-1)
	for _, r := range tx[1:] {
		p, ok := byID[r[pr]]
		if !ok {
			p = product{"UNKNOWN", "UNKNOWN", ""}
		}
		v, err := strconv.ParseFloat(r[sv], 64)
		must(err)
		w, err := strconv.Atoi(r[wk])
		must(err)
		lines = append(lines, line{household: r[hh], basket: r[bk], timestamp: r[ts], quantity: r[qty], sales: r[sv],
			department: p.department, category: p.category, brand: p.brand, week: w, value: v})
	}
	return lines
}

func or(s string) string {
	if s == "" {
		return "UNKNOWN"
	}
	return s
}

func writeLines(in []line) {
	lines := append([]line(nil), in...)
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if a.timestamp != b.timestamp {
			return a.timestamp < b.timestamp
		}
		if a.basket != b.basket {
			return a.basket < b.basket
		}
		if a.category != b.category {
			return a.category < b.category
		}
		return a.value < b.value
	})
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l.household, l.basket, l.timestamp, l.category, l.brand, l.quantity, l.sales}
	}
	writeGz("cj_lines.csv.gz", []string{"household_id", "basket_id", "timestamp", "category", "brand", "quantity", "sales_value"}, rows)
}

func writePropensity(in []line) {
	type row struct {
		line
		day int
	}
	lines := make([]row, len(in))
	for i, l := range in {
		t, err := time.Parse("2006-01-02 15:04:05", l.timestamp)
		must(err)
		lines[i] = row{l, t.YearDay()}
	}
	sort.Slice(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		if a.household != b.household {
			return a.household < b.household
		}
		if a.day != b.day {
			return a.day < b.day
		}
		if a.basket != b.basket {
			return a.basket < b.basket
		}
		if a.category != b.category {
			return a.category < b.category
		}
		return a.value < b.value
	})
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = []string{l.household, l.basket, strconv.Itoa(l.day), strconv.Itoa(l.week), l.department, l.category, l.sales}
	}
	writeGz("../propensity/testdata/cj_lines.csv.gz",
		[]string{"household_id", "basket_id", "day", "week", "department", "product_category", "sales_value"}, rows)
}

func writeDaily(lines []line) {
	type key struct{ date, department, category string }
	type agg struct {
		lines int
		cents int64
	}
	sums := map[key]*agg{}
	for _, l := range lines {
		k := key{l.timestamp[:10], l.department, l.category}
		a := sums[k]
		if a == nil {
			a = &agg{}
			sums[k] = a
		}
		a.lines++
		a.cents += int64(math.Round(l.value * 100))
	}
	keys := make([]key, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.date != b.date {
			return a.date < b.date
		}
		if a.department != b.department {
			return a.department < b.department
		}
		return a.category < b.category
	})
	rows := make([][]string, len(keys))
	for i, k := range keys {
		a := sums[k]
		rows[i] = []string{k.date, k.department, k.category, strconv.Itoa(a.lines), fmt.Sprintf("%d.%02d", a.cents/100, a.cents%100)}
	}
	writeGz("../forecast/testdata/cj_daily_category_sales.csv.gz",
		[]string{"date", "department", "product_category", "lines", "sales_value"}, rows)
}

func readGz(path string) [][]string {
	f, err := os.Open(path)
	must(err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	must(err)
	rows, err := csv.NewReader(zr).ReadAll()
	must(err)
	return rows
}

func writeGz(path string, header []string, rows [][]string) {
	out, err := os.Create(path)
	must(err)
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	must(err)
	w := csv.NewWriter(zw)
	must(w.Write(header))
	must(w.WriteAll(rows))
	must(zw.Close())
	must(out.Close())
	fmt.Fprintf(os.Stderr, "%s: %d rows\n", path, len(rows))
}

func col(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	log.Fatalf("column %q missing", name)
	return -1
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
