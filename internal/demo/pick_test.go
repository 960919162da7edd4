package demo

import (
	"math/rand/v2"
	"testing"
)

// TestUniformPicksAsEqualWeights checks that a uniform pool, which keeps
// no table, picks exactly what a weighted pool of equal weights picks
// from the same random stream, so demo data does not depend on which of
// the two built a pool.
func TestUniformPicksAsEqualWeights(t *testing.T) {
	for _, ss := range [][]string{{"a"}, {"a", "b"}, {"a", "b", "c"}, districts.items, maleNames[1].double.items} {
		its := make([]item, len(ss))
		for i, s := range ss {
			its[i] = item{s, 1}
		}
		u, w := uniform(ss...), newList(its)
		ru, rw := rand.New(rand.NewPCG(7, 9)), rand.New(rand.NewPCG(7, 9))
		for i := range 10000 {
			if a, b := u.pick(ru), w.pick(rw); a != b {
				t.Fatalf("%d items, pick %d: uniform %q, weighted %q", len(ss), i, a, b)
			}
		}
	}
}
