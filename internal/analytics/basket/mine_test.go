package basket

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

var (
	readOnce  sync.Map // path -> *Baskets
	readMutex sync.Mutex
)

// testBaskets reads a file once per test binary.
func testBaskets(tb testing.TB, path string) *Baskets {
	tb.Helper()
	readMutex.Lock()
	defer readMutex.Unlock()
	if b, ok := readOnce.Load(path); ok {
		return b.(*Baskets)
	}
	b, err := ReadFile(path, ReadOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	readOnce.Store(path, b)
	return b
}

const (
	groceriesPath = "testdata/groceries.csv"
	retailPath    = "testdata/retail.dat.gz"
)

func TestGroceriesItemsets(t *testing.T) {
	b := testBaskets(t, groceriesPath)
	for _, workers := range []int{1, 2, 3} {
		f, err := Mine(b, Options{MinSupport: 0.001, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if f.MinCount() != 10 {
			t.Errorf("min count %d, want 10", f.MinCount())
		}
		if f.Len() != 13492 {
			t.Errorf("workers %d: %d itemsets, want 13492", workers, f.Len())
		}
		want := []int{0, 157, 2981, 6831, 3137, 376, 10}
		if got := f.SizeCounts(); !slices.Equal(got, want) {
			t.Errorf("workers %d: sizes %v, want %v", workers, got, want)
		}
	}
}

func TestRetailItemsets(t *testing.T) {
	b := testBaskets(t, retailPath)
	if b.Len() != 88162 || b.NumItems() != 16470 || b.Occurrences() != 908576 {
		t.Fatalf("read %d baskets, %d items, %d occurrences; want 88162, 16470, 908576",
			b.Len(), b.NumItems(), b.Occurrences())
	}
	tests := []struct {
		support float64
		count   int
		total   int
		sizes   []int
	}{
		{0.05, 4409, 16, []int{0, 6, 7, 3}},
		{0.02, 1764, 55, []int{0, 20, 22, 12, 1}},
		{0.01, 882, 159, []int{0, 70, 58, 25, 6}},
		{0.005, 441, 580, []int{0, 221, 237, 102, 19, 1}},
		{0.002, 177, 2691, []int{0, 956, 1133, 504, 91, 7}},
		{0.001, 89, 7589, []int{0, 2117, 3260, 1794, 382, 36}},
		{0.0005, 45, 19242, []int{0, 3926, 8198, 5411, 1534, 170, 3}}, // sizes not published
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.support), func(t *testing.T) {
			f, err := Mine(b, Options{MinSupport: tt.support})
			if err != nil {
				t.Fatal(err)
			}
			if f.MinCount() != tt.count || f.Len() != tt.total {
				t.Errorf("min count %d, %d itemsets; want %d, %d", f.MinCount(), f.Len(), tt.count, tt.total)
			}
			if tt.sizes != nil && !slices.Equal(f.SizeCounts(), tt.sizes) {
				t.Errorf("sizes %v, want %v", f.SizeCounts(), tt.sizes)
			}
		})
	}
}

// TestManyItems crosses the 16-bit limits of item ids and codes: 70,000
// items in a ring, basket j holding items j and j+1 and the item z.
func TestManyItems(t *testing.T) {
	const n = 70000
	bld := NewBuilder(ReadOptions{})
	for j := range n {
		if err := bld.Add([]string{fmt.Sprint("i", j), fmt.Sprint("i", (j+1)%n), "z"}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := bld.Baskets()
	if err != nil {
		t.Fatal(err)
	}
	if b.NumItems() != n+1 || b.Occurrences() != 3*n {
		t.Fatalf("%d items, %d occurrences", b.NumItems(), b.Occurrences())
	}
	f, err := Mine(b, Options{MinSupport: 2.0 / n})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.SizeCounts(), []int{0, n + 1, n}; !slices.Equal(got, want) {
		t.Errorf("sizes %v, want %v", got, want)
	}
	z := int32(slices.Index(b.Labels(), "z"))
	i7 := int32(slices.Index(b.Labels(), "i7"))
	if got := f.Count([]int32{z, i7}); got != 2 {
		t.Errorf("count of {z, i7} %d, want 2", got)
	}
	rules, err := f.Rules(RuleOptions{MinConfidence: 1})
	if err != nil {
		t.Fatal(err)
	}
	// {ij} => {z} for every j, and {} => {z}.
	if len(rules) != n+1 {
		t.Errorf("%d rules, want %d", len(rules), n+1)
	}
}
