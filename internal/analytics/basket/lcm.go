package basket

import (
	mathbits "math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// code is an item code: uint16 when the frequent items fit, halving the
// memory the mining passes stream through.
type code interface{ ~uint16 | ~int32 }

// config of one mining run.
type config struct {
	nf       int   // frequent items, coded 0..nf-1 by ascending count
	minCount int32 // least count of a frequent itemset
	maxLen   int
	limit    int64 // most itemsets
	workers  int   // 0: decide by size
}

// Work sizes, in item codes: the singleton projections are copied in
// batches of at most batchBytes, and inputs whose projections are
// smaller than soloWork are mined by one goroutine, which then needs no
// second set of buffers.
const (
	batchBytes = 512 << 10
	soloWork   = 1 << 20
)

// mineCoded mines the baskets, given the code of each item id (-1 when
// infrequent) and the singleton nodes, and returns all nodes.
func mineCoded[T code](b *Baskets, codes []int32, singles []node, cfg config) ([]node, error) {
	nf := cfg.nf
	// The baskets reduced to frequent items in code order; baskets with
	// fewer than two such items cannot extend an itemset.
	var tx []T
	var txStart []int32
	if b.items32 != nil {
		tx, txStart = recode[T](b.items32, b.start, codes)
	} else {
		tx, txStart = recode[T](b.items16, b.start, codes)
	}

	// The projection of singleton c is the rest of every basket after c,
	// each rest ended by the code nf. Copying the rests together, rather
	// than pointing into tx, makes every later pass over them sequential
	// and cache resident; it is done for consecutive codes in batches of
	// bounded size, one pass over the baskets per batch.
	size := make([]int64, nf)
	rests := make([]int32, nf)
	var work int64
	for t := range len(txStart) - 1 {
		s, e := int(txStart[t]), int(txStart[t+1])
		for i := s; i < e-1; i++ {
			size[tx[i]] += int64(e - i)
			rests[tx[i]]++
			work += int64(e - i)
		}
	}
	budget := int64(batchBytes / codeSize[T]())
	type batch struct{ lo, hi int }
	var batches []batch
	for lo := 0; lo < nf; {
		hi, sum := lo, int64(0)
		for hi < nf && (hi == lo || sum+size[hi] <= budget) {
			sum += size[hi]
			hi++
		}
		batches = append(batches, batch{lo, hi})
		lo = hi
	}
	workers := cfg.workers
	if workers <= 0 {
		workers = 1
		if work >= soloWork {
			workers = 2
		}
	}
	workers = min(workers, len(batches))

	// Workers take batches in turn and the subtrees are joined in code
	// order, so the result does not depend on the number of workers or
	// their timing.
	type segment struct {
		m          *miner[T]
		start, end int // node range of the subtree in m.nodes
	}
	segs := make([]segment, nf)
	var nextBatch atomic.Int32
	var total atomic.Int64
	total.Store(int64(nf))
	miners := make([]*miner[T], workers)
	var wg sync.WaitGroup
	for w := range miners {
		m := newMiner[T](singles, cfg, &total)
		miners[w] = m
		wg.Go(func() {
			var buf []T
			pos := make([]int, nf+1)
			// cur[t] is where basket t's codes of the next batch start:
			// a worker's batches ascend, so each basket is skipped over
			// once rather than once per batch.
			cur := slices.Clone(txStart[:len(txStart)-1])
			end := txStart[1:]
			for {
				k := int(nextBatch.Add(1)) - 1
				if k >= len(batches) || m.over {
					return
				}
				lo, hi := batches[k].lo, batches[k].hi
				pos[lo] = 0
				for c := lo; c < hi; c++ {
					pos[c+1] = pos[c] + int(size[c])
				}
				if cap(buf) < pos[hi] {
					buf = make([]T, pos[hi])
				}
				buf = buf[:pos[hi]]
				for t, i := range cur {
					e := end[t]
					for i < e-1 && int(tx[i]) < lo {
						i++
					}
					for ; i < e-1; i++ {
						c := int(tx[i])
						if c >= hi {
							break
						}
						o := pos[c]
						for _, x := range tx[i+1 : e] {
							buf[o] = x
							o++
						}
						buf[o] = T(nf)
						pos[c] = o + 1
					}
					cur[t] = i
				}
				start := 0
				for c := lo; c < hi; c++ {
					end := start + int(size[c])
					first := len(m.nodes)
					if rests[c] >= cfg.minCount {
						m.top(int32(c), buf[start:end])
					}
					segs[c] = segment{m, first, len(m.nodes)}
					start = end
				}
			}
		})
	}
	wg.Wait()
	for _, m := range miners {
		if m.over {
			return nil, ErrTooManyItemsets
		}
	}
	if len(miners) == 1 {
		return miners[0].nodes, nil
	}
	all := nf
	for _, m := range miners {
		all += len(m.nodes) - nf
	}
	nodes := make([]node, nf, all)
	copy(nodes, singles)
	for c, s := range segs {
		// Move the subtree and shift its indices to the new place.
		delta := int32(len(nodes) - s.start)
		base := len(nodes)
		nodes = append(nodes, s.m.nodes[s.start:s.end]...)
		for i := base; i < len(nodes); i++ {
			nd := &nodes[i]
			if nd.parent >= int32(nf) {
				nd.parent += delta
			}
			if nd.n > 0 {
				nd.first += delta
			}
		}
		if s.end > s.start {
			nodes[c].first = s.m.nodes[c].first + delta
			nodes[c].n = s.m.nodes[c].n
		}
	}
	return nodes, nil
}

// recode reduces the baskets items[start[i]:start[i+1]] to their
// frequent items, coded and in code order, dropping those left with fewer
// than two items, which cannot extend an itemset.
func recode[T code, I uint16 | int32](items []I, start []int32, codes []int32) ([]T, []int32) {
	tx := make([]T, 0, len(items))
	txStart := make([]int32, 1, len(start))
	for i := range len(start) - 1 {
		row := tx[len(tx):]
		for _, id := range items[start[i]:start[i+1]] {
			if c := codes[id]; c >= 0 {
				row = append(row, T(c))
			}
		}
		if len(row) < 2 {
			continue
		}
		sortSmall(row)
		tx = tx[:len(tx)+len(row)]
		txStart = append(txStart, int32(len(tx)))
	}
	return tx, txStart
}

// codeSize is the size of a code in bytes.
func codeSize[T code]() int {
	if _, ok := any(T(0)).(uint16); ok {
		return 2
	}
	return 4
}

// miner mines the subtrees of singletons. For singleton c it counts the
// codes in c's rests and keeps the k codes frequent with c, its
// extensions; then, by k:
//
//   - k <= paths.masks: every rest becomes the mask of the extensions it
//     holds, masks are counted in a table of 2^k and summed over
//     supersets, and the subtree is read off the table (topMasks).
//   - k <= 64: every rest becomes a 64-bit set of extensions, equal sets
//     are merged, and the sets are mined by occurrence delivery
//     (mineBits).
//   - else: every rest is reduced to the extensions, recoded densely, and
//     equal reduced rests are merged (database reduction, as in LCM);
//     the reduced rests are mined by occurrence delivery on positions
//     (expand).
//
// Occurrence delivery (LCM, Uno et al. 2004): an itemset's projection is
// the list of its baskets' remainders; one pass counts the extensions in
// them and a second delivers each remainder to the projection of each
// frequent extension it holds, keeping what follows that extension.
type miner[T code] struct {
	minCount int32
	maxLen   int
	limit    int64
	total    *atomic.Int64
	nf       int32 // frequent items, also the end code of raw rests

	// For the singleton being mined: local code i is global code glob[i],
	// and stop = len(glob) ends a reduced rest.
	glob []int32
	stop T

	rawCnt  []int32 // per global code, zero between calls
	touched []int32
	loc     []int32 // local code by global code, -1 between calls
	cnt     []count // per local code, zero between calls
	slot    []int32 // per local code, -1 between calls
	frames  []*frame

	// Reduced rests of the current singleton and their (start, weight)
	// pairs; table is the hash table that merges them.
	rest    []T
	entries []int32
	table   []int32
	masks   []int32  // counts by extension mask (topMasks)
	bit     []uint64 // per global code, zero between calls (topBits)
	sets    []bits   // the merged sets of the current singleton (topBits)

	nodes []node // the singletons, then the subtrees found
	over  bool
}

// count is the weight and the number of entries seen for one code.
type count struct{ w, n int32 }

// frame is the scratch of one depth of the recursion.
type frame struct {
	touched, ext, begin, end, buf, items []int32
	sets                                 []bits
}

func newMiner[T code](singles []node, cfg config, total *atomic.Int64) *miner[T] {
	nf := cfg.nf
	m := &miner[T]{
		minCount: cfg.minCount, maxLen: cfg.maxLen, limit: cfg.limit, total: total, nf: int32(nf),
		rawCnt: make([]int32, nf+1), touched: make([]int32, nf+2), loc: make([]int32, nf+1),
		cnt: make([]count, nf+1), slot: make([]int32, nf+1), bit: make([]uint64, nf+1),
		nodes: slices.Clone(singles),
	}
	for i := range m.slot {
		m.slot[i] = -1
		m.loc[i] = -1
	}
	return m
}

// top mines the itemsets whose least code is c, given the rests of the
// baskets after c, each ended by nf.
func (m *miner[T]) top(c int32, raw []T) {
	// Count the codes of the rests; end codes are counted too, which
	// saves a branch per code.
	cnt, touched, nt := m.rawCnt, m.touched, 0
	for _, x := range raw {
		w := cnt[x]
		touched[nt] = int32(x)
		if w == 0 {
			nt++
		}
		cnt[x] = w + 1
	}
	glob := m.glob[:0]
	for _, x := range touched[:nt] {
		if cnt[x] >= m.minCount && x != m.nf {
			glob = append(glob, x)
		}
		cnt[x] = 0
	}
	m.glob = glob
	if len(glob) == 0 {
		return
	}
	slices.Sort(glob)
	k := int32(len(glob))
	if int(k) <= paths.masks && int(k)<<k <= 4*len(raw) {
		m.topMasks(c, raw)
		return
	}
	if int(k) <= paths.bits {
		m.topBits(c, raw)
		return
	}

	// Recode the frequent codes to 0..k-1 and merge equal reduced rests.
	loc := m.loc
	for i, x := range glob {
		loc[x] = int32(i)
	}
	loc[m.nf] = k
	nrest := 0
	for _, x := range raw {
		if int32(x) == m.nf {
			nrest++
		}
	}
	size := 1
	for size < 2*nrest {
		size *= 2
	}
	if cap(m.table) < size {
		m.table = make([]int32, size)
	}
	table := m.table[:size]
	for i := range table {
		table[i] = -1
	}
	if cap(m.rest) < len(raw) {
		m.rest = make([]T, len(raw)+len(raw)/4)
	}
	rest := m.rest[:len(raw)]
	entries := m.entries[:0]
	mask := uint32(size - 1)
	n, start, h := 0, 0, uint32(0)
	stop := T(k)
	for _, x := range raw {
		l := loc[x]
		if l < k {
			// Written always, kept only for frequent codes: no branch.
			rest[n] = T(l)
			if l >= 0 {
				n++
				h = (h ^ uint32(l)) * 0x9e3779b1
			}
			continue
		}
		if n == start {
			continue
		}
		size := n - start
		i := (h ^ h>>15) & mask
		for {
			e := table[i]
			if e < 0 {
				table[i] = int32(len(entries))
				rest[n] = stop
				n++
				entries = append(entries, int32(start), 1)
				break
			}
			if s := int(entries[e]); rest[s+size] == stop && slices.Equal(rest[s:s+size], rest[start:n]) {
				entries[e+1]++
				n = start
				break
			}
			i = (i + 1) & mask
		}
		start, h = n, 0
	}
	for _, x := range glob {
		loc[x] = -1
	}
	loc[m.nf] = -1
	m.entries = entries
	m.stop = stop
	m.expand(c, rest[:n], entries, 1)
}

// paths bounds the extensions of an itemset mined by counting subsets in
// a table of 2^k (masks) and by sets in 64 bits (bits, at most 64).
// Tests lower them to check the paths against one another.
var paths = struct{ masks, bits int }{16, 64}

// topMasks mines the subtree of singleton c when its frequent extensions
// m.glob are few: each rest becomes the mask of the extensions it holds,
// masks are counted in a table, and the count of every itemset c ∪ S is
// the sum over the masks including S (a superset-sum transform), so the
// subtree is read off the table without further passes over the rests.
func (m *miner[T]) topMasks(c int32, raw []T) {
	k := len(m.glob)
	bit := m.loc
	for i, x := range m.glob {
		bit[x] = 1 << i
	}
	if cap(m.masks) < 1<<k {
		m.masks = make([]int32, 1<<k)
	}
	sums := m.masks[:1<<k]
	clear(sums)
	stop, mask := T(m.nf), int32(0)
	for _, x := range raw {
		if x == stop {
			sums[mask]++
			mask = 0
			continue
		}
		b := bit[x]
		mask |= b &^ (b >> 31) // b when it is a bit, 0 when it is -1
	}
	for _, x := range m.glob {
		bit[x] = -1
	}
	supersetSums(sums, k)
	m.masks = sums
	m.subsets(c, m.glob, 0, 0, 1)
}

// supersetSums turns counts by exact subset of k extensions into counts
// by included subset: afterwards sums[s] is the sum over all s' ⊇ s.
func supersetSums(sums []int32, k int) {
	for i := range k {
		b := 1 << i
		for s := range sums {
			if s&b == 0 {
				sums[s] += sums[s|b]
			}
		}
	}
}

// subsets adds the children of the node parent, whose itemset (of depth
// items) is a base itemset plus the extensions in mask, all below bit
// from, and recurses into them. Bit i stands for global code items[i];
// m.masks holds the counts of the base itemset plus each subset.
func (m *miner[T]) subsets(parent int32, items []int32, mask, from, depth int) {
	fr := m.frame(depth)
	ext := fr.ext[:0]
	for i := from; i < len(items); i++ {
		if m.masks[mask|1<<i] >= m.minCount {
			ext = append(ext, int32(i))
		}
	}
	fr.ext = ext
	if len(ext) == 0 {
		return
	}
	if m.total.Add(int64(len(ext))) > m.limit {
		m.over = true
		return
	}
	first := m.reserve(len(ext))
	for _, i := range ext {
		m.nodes = append(m.nodes, node{item: items[i], count: m.masks[mask|1<<i], parent: parent})
	}
	m.nodes[parent].first, m.nodes[parent].n = first, int32(len(ext))
	if depth+2 > m.maxLen || len(ext) == 1 {
		return
	}
	for j, i := range ext {
		m.subsets(first+int32(j), items, mask|1<<i, int(i)+1, depth+1)
		if m.over {
			return
		}
	}
}

// expandMasks does the work of expand for few extensions ext, as
// topMasks does for a singleton: the projection is read once more to
// count the masks of the extensions each basket holds.
func (m *miner[T]) expandMasks(parent int32, tx []T, db []int32, depth int, ext []int32) {
	fr := m.frame(depth)
	k := len(ext)
	items := fr.items[:0]
	bit := m.slot
	for i, c := range ext {
		m.cnt[c] = count{}
		bit[c] = 1 << i
		items = append(items, m.glob[c])
	}
	fr.items = items
	if cap(m.masks) < 1<<k {
		m.masks = make([]int32, 1<<k)
	}
	sums := m.masks[:1<<k]
	clear(sums)
	stop := m.stop
	for i := 0; i < len(db); i += 2 {
		mask := int32(0)
		for q := db[i]; ; q++ {
			c := tx[q]
			if c == stop {
				break
			}
			b := bit[c]
			mask |= b &^ (b >> 31)
		}
		sums[mask] += db[i+1]
	}
	for _, c := range ext {
		bit[c] = -1
	}
	supersetSums(sums, k)
	m.masks = sums
	m.subsets(parent, items, 0, 0, depth)
}

// bits is a reduced rest of at most 64 extensions, as a bit set, with
// the number of baskets it stands for.
type bits struct {
	set uint64
	w   int32
}

// topBits mines the subtree of singleton c when its frequent extensions
// m.glob fit a 64-bit set: each rest becomes the set of the extensions
// it holds, equal sets are merged, and mineBits mines the sets.
func (m *miner[T]) topBits(c int32, raw []T) {
	bit := m.bit
	for i, x := range m.glob {
		bit[x] = 1 << i
	}
	nrest := 0
	for _, x := range raw {
		if int32(x) == m.nf {
			nrest++
		}
	}
	size := 1
	for size < 2*nrest {
		size *= 2
	}
	if cap(m.table) < size {
		m.table = make([]int32, size)
	}
	table := m.table[:size]
	for i := range table {
		table[i] = -1
	}
	mask := uint64(size - 1)
	sets := m.sets[:0]
	stop, set := T(m.nf), uint64(0)
	for _, x := range raw {
		if x != stop {
			set |= bit[x]
			continue
		}
		if set == 0 {
			continue
		}
		for i := (set * 0x9e3779b97f4a7c15 >> 32) & mask; ; i = (i + 1) & mask {
			e := table[i]
			if e < 0 {
				table[i] = int32(len(sets))
				sets = append(sets, bits{set, 1})
				break
			}
			if sets[e].set == set {
				sets[e].w++
				break
			}
		}
		set = 0
	}
	for _, x := range m.glob {
		bit[x] = 0
	}
	m.sets = sets
	m.mineBits(c, sets, m.glob, 1)
}

// mineBits adds the frequent extensions of the itemset at node parent
// (depth items) and recurses into them, given the sets of extensions
// (bit i for global code items[i]) that its baskets hold beyond it. It
// is expand for rests that are bit sets.
func (m *miner[T]) mineBits(parent int32, db []bits, items []int32, depth int) {
	var cnt [64]count
	for _, e := range db {
		for s := e.set; s != 0; s &= s - 1 {
			i := mathbits.TrailingZeros64(s)
			cnt[i].w += e.w
			cnt[i].n++
		}
	}
	var ext uint64
	for i := range cnt {
		if cnt[i].w >= m.minCount {
			ext |= 1 << i
		}
	}
	k := mathbits.OnesCount64(ext)
	if k == 0 {
		return
	}
	fr := m.frame(depth)
	if k <= paths.masks && (k <= 6 || 1<<k <= 2*len(db)) {
		// Few extensions: count the subsets densely, as topMasks does.
		var pos [64]uint8
		sub := fr.items[:0]
		for s, j := ext, 0; s != 0; s &= s - 1 {
			i := mathbits.TrailingZeros64(s)
			pos[i] = uint8(j)
			sub = append(sub, items[i])
			j++
		}
		fr.items = sub
		if cap(m.masks) < 1<<k {
			m.masks = make([]int32, 1<<k)
		}
		sums := m.masks[:1<<k]
		clear(sums)
		for _, e := range db {
			x := 0
			for s := e.set & ext; s != 0; s &= s - 1 {
				x |= 1 << pos[mathbits.TrailingZeros64(s)]
			}
			sums[x] += e.w
		}
		supersetSums(sums, k)
		m.masks = sums
		m.subsets(parent, sub, 0, 0, depth)
		return
	}
	if m.total.Add(int64(k)) > m.limit {
		m.over = true
		return
	}
	first := m.reserve(k)
	for s := ext; s != 0; s &= s - 1 {
		i := mathbits.TrailingZeros64(s)
		m.nodes = append(m.nodes, node{item: items[i], count: cnt[i].w, parent: parent})
	}
	m.nodes[parent].first, m.nodes[parent].n = first, int32(k)
	if depth+2 > m.maxLen || k == 1 {
		return
	}
	// Deliver each set to the extensions it holds, keeping the bits
	// above each.
	var begin, end [64]int32
	total := int32(0)
	for s := ext; s != 0; s &= s - 1 {
		i := mathbits.TrailingZeros64(s)
		begin[i], end[i] = total, total
		total += cnt[i].n
	}
	if cap(fr.sets) < int(total) {
		fr.sets = make([]bits, total+total/2)
	}
	buf := fr.sets[:total]
	for _, e := range db {
		for s := e.set & ext; s != 0; {
			i := mathbits.TrailingZeros64(s)
			s &= s - 1
			if s != 0 {
				buf[end[i]] = bits{s, e.w}
				end[i]++
			}
		}
	}
	j := int32(0)
	for s := ext; s != 0; s &= s - 1 {
		i := mathbits.TrailingZeros64(s)
		if end[i] > begin[i] {
			m.mineBits(first+j, m.merge(buf[begin[i]:end[i]]), items, depth+1)
			if m.over {
				return
			}
		}
		j++
	}
}

// merge merges equal sets in db, adding their weights, and returns the
// shortened db.
func (m *miner[T]) merge(db []bits) []bits {
	if len(db) < 8 {
		return db
	}
	size := 16
	for size < 2*len(db) {
		size *= 2
	}
	if cap(m.table) < size {
		m.table = make([]int32, size)
	}
	table := m.table[:size]
	for i := range table {
		table[i] = -1
	}
	mask := uint64(size - 1)
	n := 0
	for _, e := range db {
		for i := (e.set * 0x9e3779b97f4a7c15 >> 32) & mask; ; i = (i + 1) & mask {
			x := table[i]
			if x < 0 {
				table[i] = int32(n)
				db[n] = e
				n++
				break
			}
			if db[x].set == e.set {
				db[x].w += e.w
				break
			}
		}
	}
	return db[:n]
}

// reserve makes room for n more nodes and returns the index of the
// first. Capacity grows fourfold: copies then touch 1.33 times the final
// size rather than append's 4 or doubling's 2, and fresh pages that are
// never written cost nothing.
func (m *miner[T]) reserve(n int) int32 {
	if len(m.nodes)+n > cap(m.nodes) {
		nodes := make([]node, len(m.nodes), max(len(m.nodes)+n, 4*cap(m.nodes)))
		copy(nodes, m.nodes)
		m.nodes = nodes
	}
	return int32(len(m.nodes))
}

func (m *miner[T]) frame(depth int) *frame {
	for len(m.frames) <= depth {
		m.frames = append(m.frames, &frame{})
	}
	return m.frames[depth]
}

// expand adds the frequent one-code extensions of the itemset at node
// parent (depth items) and recurses into them. The itemset's baskets
// continue at the positions of tx listed in db as (position, weight)
// pairs; codes are local (see miner.glob).
func (m *miner[T]) expand(parent int32, tx []T, db []int32, depth int) {
	fr := m.frame(depth)
	cnt, stop := m.cnt, m.stop
	touched := fr.touched[:0]
	for i := 0; i < len(db); i += 2 {
		w := db[i+1]
		for q := db[i]; ; q++ {
			c := tx[q]
			if c == stop {
				break
			}
			if cnt[c].w == 0 {
				touched = append(touched, int32(c))
			}
			cnt[c].w += w
			cnt[c].n++
		}
	}
	fr.touched = touched
	ext := fr.ext[:0]
	total := 0
	for _, c := range touched {
		if cnt[c].w >= m.minCount {
			ext = append(ext, c)
			total += int(cnt[c].n)
		} else {
			cnt[c] = count{}
		}
	}
	fr.ext = ext
	if len(ext) == 0 {
		return
	}
	slices.Sort(ext)
	if k := len(ext); k <= paths.masks && (k <= 6 || 1<<k <= len(db)) {
		m.expandMasks(parent, tx, db, depth, ext)
		return
	}
	if m.total.Add(int64(len(ext))) > m.limit {
		m.over = true
		for _, c := range ext {
			cnt[c] = count{}
		}
		return
	}
	first := m.reserve(len(ext))
	for _, c := range ext {
		m.nodes = append(m.nodes, node{item: m.glob[c], count: cnt[c].w, parent: parent})
	}
	m.nodes[parent].first, m.nodes[parent].n = first, int32(len(ext))
	if depth+2 > m.maxLen || len(ext) == 1 {
		// A lone extension's projection holds nothing after it.
		for _, c := range ext {
			cnt[c] = count{}
		}
		return
	}

	begin, end := fr.begin[:0], fr.end[:0]
	off := int32(0)
	slot := m.slot
	for _, c := range ext {
		begin = append(begin, off)
		slot[c] = off
		off += 2 * cnt[c].n
		cnt[c] = count{}
	}
	if cap(fr.buf) < 2*total {
		fr.buf = make([]int32, 2*total+total/2)
	}
	buf := fr.buf[:2*total]
	for i := 0; i < len(db); i += 2 {
		w := db[i+1]
		for q := db[i]; ; q++ {
			c := tx[q]
			if c == stop {
				break
			}
			if s := slot[c]; s >= 0 && tx[q+1] != stop {
				buf[s] = q + 1
				buf[s+1] = w
				slot[c] = s + 2
			}
		}
	}
	for _, c := range ext {
		end = append(end, slot[c])
		slot[c] = -1
	}
	fr.begin, fr.end = begin, end
	for k := range ext {
		if m.over {
			return
		}
		if sub := buf[begin[k]:end[k]]; len(sub) > 0 {
			m.expand(first+int32(k), tx, sub, depth+1)
		}
	}
}

// sortSmall sorts a basket; baskets are short, where insertion sort wins.
func sortSmall[T code](a []T) {
	if len(a) > 24 {
		slices.Sort(a)
		return
	}
	for i := 1; i < len(a); i++ {
		x := a[i]
		j := i
		for j > 0 && a[j-1] > x {
			a[j] = a[j-1]
			j--
		}
		a[j] = x
	}
}
