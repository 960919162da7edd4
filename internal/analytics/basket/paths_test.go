package basket

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// withPaths runs f with the given path limits.
func withPaths(masks, bits int, f func()) {
	saved := paths
	defer func() { paths = saved }()
	paths.masks, paths.bits = masks, bits
	f()
}

// itemsetText renders all itemsets with their counts.
func itemsetText(f *Frequent) string {
	var sb strings.Builder
	for _, s := range f.Itemsets() {
		fmt.Fprintln(&sb, s.Items, s.Count)
	}
	return sb.String()
}

// TestPaths mines with each way of counting forced and compares the
// results: the general path (occurrence delivery on rests), 64-bit sets
// and dense subset tables.
func TestPaths(t *testing.T) {
	cases := []struct {
		path    string
		support float64
	}{
		{groceriesPath, 0.001},
		{retailPath, 0.002},
	}
	for _, c := range cases {
		b := testBaskets(t, c.path)
		want := ""
		for i, p := range []struct{ masks, bits int }{{16, 64}, {0, 0}, {0, 64}, {16, 0}, {4, 8}} {
			var got string
			withPaths(p.masks, p.bits, func() {
				f, err := Mine(b, Options{MinSupport: c.support, Workers: 1 + i%2})
				if err != nil {
					t.Fatal(err)
				}
				got = itemsetText(f)
			})
			if want == "" {
				want = got
			} else if got != want {
				t.Errorf("%s at %v: paths %+v differ from the default", c.path, c.support, p)
			}
		}
	}
}

// naive counts every subset of every basket: the reference for small
// random data.
func naive(baskets [][]int32, minCount, maxLen int) map[string]int {
	counts := map[string]int{}
	for _, bk := range baskets {
		s := slices.Clone(bk)
		slices.Sort(s)
		for m := 1; m < 1<<len(s); m++ {
			var set []int32
			for i := range s {
				if m&(1<<i) != 0 {
					set = append(set, s[i])
				}
			}
			if maxLen > 0 && len(set) > maxLen {
				continue
			}
			counts[fmt.Sprint(set)]++
		}
	}
	for k, n := range counts {
		if n < minCount {
			delete(counts, k)
		}
	}
	return counts
}

func TestRandomAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 60 {
		nitems := 3 + rng.IntN(80)
		nbaskets := 1 + rng.IntN(300)
		bld := NewBuilder(ReadOptions{})
		var baskets [][]int32
		for range nbaskets {
			size := 1 + rng.IntN(min(nitems, 10))
			var labels []string
			seen := map[int]bool{}
			var ids []int32
			for range size {
				// Skewed item popularity, like shop baskets.
				x := int(float64(nitems) * rng.Float64() * rng.Float64())
				labels = append(labels, fmt.Sprintf("item%03d", x))
				if !seen[x] {
					seen[x] = true
					ids = append(ids, int32(x))
				}
			}
			if err := bld.Add(labels); err != nil {
				t.Fatal(err)
			}
			baskets = append(baskets, ids)
		}
		b, err := bld.Baskets()
		if err != nil {
			t.Fatal(err)
		}
		// Item x has label item%03d, so ids follow x among the items used.
		used := map[int32]bool{}
		for _, bk := range baskets {
			for _, x := range bk {
				used[x] = true
			}
		}
		var xs []int32
		for x := range used {
			xs = append(xs, x)
		}
		slices.Sort(xs)
		support := []float64{0.01, 0.03, 0.1, 0.3}[trial%4]
		maxLen := []int{0, 2, 0, 3}[trial/4%4]
		want := naive(baskets, MinCount(support, len(baskets)), maxLen)
		for _, p := range []struct{ masks, bits int }{{16, 64}, {0, 0}, {0, 64}, {3, 5}} {
			withPaths(p.masks, p.bits, func() {
				f, err := Mine(b, Options{MinSupport: support, MaxLen: maxLen, Workers: 1 + trial%2})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, s := range f.Itemsets() {
					var set []int32
					for _, id := range s.Items {
						set = append(set, xs[id])
					}
					got[fmt.Sprint(set)] = s.Count
				}
				if len(got) != len(want) {
					t.Fatalf("trial %d paths %+v: %d itemsets, want %d", trial, p, len(got), len(want))
				}
				for k, n := range want {
					if got[k] != n {
						t.Fatalf("trial %d paths %+v: %s count %d, want %d", trial, p, k, got[k], n)
					}
				}
			})
		}
	}
}
