package rfm

import "fmt"

// Accumulator builds Member values while sales stream past, holding 16 bytes
// per member. Members are dense indices 0..n-1 (the caller maps its member
// ids to them once); the zero Accumulator is ready to use.
//
// A purchase occasion is a purchase day: a call on the same day as the
// member's latest recorded day adds to the spend but not to the frequency.
// Streaming lines or sales ordered by time (per member, at least) therefore
// counts purchase days exactly, however many lines a sale has; a call for an
// earlier day than the latest recorded one counts as a new occasion.
type Accumulator struct {
	last  []int32 // latest purchase day
	freq  []int32 // purchase days
	money []float64
}

// NewAccumulator returns an Accumulator with room for n members.
func NewAccumulator(n int) *Accumulator {
	return &Accumulator{last: make([]int32, n), freq: make([]int32, n), money: make([]float64, n)}
}

// Add records spend amount by member on day (see Day).
func (a *Accumulator) Add(member, day int, amount float64) {
	if member >= len(a.freq) {
		a.grow(member + 1)
	}
	d := int32(day)
	switch {
	case a.freq[member] == 0:
		a.freq[member], a.last[member] = 1, d
	case d > a.last[member]:
		a.freq[member]++
		a.last[member] = d
	case d < a.last[member]:
		a.freq[member]++
	}
	a.money[member] += amount
}

// grow extends the slices to n members; append's own growth keeps repeated
// growth amortised.
func (a *Accumulator) grow(n int) {
	a.last = append(a.last, make([]int32, n-len(a.last))...)
	a.freq = append(a.freq, make([]int32, n-len(a.freq))...)
	a.money = append(a.money, make([]float64, n-len(a.money))...)
}

// Len is the number of members: the size given to NewAccumulator or one more
// than the highest index added, whichever is larger.
func (a *Accumulator) Len() int { return len(a.freq) }

// Members returns the summaries at the as-of day, one per member index.
// A purchase after asOf is an error: the caller's window is wrong.
func (a *Accumulator) Members(asOf int) ([]Member, error) {
	out := make([]Member, len(a.freq))
	for i, f := range a.freq {
		if f == 0 {
			continue
		}
		r := asOf - int(a.last[i])
		if r < 0 {
			return nil, fmt.Errorf("rfm: member %d bought %d days after the as-of date", i, -r)
		}
		out[i] = Member{RecencyDays: r, Frequency: int(f), Monetary: a.money[i]}
	}
	return out, nil
}
