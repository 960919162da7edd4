//go:build ignore

// gen derives cj_lines.csv.gz from The Complete Journey 2.0 sample.
//
//	go run gen.go /work/shared/data/completejourney
//
// It joins transactions_sample.csv.gz with products.csv.gz on product_id and
// writes one row per transaction line (household_id, basket_id, timestamp,
// category, brand, quantity, sales_value), sorted by (timestamp, basket,
// category, sales). Timestamps stay as written by the R package: local time
// in America/New_York. A product missing from products.csv.gz, or with no
// product_category, gets category "UNKNOWN".
package main

import (
	"compress/gzip"
	"encoding/csv"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

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
	log.Fatalf("no column %s", name)
	return -1
}

func main() {
	dir := os.Args[1]
	prods := readGz(filepath.Join(dir, "products.csv.gz"))
	pid, pcat, pbrand := col(prods[0], "product_id"), col(prods[0], "product_category"), col(prods[0], "brand")
	type product struct{ cat, brand string }
	byID := map[string]product{}
	for _, r := range prods[1:] {
		c := r[pcat]
		if c == "" {
			c = "UNKNOWN"
		}
		byID[r[pid]] = product{c, r[pbrand]}
	}
	tx := readGz(filepath.Join(dir, "transactions_sample.csv.gz"))
	h := tx[0]
	hh, bk, pr, qty, sv, ts := col(h, "household_id"), col(h, "basket_id"), col(h, "product_id"),
		col(h, "quantity"), col(h, "sales_value"), col(h, "transaction_timestamp")
	type line struct {
		rec   []string
		sales float64
	}
	var lines []line
	for _, r := range tx[1:] {
		p, ok := byID[r[pr]]
		if !ok {
			p = product{"UNKNOWN", ""}
		}
		s, err := strconv.ParseFloat(r[sv], 64)
		if err != nil {
			log.Fatal(err)
		}
		lines = append(lines, line{[]string{r[hh], r[bk], r[ts], p.cat, p.brand, r[qty], r[sv]}, s})
	}
	sort.SliceStable(lines, func(i, j int) bool {
		a, b := lines[i].rec, lines[j].rec
		if a[2] != b[2] {
			return a[2] < b[2]
		}
		if a[1] != b[1] {
			return a[1] < b[1]
		}
		if a[3] != b[3] {
			return a[3] < b[3]
		}
		return lines[i].sales < lines[j].sales
	})
	out, err := os.Create("cj_lines.csv.gz")
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestCompression)
	w := csv.NewWriter(zw)
	w.Write([]string{"household_id", "basket_id", "timestamp", "category", "brand", "quantity", "sales_value"})
	for _, l := range lines {
		w.Write(l.rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
