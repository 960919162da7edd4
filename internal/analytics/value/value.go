package value

import (
	"fmt"
	"math"
)

// Member is one member's inputs. Money may be in any unit, the same for all
// members.
type Member struct {
	RecencyDays   float64 // days since the last purchase; ignored when Frequency ≤ 0
	Frequency     float64 // purchases in the period
	Monetary      float64 // spend in the period
	TenureDays    float64 // days since registration (or the first purchase)
	CLV           float64 // predicted lifetime value
	Referrals     float64 // members referred
	ReferredSpend float64 // spend of the members referred
}

// Weights weigh the components; see the package comment.
type Weights struct {
	Monetary, Frequency, Recency, Tenure, CLV, Referrals, ReferredSpend float64
}

// DefaultWeights are the documented defaults.
var DefaultWeights = Weights{Monetary: 0.25, Frequency: 0.15, Recency: 0.10, Tenure: 0.10, CLV: 0.25, Referrals: 0.10, ReferredSpend: 0.05}

func (w Weights) list() [numComponents]float64 {
	return [numComponents]float64{w.Monetary, w.Frequency, w.Recency, w.Tenure, w.CLV, w.Referrals, w.ReferredSpend}
}

const (
	cMonetary = iota
	cFrequency
	cRecency
	cTenure
	cCLV
	cReferrals
	cReferredSpend
	numComponents
)

// side of each component: 0 direct, 1 loyalty, 2 predicted, 3 social.
var side = [numComponents]int{0, 1, 1, 1, 2, 3, 3}

// Score is one member's result; every field is 0–100.
type Score struct {
	Score     float64
	Direct    float64
	Loyalty   float64
	Predicted float64
	Social    float64
}

// Compute scores every member with weights w (use DefaultWeights for the
// documented defaults).
func Compute(members []Member, w Weights) ([]Score, error) {
	ws := w.list()
	var total float64
	for i, x := range ws {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("value: weight %d is %v: want a finite weight ≥ 0", i, x)
		}
		total += x
	}
	if total == 0 {
		return nil, fmt.Errorf("value: all weights are zero")
	}
	for i, m := range members {
		for _, v := range []float64{m.RecencyDays, m.Frequency, m.Monetary, m.TenureDays, m.CLV, m.Referrals, m.ReferredSpend} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("value: member %d: %+v: want finite inputs", i, m)
			}
		}
	}
	n := len(members)
	out := make([]Score, n)
	var sideW [4]float64
	for c, x := range ws {
		sideW[side[c]] += x
	}
	p := make([]float64, n)
	vals := make([]float64, n)
	present := make([]bool, n)
	for c := range numComponents {
		if ws[c] == 0 {
			continue
		}
		for i, m := range members {
			v := component(m, c)
			vals[i] = v
			present[i] = v > 0
			if c == cRecency {
				present[i] = m.Frequency > 0
			}
		}
		percentiles(vals, present, c == cRecency, p)
		for i := range out {
			v := ws[c] * p[i]
			out[i].Score += v
			switch side[c] {
			case 0:
				out[i].Direct += v
			case 1:
				out[i].Loyalty += v
			case 2:
				out[i].Predicted += v
			case 3:
				out[i].Social += v
			}
		}
	}
	norm := func(v, w float64) float64 {
		if w == 0 {
			return 0
		}
		return 100 * v / w
	}
	for i := range out {
		s := &out[i]
		s.Score = norm(s.Score, total)
		s.Direct = norm(s.Direct, sideW[0])
		s.Loyalty = norm(s.Loyalty, sideW[1])
		s.Predicted = norm(s.Predicted, sideW[2])
		s.Social = norm(s.Social, sideW[3])
	}
	return out, nil
}

// component is the value ranked for component c; recency is negated so that
// higher is better throughout.
func component(m Member, c int) float64 {
	switch c {
	case cMonetary:
		return m.Monetary
	case cFrequency:
		return m.Frequency
	case cRecency:
		return -m.RecencyDays
	case cTenure:
		return m.TenureDays
	case cCLV:
		return m.CLV
	case cReferrals:
		return m.Referrals
	}
	return m.ReferredSpend
}

type pair struct {
	key uint64 // the value's bits, mapped so that unsigned order is numeric order
	i   int32
}

// orderKey maps a float64 (not NaN) to a uint64 with the same order.
func orderKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// sortPairs sorts by key with a least-significant-digit radix sort, 16 bits
// a pass, skipping digits all keys share: a million pairs sort several times
// faster than with a comparison sort.
func sortPairs(out []pair) {
	ps, tmp := out, make([]pair, len(out))
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, p := range ps {
			count[p.key>>shift&0xffff]++
		}
		if len(ps) == 0 {
			return
		}
		if count[ps[0].key>>shift&0xffff] == len(ps) {
			continue
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, p := range ps {
			d := p.key >> shift & 0xffff
			tmp[count[d]] = p
			count[d]++
		}
		ps, tmp = tmp, ps
	}
	if &ps[0] != &out[0] {
		copy(out, ps)
	}
}

// percentiles writes the mid-rank percentile of each value into p; values
// not present get 0. With onlyPresent the ranking is among the present
// values alone; otherwise among all.
func percentiles(vals []float64, present []bool, onlyPresent bool, p []float64) {
	ps := make([]pair, 0, len(vals))
	for i, v := range vals {
		if !onlyPresent || present[i] {
			ps = append(ps, pair{orderKey(v), int32(i)})
		}
	}
	sortPairs(ps)
	n := float64(len(ps))
	clear(p)
	for lo := 0; lo < len(ps); {
		hi := lo + 1
		for hi < len(ps) && vals[ps[hi].i] == vals[ps[lo].i] {
			hi++
		}
		pct := (float64(lo) + float64(hi-lo+1)/2) / n
		for _, x := range ps[lo:hi] {
			if present[x.i] {
				p[x.i] = pct
			}
		}
		lo = hi
	}
}

// Histogram counts scores in ten bands of ten points (the last includes 100).
func Histogram(scores []Score) [10]int {
	var h [10]int
	for _, s := range scores {
		h[min(int(s.Score/10), 9)]++
	}
	return h
}
