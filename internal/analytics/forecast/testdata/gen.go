//go:build ignore

// gen derives cj_daily_category_sales.csv.gz from The Complete Journey 2.0 sample.
//
//	go run gen.go /work/shared/data/completejourney
//
// It joins transactions_sample.csv.gz with products.csv.gz on product_id, takes the
// calendar date of transaction_timestamp (as stored, America/New_York), and sums
// sales_value and counts lines per (date, department, product_category). Sums are
// rounded to cents. Products missing from products.csv.gz are put under "UNKNOWN".
// Days or categories without a sampled line are absent (read them as zero).
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
)

type key struct{ date, department, category string }

type agg struct {
	lines int
	cents int64
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
	pr, sv, ts := col(h, "product_id"), col(h, "sales_value"), col(h, "transaction_timestamp")
	sums := map[key]*agg{}
	for _, r := range tx[1:] {
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
		k := key{r[ts][:10], d, c}
		a := sums[k]
		if a == nil {
			a = &agg{}
			sums[k] = a
		}
		a.lines++
		a.cents += int64(math.Round(s * 100))
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
	out, err := os.Create("cj_daily_category_sales.csv.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	must(err)
	w := csv.NewWriter(zw)
	must(w.Write([]string{"date", "department", "product_category", "lines", "sales_value"}))
	for _, k := range keys {
		a := sums[k]
		must(w.Write([]string{k.date, k.department, k.category, strconv.Itoa(a.lines),
			fmt.Sprintf("%d.%02d", a.cents/100, a.cents%100)}))
	}
	w.Flush()
	must(w.Error())
	must(zw.Close())
	must(out.Close())
	fmt.Fprintf(os.Stderr, "%d rows\n", len(keys))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
