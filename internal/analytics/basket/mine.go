package basket

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultMaxItemsets bounds the result unless Options say otherwise: a
// support threshold set too low can make the number of frequent itemsets
// explode, and an error is better than exhausting memory.
const DefaultMaxItemsets = 10_000_000

// ErrTooManyItemsets is returned when the frequent itemsets exceed
// Options.MaxItemsets.
var ErrTooManyItemsets = errors.New("too many frequent itemsets")

// Options of Mine.
type Options struct {
	// MinSupport is the least fraction of baskets holding an itemset,
	// 0 < MinSupport <= 1; see MinCount.
	MinSupport float64
	// MaxLen is the largest itemset size; 0 means no limit.
	MaxLen int
	// MaxItemsets is the most itemsets returned before failing with
	// ErrTooManyItemsets; 0 means DefaultMaxItemsets.
	MaxItemsets int
	// Workers is the number of goroutines; 0 lets the size of the input
	// decide between one and two. The result does not depend on it.
	Workers int
}

// MinCount is the least number of baskets a frequent itemset occurs in:
// the smallest count with count/baskets >= minSupport, i.e.
// ceil(minSupport × baskets). A product within 1e-9 (relative) of an
// integer is taken as that integer, so 0.01 × 88,100 is 881 even though
// the floating product is 881.0000000000001.
func MinCount(minSupport float64, baskets int) int {
	x := minSupport * float64(baskets)
	r := math.Round(x)
	if math.Abs(x-r) <= 1e-9*math.Max(1, x) {
		return max(int(r), 1)
	}
	return max(int(math.Ceil(x)), 1)
}

// node is one frequent itemset in a prefix tree over item codes: its
// items are the codes on the path from a singleton down to it.
type node struct {
	item   int32 // code of the last item
	count  int32
	parent int32 // -1 for singletons
	first  int32 // children are nodes[first:first+n], by ascending code
	n      int32
}

// Frequent are the frequent itemsets of a collection of baskets.
type Frequent struct {
	baskets  int
	minCount int
	labels   []string
	ids      []int32 // item id by code
	codes    []int32 // code by item id, -1 when infrequent
	nodes    []node  // singletons first, nodes[c] has code c; parents precede children
}

// Baskets is the number of baskets mined.
func (f *Frequent) Baskets() int { return f.baskets }

// MinCount is the count threshold used.
func (f *Frequent) MinCount() int { return f.minCount }

// Len is the number of frequent itemsets.
func (f *Frequent) Len() int { return len(f.nodes) }

// Labels are the item labels by id.
func (f *Frequent) Labels() []string { return f.labels }

// SizeCounts are the numbers of frequent itemsets by size: s[k] itemsets
// of k items (s[0] is 0).
func (f *Frequent) SizeCounts() []int {
	depth := f.depths()
	var s []int
	for _, d := range depth {
		for int(d) >= len(s) {
			s = append(s, 0)
		}
		s[d]++
	}
	return s
}

func (f *Frequent) depths() []uint8 {
	depth := make([]uint8, len(f.nodes))
	for i, nd := range f.nodes {
		if nd.parent < 0 {
			depth[i] = 1
		} else {
			depth[i] = depth[nd.parent] + 1
		}
	}
	return depth
}

