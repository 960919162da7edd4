//go:build ignore

// gen derives cj_lines.csv.gz from The Complete Journey 2.0 sample.
//
//	go run gen.go /work/shared/data/completejourney
//
// It joins transactions_sample.csv.gz with products.csv.gz on product_id and writes
// one row per transaction line, sorted by (household, day, basket, category, sales).
// Lines whose product is missing from products.csv.gz get category "UNKNOWN".
package main

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"

	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

type line struct {
	household, basket string
	day, week         int
	department, categ string
	sales             string
	salesNum          float64
}

func readGz(path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	return rows
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

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: go run gen.go DIR")
	}
	dir := os.Args[1]
	prods := readGz(filepath.Join(dir, "products.csv.gz"))
	pid, pdep, pcat := col(prods[0], "product_id"), col(prods[0], "department"), col(prods[0], "product_category")
	dep := map[string]string{}
	cat := map[string]string{}
	for _, r := range prods[1:] {
		dep[r[pid]] = r[pdep]
		cat[r[pid]] = r[pcat]
	}
	tx := readGz(filepath.Join(dir, "transactions_sample.csv.gz"))
	h := tx[0]
	hh, bk, pr, sv, wk, ts := col(h, "household_id"), col(h, "basket_id"), col(h, "product_id"),
		col(h, "sales_value"), col(h, "week"), col(h, "transaction_timestamp")
	var lines []line
	for _, r := range tx[1:] {
		t, err := time.Parse("2006-01-02 15:04:05", r[ts])
		if err != nil {
			log.Fatal(err)
		}
		w, err := strconv.Atoi(r[wk])
		if err != nil {
			log.Fatal(err)
		}
		s, err := strconv.ParseFloat(r[sv], 64)
		if err != nil {
			log.Fatal(err)
		}
		d, c := dep[r[pr]], cat[r[pr]]
		if d == "" {
			d = "UNKNOWN"
		}
		if c == "" {
			c = "UNKNOWN"
		}
		lines = append(lines, line{r[hh], r[bk], t.YearDay(), w, d, c, r[sv], s})
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
		if a.categ != b.categ {
			return a.categ < b.categ
		}
		return a.salesNum < b.salesNum
	})
	out, err := os.Create("cj_lines.csv.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	w := csv.NewWriter(zw)
	w.Write([]string{"household_id", "basket_id", "day", "week", "department", "product_category", "sales_value"})
	for _, l := range lines {
		w.Write([]string{l.household, l.basket, strconv.Itoa(l.day), strconv.Itoa(l.week), l.department, l.categ, l.sales})
	}
	w.Flush()
	must(w.Error())
	must(zw.Close())
	must(out.Close())
	fmt.Fprintf(os.Stderr, "%d lines\n", len(lines))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
