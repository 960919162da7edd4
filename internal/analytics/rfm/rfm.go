package rfm

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Member is one member's purchase summary at the as-of date.
type Member struct {
	RecencyDays int     // days from the last purchase to the as-of date, ≥ 0
	Frequency   int     // purchase occasions; 0 = not bought, not scored
	Monetary    float64 // total spend over the period, ≥ 0
}

// Score is one member's result. The zero Score belongs to a member that was
// not scored.
type Score struct {
	R, F, M    uint8 // 1–5, 5 best
	FreqLevel  uint8 // 1–3, thirds of frequency
	SpendLevel uint8 // 1–3, thirds of average spend per occasion
	Segment    Segment
	Value      ValueClass
}

// SegmentSummary describes the members of one segment.
type SegmentSummary struct {
	Segment       Segment
	Members       int
	Share         float64 // of scored members
	Monetary      float64 // total spend
	MonetaryShare float64 // of the total spend of scored members
	MeanRecency   float64 // days
	MeanFrequency float64
	MeanMonetary  float64
}

// ValueSummary describes the members of one value class.
type ValueSummary struct {
	Class         ValueClass
	Members       int
	Share         float64
	Monetary      float64
	MonetaryShare float64
	MeanFrequency float64
	MeanAvgSpend  float64 // mean over members of spend per occasion
}

// Result is the outcome of Analyze.
type Result struct {
	Scores []Score // one per input member, same order
	Scored int     // members with Frequency > 0
	// Segments has one entry per segment from Champions to Lost, in that
	// order, empty segments included.
	Segments []SegmentSummary
	// Values has High, Mid and Low, in that order.
	Values []ValueSummary
	// Grid[r-1][fm-1] counts members with R = r and FM = fm: the usual RFM
	// heat map.
	Grid [5][5]int
	// ValueGrid[f-1][s-1] counts members by frequency level and
	// average-spend level (the 3 × 3 frequency × spend matrix).
	ValueGrid [3][3]int
}

// Analyze scores every member, names its segment and value class and
// summarises each segment.
func Analyze(members []Member) (*Result, error) {
	idx := make([]int, 0, len(members))
	for i, m := range members {
		if m.Frequency < 0 || m.Frequency > 0 && m.RecencyDays < 0 {
			return nil, fmt.Errorf("rfm: member %d: frequency %d, recency %d days: want frequency ≥ 0 and recency ≥ 0",
				i, m.Frequency, m.RecencyDays)
		}
		if math.IsNaN(m.Monetary) || math.IsInf(m.Monetary, 0) || m.Monetary < 0 {
			return nil, fmt.Errorf("rfm: member %d: monetary %v: want a finite amount ≥ 0", i, m.Monetary)
		}
		if m.Frequency > 0 {
			idx = append(idx, i)
		}
	}
	n := len(idx)
	// One sorted copy per measure; frequency serves both F and its thirds.
	column := func(f func(Member) float64) (vals, sorted []float64) {
		vals = make([]float64, n)
		for j, i := range idx {
			vals[j] = f(members[i])
		}
		sorted = slices.Clone(vals)
		slices.Sort(sorted)
		return vals, sorted
	}
	rv, rs := column(func(m Member) float64 { return -float64(m.RecencyDays) })
	r := levels(rv, rs, 5)
	fv, fs := column(func(m Member) float64 { return float64(m.Frequency) })
	f, fl := levels(fv, fs, 5), levels(fv, fs, 3)
	mv, ms := column(func(m Member) float64 { return m.Monetary })
	mo := levels(mv, ms, 5)
	sv, ss := column(func(m Member) float64 { return m.Monetary / float64(m.Frequency) })
	sl := levels(sv, ss, 3)

	res := &Result{Scores: make([]Score, len(members)), Scored: n}
	var segs [NumSegments]SegmentSummary
	var vals3 [NumValueClasses]ValueSummary
	var recency [NumSegments]float64
	var freq [NumSegments]float64
	var vfreq, vspend [NumValueClasses]float64
	total := 0.0
	for j, i := range idx {
		m := members[i]
		s := Score{R: r[j], F: f[j], M: mo[j], FreqLevel: fl[j], SpendLevel: sl[j]}
		s.Segment = SegmentOf(int(s.R), int(s.F), int(s.M))
		s.Value = ValueOf(int(s.FreqLevel), int(s.SpendLevel))
		res.Scores[i] = s
		res.Grid[s.R-1][FM(int(s.F), int(s.M))-1]++
		res.ValueGrid[s.FreqLevel-1][s.SpendLevel-1]++

		g := &segs[s.Segment]
		g.Members++
		g.Monetary += m.Monetary
		recency[s.Segment] += float64(m.RecencyDays)
		freq[s.Segment] += float64(m.Frequency)
		v := &vals3[s.Value]
		v.Members++
		v.Monetary += m.Monetary
		vfreq[s.Value] += float64(m.Frequency)
		vspend[s.Value] += m.Monetary / float64(m.Frequency)
		total += m.Monetary
	}
	for s := Champions; int(s) < NumSegments; s++ {
		g := segs[s]
		g.Segment = s
		if g.Members > 0 {
			g.Share = float64(g.Members) / float64(n)
			g.MeanRecency = recency[s] / float64(g.Members)
			g.MeanFrequency = freq[s] / float64(g.Members)
			g.MeanMonetary = g.Monetary / float64(g.Members)
		}
		if total > 0 {
			g.MonetaryShare = g.Monetary / total
		}
		res.Segments = append(res.Segments, g)
	}
	for _, c := range []ValueClass{ValueHigh, ValueMid, ValueLow} {
		v := vals3[c]
		v.Class = c
		if v.Members > 0 {
			v.Share = float64(v.Members) / float64(n)
			v.MeanFrequency = vfreq[c] / float64(v.Members)
			v.MeanAvgSpend = vspend[c] / float64(v.Members)
		}
		if total > 0 {
			v.MonetaryShare = v.Monetary / total
		}
		res.Values = append(res.Values, v)
	}
	return res, nil
}

// Bins gives each value a level 1..k by the minimum-rank rule of the package
// comment: 1 + ⌊k · below / n⌋, where below counts the values strictly
// smaller. Equal values get equal levels; distinct values fill the levels
// evenly. NaN is an error.
func Bins(values []float64, k int) ([]uint8, error) {
	if k < 1 || k > 255 {
		return nil, fmt.Errorf("rfm: %d bins: want 1 to 255", k)
	}
	sorted := slices.Clone(values)
	for i, v := range sorted {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("rfm: value %d is NaN", i)
		}
	}
	slices.Sort(sorted)
	return levels(values, sorted, k), nil
}

// levels applies the rule of Bins given the values in sorted order.
func levels(values, sorted []float64, k int) []uint8 {
	// Level ≥ L exactly when below ≥ c = ⌈(L−1)·n/k⌉, that is when the
	// value exceeds sorted[c−1]; so k−1 thresholds replace a search per value.
	n := len(values)
	var cuts []float64
	for l := 2; l <= k && n > 0; l++ {
		c := ((l-1)*n + k - 1) / k
		cuts = append(cuts, sorted[c-1])
	}
	out := make([]uint8, n)
	for i, v := range values {
		l := uint8(1)
		for _, c := range cuts {
			if v > c {
				l++
			}
		}
		out[i] = l
	}
	return out
}

// Day is the number of days from 1970-01-01 to t's calendar date in loc (the
// store's time zone), the day unit used by Accumulator.
func Day(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
