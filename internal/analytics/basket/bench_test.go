package basket

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// retailFile finds the FIMI retail file: testdata first, then the shared
// data directory.
func retailFile(b *testing.B) string {
	for _, p := range []string{retailPath, "/work/shared/data/retail-fimi/retail.dat.gz"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	b.Skip("retail.dat.gz not found")
	return ""
}

// plainText is the content of a file, decompressed when it is gzip.
func plainText(b *testing.B, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			b.Fatal(err)
		}
	}
	return data
}

// loop runs f b.N times and reports the processor time per run besides
// the wall time, which on a shared machine varies more.
func loop(b *testing.B, f func()) {
	b.ReportAllocs()
	c := cpuTime()
	for b.Loop() {
		f()
	}
	b.ReportMetric(float64(cpuTime()-c)/float64(b.N), "cpu-ns/op")
}

// BenchmarkGroceries reads the Groceries text, mines it at support 0.001
// and makes the rules at confidence 0.5.
func BenchmarkGroceries(b *testing.B) {
	data := plainText(b, groceriesPath)
	loop(b, func() {
		bs, err := Read(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		f, err := Mine(bs, Options{MinSupport: 0.001})
		if err != nil {
			b.Fatal(err)
		}
		rules, err := f.Rules(RuleOptions{MinConfidence: 0.5})
		if err != nil || len(rules) != 5668 {
			b.Fatal(len(rules), err)
		}
	})
}

func BenchmarkGroceriesRead(b *testing.B) {
	data := plainText(b, groceriesPath)
	loop(b, func() {
		if _, err := Read(bytes.NewReader(data), ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkGroceriesMine(b *testing.B) {
	bs := testBaskets(b, groceriesPath)
	loop(b, func() {
		if _, err := Mine(bs, Options{MinSupport: 0.001}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkGroceriesRules(b *testing.B) {
	f, err := Mine(testBaskets(b, groceriesPath), Options{MinSupport: 0.001})
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if _, err := f.Rules(RuleOptions{MinConfidence: 0.5}); err != nil {
			b.Fatal(err)
		}
	})
}

func benchRetail(b *testing.B, support float64, want int) {
	data := plainText(b, retailFile(b))
	loop(b, func() {
		bs, err := Read(bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		f, err := Mine(bs, Options{MinSupport: support})
		if err != nil || f.Len() != want {
			b.Fatal(f.Len(), err)
		}
	})
}

// BenchmarkFIMI005 reads the plain text of retail.dat and mines it at
// support 0.05 %.
func BenchmarkFIMI005(b *testing.B) { benchRetail(b, 0.0005, 19242) }

// BenchmarkFIMI01 reads the plain text of retail.dat and mines it at
// support 0.1 %.
func BenchmarkFIMI01(b *testing.B) { benchRetail(b, 0.001, 7589) }

// BenchmarkFIMIRead reads the plain text of retail.dat.
func BenchmarkFIMIRead(b *testing.B) {
	data := plainText(b, retailFile(b))
	loop(b, func() {
		if _, err := Read(bytes.NewReader(data), ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFIMIReadGzip reads retail.dat.gz, decompressing it.
func BenchmarkFIMIReadGzip(b *testing.B) {
	data, err := os.ReadFile(retailFile(b))
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if _, err := Read(bytes.NewReader(data), ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkFIMIMine005 mines retail.dat at 0.05 % with one and with two
// goroutines.
func BenchmarkFIMIMine005(b *testing.B) {
	bs := testBaskets(b, retailFile(b))
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"parallel", 2}} {
		b.Run(w.name, func(b *testing.B) {
			loop(b, func() {
				if _, err := Mine(bs, Options{MinSupport: 0.0005, Workers: w.workers}); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkGroceriesItemsetsCSV lists and writes the itemsets at support
// 0.001.
func BenchmarkGroceriesItemsetsCSV(b *testing.B) {
	bs := testBaskets(b, groceriesPath)
	f, err := Mine(bs, Options{MinSupport: 0.001})
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if err := WriteItemsetsCSV(io.Discard, f.Itemsets(), bs.Labels(), bs.Len()); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkGroceriesRulesCSV writes the rules at support 0.001 and
// confidence 0.5.
func BenchmarkGroceriesRulesCSV(b *testing.B) {
	bs := testBaskets(b, groceriesPath)
	f, err := Mine(bs, Options{MinSupport: 0.001})
	if err != nil {
		b.Fatal(err)
	}
	rules, err := f.Rules(RuleOptions{MinConfidence: 0.5})
	if err != nil {
		b.Fatal(err)
	}
	loop(b, func() {
		if err := WriteRulesCSV(io.Discard, rules, bs.Labels()); err != nil {
			b.Fatal(err)
		}
	})
}
