package basket

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// RuleOptions of Frequent.Rules.
type RuleOptions struct {
	// MinConfidence is the least confidence, 0 <= MinConfidence <= 1.
	MinConfidence float64
	// MinLen is the least number of items in lhs and rhs together. 0 or 1
	// keeps rules with an empty lhs, {} => {x}, for items whose support
	// reaches MinConfidence, as arules does by default; 2 drops them.
	MinLen int
}

// Rule is an association rule LHS => {RHS} over item ids.
type Rule struct {
	LHS        []int32 // ascending; empty for {} => {RHS}
	RHS        int32
	Count      int     // baskets holding LHS and RHS
	Support    float64 // Count / baskets
	Confidence float64 // Count / baskets holding LHS
	Coverage   float64 // support of LHS
	Lift       float64 // Confidence / support of RHS
}

// Rules are the rules with one item on the right-hand side whose itemset
// is frequent and whose confidence is at least opt.MinConfidence, ordered
// by descending lift, then descending confidence, descending count,
// shorter lhs, lhs ids and rhs id.
//
// Confidence and lift are each one division of exact integer products, so
// rules whose ratios are equal get equal floats and tie exactly.
func (f *Frequent) Rules(opt RuleOptions) ([]Rule, error) {
	hits, flat, err := f.sortedRules(opt)
	if err != nil {
		return nil, err
	}
	rules := make([]Rule, len(hits))
	for r := range hits {
		rules[r] = f.rule(&hits[r], flat)
	}
	return rules, nil
}

// NumRules is len(f.Rules(opt)), found without ordering or making them.
func (f *Frequent) NumRules(opt RuleOptions) (int, error) {
	hits, _, _, err := f.findRules(opt)
	return len(hits), err
}

// rule makes the Rule of h, whose lhs ids are in flat.
func (f *Frequent) rule(h *hit, flat []int32) Rule {
	n := float64(f.baskets)
	cx := float64(f.nodes[h.node].count)
	cl := n
	if h.lhs >= 0 {
		cl = float64(f.nodes[h.lhs].count)
	}
	return Rule{
		LHS:        flat[h.off : h.off+h.nl : h.off+h.nl],
		RHS:        h.rhsID,
		Count:      int(f.nodes[h.node].count),
		Support:    cx / n,
		Confidence: h.conf,
		Coverage:   cl / n,
		Lift:       h.lift,
	}
}

// sortedRules finds the rules and orders them as Rules does; the lhs ids
// of each are in flat.
func (f *Frequent) sortedRules(opt RuleOptions) (hits []hit, flat []int32, err error) {
	hits, depth, lhsItems, err := f.findRules(opt)
	if err != nil {
		return nil, nil, err
	}
	nodes := f.nodes
	// Spell out the items, then sort the hits.
	flat = make([]int32, lhsItems)
	off := int32(0)
	for r := range hits {
		h := &hits[r]
		k := int32(depth[h.node])
		h.off, h.nl = off, k-1
		_, h.rhsID = f.ruleItems(flat[off:off:off+k-1], *h, int(k))
		off += k - 1
	}
	lhsOf := func(h *hit) []int32 { return flat[h.off : h.off+h.nl] }
	// Sort the hits themselves rather than keys pointing to them: on a
	// short run each fresh page of memory costs a page fault, more than
	// the larger swaps. Lift and confidence are positive, so comparing
	// them as floats orders as their bits would; then descending count
	// and ascending length.
	for i := range hits {
		h := &hits[i]
		h.rest = uint64(math.MaxUint32-uint32(nodes[h.node].count))<<8 | uint64(depth[h.node])
	}
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.lift != b.lift:
			return cmp.Compare(b.lift, a.lift)
		case a.conf != b.conf:
			return cmp.Compare(b.conf, a.conf)
		case a.rest != b.rest:
			return cmp.Compare(a.rest, b.rest)
		}
		if c := slices.Compare(lhsOf(&a), lhsOf(&b)); c != 0 {
			return c
		}
		return cmp.Compare(a.rhsID, b.rhsID)
	})
	return hits, flat, nil
}

// findRules finds the rules of Rules, unordered and their lhs not yet
// spelt out; lhsItems is the number of lhs items of all of them.
func (f *Frequent) findRules(opt RuleOptions) (hits []hit, depth []uint8, lhsItems int, err error) {
	if !(opt.MinConfidence >= 0 && opt.MinConfidence <= 1) {
		return nil, nil, 0, fmt.Errorf("basket: minimum confidence %v is not in [0, 1]", opt.MinConfidence)
	}
	n := float64(f.baskets)
	nodes := f.nodes
	depth = f.depths()
	hits = make([]hit, 0, len(nodes)/2)
	// path[j] is the code of the node's j-th item and at[j] the node of
	// its first j+1 items.
	var path, at [256]int32
	for i, nd := range nodes {
		k := int(depth[i])
		if k < opt.MinLen {
			continue
		}
		cx := float64(nd.count)
		if k == 1 {
			if conf := cx / n; conf >= opt.MinConfidence {
				hits = append(hits, hit{lift: 1, conf: conf, node: int32(i), lhs: -1})
			}
			continue
		}
		for j, p := k-1, int32(i); j >= 0; j-- {
			path[j], at[j] = nodes[p].item, p
			p = nodes[p].parent
		}
		for j := range k {
			// The lhs drops item j: start from the node of the items
			// before j and descend by those after it.
			var l int32
			switch {
			case j == k-1:
				l = at[k-2]
			case j == 0:
				l = path[1]
				for _, c := range path[2:k] {
					l = child(nodes, l, c)
				}
			default:
				l = at[j-1]
				for _, c := range path[j+1 : k] {
					l = child(nodes, l, c)
				}
			}
			cl := float64(nodes[l].count)
			if conf := cx / cl; conf >= opt.MinConfidence {
				cr := float64(nodes[path[j]].count)
				hits = append(hits, hit{lift: (cx * n) / (cl * cr), conf: conf, node: int32(i), lhs: l, rhs: int32(j)})
				lhsItems += k - 1
			}
		}
	}
	return hits, depth, lhsItems, nil
}

// hit is a rule found: the itemset at node, minus its item at position
// rhs, which is the node lhs (-1 for the empty set). Once spelt out, the
// nl lhs ids are at off in a shared array and the rhs id is rhsID; rest
// orders hits of equal lift and confidence (see Rules).
type hit struct {
	lift, conf     float64
	rest           uint64
	node, lhs, rhs int32
	off, nl, rhsID int32
}

// ruleItems appends the lhs ids of h, ascending, to dst and returns them
// with the rhs id; k is the size of h's itemset.
func (f *Frequent) ruleItems(dst []int32, h hit, k int) ([]int32, int32) {
	rhs := int32(-1)
	for j, p := k-1, h.node; j >= 0; j-- {
		id := f.ids[f.nodes[p].item]
		if j == int(h.rhs) {
			rhs = id
		} else {
			dst = append(dst, id)
		}
		p = f.nodes[p].parent
	}
	slices.Sort(dst)
	return dst, rhs
}

// child is the child of node p with code c, which must exist.
func child(nodes []node, p, c int32) int32 {
	lo, hi := nodes[p].first, nodes[p].first+nodes[p].n
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if nodes[mid].item < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}
