package demo

import "math/rand/v2"

// weighted picks an index with probability proportional to its weight. A
// cumulative table with a binary search keeps a pick at a few nanoseconds,
// which matters when a million members are drawn.
type weighted struct {
	cum []uint32
}

func newWeighted(ws []int) weighted {
	cum := make([]uint32, len(ws))
	var sum uint32
	for i, w := range ws {
		if w < 0 {
			panic("demo: negative weight")
		}
		sum += uint32(w)
		cum[i] = sum
	}
	if sum == 0 {
		panic("demo: all weights are zero")
	}
	return weighted{cum: cum}
}

func (w weighted) pick(r *rand.Rand) int {
	x := r.Uint32N(w.cum[len(w.cum)-1])
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w.cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// item is a value with its relative frequency.
type item struct {
	s string
	w int
}

// list is a weighted pool of strings.
type list struct {
	items []string
	w     weighted
}

func newList(its []item) list {
	l := list{items: make([]string, len(its))}
	ws := make([]int, len(its))
	for i, it := range its {
		l.items[i], ws[i] = it.s, it.w
	}
	l.w = newWeighted(ws)
	return l
}

// uniform makes a pool where every string is equally likely. It builds
// no table, which keeps the package's start-up (run by every linli
// command) short: a pick takes the index Uint32N draws, which is what a
// table of equal weights would give for the same draw.
func uniform(ss ...string) list { return list{items: ss} }

func (l list) pick(r *rand.Rand) string {
	if l.w.cum == nil {
		return l.items[r.Uint32N(uint32(len(l.items)))]
	}
	return l.items[l.w.pick(r)]
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// mix is the SplitMix64 finaliser: a cheap bijective scramble used to derive
// independent seeds and per-member decisions from (seed, index).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
