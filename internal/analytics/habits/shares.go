package habits

import (
	"cmp"
	"slices"
)

// Share is one category's (or brand's) part of a member's or the store's
// spend.
type Share struct {
	Key    int32 // the caller's dense category index
	Lines  int   // calls recorded
	Amount int64 // fen
	Share  float64
}

type entry struct {
	key    int32
	lines  int32
	amount int64
}

// Shares accumulates spend per member and category. Categories are dense
// indices chosen by the caller (category, department or brand: use one
// Shares per dimension). Each member holds only the categories it bought
// (16 bytes each), so memory grows with members times their distinct
// categories, not with lines.
type Shares struct {
	members [][]entry
	total   []entry // per category, indexed by key
}

// NewShares returns Shares with room for n members.
func NewShares(n int) *Shares {
	return &Shares{members: make([][]entry, n)}
}

// Len is the number of members.
func (s *Shares) Len() int { return len(s.members) }

// Add records amountFen spent by member on category key (≥ 0).
func (s *Shares) Add(member int, key int32, amountFen int64) {
	if member >= len(s.members) {
		s.members = append(s.members, make([][]entry, member+1-len(s.members))...)
	}
	if int(key) >= len(s.total) {
		s.total = append(s.total, make([]entry, int(key)+1-len(s.total))...)
	}
	t := &s.total[key]
	t.key = key
	t.lines++
	t.amount += amountFen
	es := s.members[member]
	for i := range es {
		if es[i].key == key {
			es[i].lines++
			es[i].amount += amountFen
			return
		}
	}
	s.members[member] = append(es, entry{key, 1, amountFen})
}

// Top returns the member's n largest categories by spend.
func (s *Shares) Top(member, n int) []Share {
	if member >= len(s.members) {
		return nil
	}
	return top(s.members[member], n)
}

// Overall returns the store's n largest categories by spend.
func (s *Shares) Overall(n int) []Share {
	return top(s.total, n)
}

func top(es []entry, n int) []Share {
	var total int64
	out := make([]Share, 0, len(es))
	for _, e := range es {
		if e.lines == 0 {
			continue
		}
		total += e.amount
		out = append(out, Share{Key: e.key, Lines: int(e.lines), Amount: e.amount})
	}
	slices.SortFunc(out, func(a, b Share) int {
		if c := cmp.Compare(b.Amount, a.Amount); c != 0 {
			return c
		}
		return cmp.Compare(a.Key, b.Key)
	})
	out = out[:min(n, len(out))]
	for i := range out {
		if total != 0 {
			out[i].Share = float64(out[i].Amount) / float64(total)
		}
	}
	return out
}