// Count is the number of baskets holding all the items (ids, any order)
// when the itemset is frequent, else 0.
func (f *Frequent) Count(items []int32) int {
	codes := make([]int32, 0, len(items))
	for _, id := range items {
		if id < 0 || int(id) >= len(f.codes) || f.codes[id] < 0 {
			return 0
		}
		codes = append(codes, f.codes[id])
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	if len(codes) == 0 {
		return f.baskets
	}
	if i := f.find(codes); i >= 0 {
		return int(f.nodes[i].count)
	}
	return 0
}

// find is the node of the itemset with ascending codes, or -1.
func (f *Frequent) find(codes []int32) int32 {
	i := codes[0]
	for _, c := range codes[1:] {
		nd := f.nodes[i]
		kids := f.nodes[nd.first : nd.first+nd.n]
		k, ok := slices.BinarySearchFunc(kids, c, func(n node, c int32) int { return cmp.Compare(n.item, c) })
		if !ok {
			return -1
		}
		i = nd.first + int32(k)
	}
	return i
}

// Itemset is a set of item ids, ascending, and the number of baskets
// holding it.
type Itemset struct {
	Items []int32
	Count int
}

// Itemsets are the frequent itemsets by size, then by item ids. Their
// Items share one backing array.
func (f *Frequent) Itemsets() []Itemset {
	flat, off, depth, order := f.sortedSets()
	if order == nil {
		return nil
	}
	sets := make([]Itemset, len(order))
	for r, i := range order {
		sets[r] = Itemset{Items: flat[off[i] : off[i]+int32(depth[i]) : off[i]+int32(depth[i])], Count: int(f.nodes[i].count)}
	}
	return sets
}

// sortedSets spells out the ids of every itemset, ascending, and orders
// the itemsets as Itemsets does: the r-th itemset is node i = order[r],
// its ids flat[off[i]:off[i]+depth[i]]. order is nil when there are none.
func (f *Frequent) sortedSets() (flat, off []int32, depth []uint8, order []int32) {
	depth = f.depths()
	// Spell out each node's ids, ascending, at off[i] in flat, and group
	// the nodes by size (counting sort).
	off = make([]int32, len(f.nodes))
	var bySize []int32
	total := int32(0)
	for i, d := range depth {
		off[i] = total
		total += int32(d)
		for int(d) >= len(bySize) {
			bySize = append(bySize, 0)
		}
		bySize[d]++
	}
	flat = make([]int32, total)
	for i := range f.nodes {
		items := flat[off[i] : off[i]+int32(depth[i])]
		for j, k := len(items)-1, int32(i); j >= 0; j-- {
			items[j] = f.ids[f.nodes[k].item]
			k = f.nodes[k].parent
		}
		slices.Sort(items)
	}
	start := make([]int32, len(bySize)+1)
	for d, n := range bySize {
		start[d+1] = start[d] + n
	}
	order = make([]int32, len(f.nodes))
	next := slices.Clone(start)
	for i, d := range depth {
		order[next[d]] = int32(i)
		next[d]++
	}
	// Sort within each size by a key of the first four ids, 16 bits each
	// when they fit, then by the ids.
	if len(f.nodes) == 0 {
		return nil, nil, nil, nil
	}
	keys := make([]setKey, 0, slices.Max(bySize))
	for d := range bySize {
		group := order[start[d]:start[d+1]]
		keys = keys[:0]
		for _, i := range group {
			var key uint64
			if len(f.labels) <= 1<<16 {
				for j, id := range flat[off[i] : off[i]+int32(min(d, 4))] {
					key |= uint64(id) << (48 - 16*j)
				}
			}
			keys = append(keys, setKey{key, i})
		}
		slices.SortFunc(keys, func(x, y setKey) int {
			if x.key != y.key {
				return cmp.Compare(x.key, y.key)
			}
			return slices.Compare(flat[off[x.i]:off[x.i]+int32(d)], flat[off[y.i]:off[y.i]+int32(d)])
		})
		for j, k := range keys {
			group[j] = k.i
		}
	}
	return flat, off, depth, order
}

// setKey orders itemsets of one size; see Itemsets.
type setKey struct {
	key uint64
	i   int32
}

// Mine finds every itemset held by at least MinCount(opt.MinSupport,
// b.Len()) baskets.
func Mine(b *Baskets, opt Options) (*Frequent, error) {
	if !(opt.MinSupport > 0 && opt.MinSupport <= 1) {
		return nil, fmt.Errorf("basket: minimum support %v is not in (0, 1]", opt.MinSupport)
	}
	if opt.MaxLen < 0 {
		return nil, fmt.Errorf("basket: negative maximum length %d", opt.MaxLen)
	}
	n := b.Len()
	f := &Frequent{baskets: n, minCount: MinCount(opt.MinSupport, n), labels: b.labels}
	maxLen := opt.MaxLen
	if maxLen == 0 {
		maxLen = math.MaxInt
	}
	limit := opt.MaxItemsets
	if limit <= 0 {
		limit = DefaultMaxItemsets
	}

	// Code the frequent items by ascending count: a projection then holds
	// the items more frequent than its prefix, which keeps the projections
	// of frequent items short and those of rare items small in number.
	count := make([]int32, b.NumItems())
	for _, id := range b.items16 {
		count[id]++
	}
	for _, id := range b.items32 {
		count[id]++
	}
	minCount := int32(f.minCount)
	for id, c := range count {
		if c >= minCount {
			f.ids = append(f.ids, int32(id))
		}
	}
	slices.SortFunc(f.ids, func(x, y int32) int {
		if c := cmp.Compare(count[x], count[y]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	f.codes = make([]int32, b.NumItems())
	for i := range f.codes {
		f.codes[i] = -1
	}
	for c, id := range f.ids {
		f.codes[id] = int32(c)
	}
	nf := len(f.ids)
	if nf > limit {
		return nil, fmt.Errorf("basket: %w: more than %d", ErrTooManyItemsets, limit)
	}
	f.nodes = make([]node, nf)
	for c, id := range f.ids {
		f.nodes[c] = node{item: int32(c), count: count[id], parent: -1}
	}
	if nf == 0 || maxLen == 1 {
		return f, nil
	}

	cfg := config{nf: nf, minCount: minCount, maxLen: maxLen, limit: int64(limit), workers: opt.Workers}
	var err error
	if nf < math.MaxUint16 {
		f.nodes, err = mineCoded[uint16](b, f.codes, f.nodes, cfg)
	} else {
		f.nodes, err = mineCoded[int32](b, f.codes, f.nodes, cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("basket: %w: more than %d; raise the minimum support", err, limit)
	}
	return f, nil
}
