package lifecycle

import (
	"fmt"
	"math/bits"
)

// Config holds the thresholds of the package comment. The zero value uses
// the defaults given per field.
type Config struct {
	AtRisk          float64 // at risk after this many of the member's own intervals of silence; default 2
	Lapsed          float64 // lapsed after this many; default 4
	MinAtRisk       int     // days of silence before anyone is at risk; default 30
	MinLapsed       int     // days before anyone is lapsed; default 90
	MaxLapsed       int     // days after which everyone is lapsed; default 180
	DefaultInterval float64 // days, the rhythm assumed after a single purchase; default 30
	LoyalMonths     int     // months with a purchase needed to be loyal; default 4
	LoyalWindow     int     // out of this many recent months (≤ 64); default 6
}

func (c Config) withDefaults() (Config, error) {
	if c.AtRisk == 0 {
		c.AtRisk = 2
	}
	if c.Lapsed == 0 {
		c.Lapsed = 4
	}
	if c.MinAtRisk == 0 {
		c.MinAtRisk = 30
	}
	if c.MinLapsed == 0 {
		c.MinLapsed = 90
	}
	if c.MaxLapsed == 0 {
		c.MaxLapsed = 180
	}
	if c.DefaultInterval == 0 {
		c.DefaultInterval = 30
	}
	if c.LoyalMonths == 0 {
		c.LoyalMonths = 4
	}
	if c.LoyalWindow == 0 {
		c.LoyalWindow = 6
	}
	if c.AtRisk < 0 || c.Lapsed < 0 || c.MinAtRisk < 0 || c.MinLapsed < 0 || c.MaxLapsed < 0 || c.DefaultInterval < 0 {
		return c, fmt.Errorf("lifecycle: negative threshold in %+v", c)
	}
	if c.LoyalWindow > 64 || c.LoyalMonths > c.LoyalWindow || c.LoyalMonths < 0 {
		return c, fmt.Errorf("lifecycle: loyal in %d of %d months: want 1 ≤ months ≤ window ≤ 64", c.LoyalMonths, c.LoyalWindow)
	}
	return c, nil
}

func (c Config) atRisk(interval float64) float64 {
	return max(float64(c.MinAtRisk), c.AtRisk*interval)
}

func (c Config) lapsed(interval float64) float64 {
	return min(float64(c.MaxLapsed), max(float64(c.MinLapsed), c.Lapsed*interval))
}

func (c Config) interval(visits, first, last int) float64 {
	if visits < 2 {
		return c.DefaultInterval
	}
	return float64(last-first) / float64(visits-1)
}

// Result holds every member's stage in every month and the counts.
type Result struct {
	Months []Month
	// Stages[member*len(Months)+month] is the member's stage at the end of
	// the month; see Stage.
	Stages []Stage
	// Counts[month][stage] counts members.
	Counts [][NumStages]int
	// Flows[i][from][to] counts members moving from stage from at the end
	// of month i to stage to at the end of month i+1.
	Flows [][NumStages][NumStages]int
}

// Stage is the member's stage at the end of month i.
func (r *Result) Stage(member, month int) Stage {
	return r.Stages[member*len(r.Months)+month]
}

// Current is the member's stage at the end of the last month.
func (r *Result) Current(member int) Stage {
	return r.Stages[(member+1)*len(r.Months)-1]
}

// Link is one flow between two stages, for a Sankey chart.
type Link struct {
	From, To Stage
	Count    int
}

// Links lists the non-zero flows from month i to month i+1, absent members
// who stay absent left out, in stage order.
func (r *Result) Links(i int) []Link {
	var out []Link
	for from := range NumStages {
		for to := range NumStages {
			if c := r.Flows[i][from][to]; c > 0 && !(from == int(Absent) && to == int(Absent)) {
				out = append(out, Link{Stage(from), Stage(to), c})
			}
		}
	}
	return out
}

// Stages computes every member's stage per month with the thresholds of cfg.
func (t *Tracker) Stages(cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	nm, n := len(t.months), len(t.prior)
	res := &Result{
		Months: t.months,
		Stages: make([]Stage, n*nm),
		Counts: make([][NumStages]int, nm),
		Flows:  make([][NumStages][NumStages]int, max(nm-1, 0)),
	}
	window := uint64(1)<<cfg.LoyalWindow - 1
	if cfg.LoyalWindow == 64 {
		window = ^uint64(0)
	}
	for i := range n {
		h := t.prior[i]
		visits, first, last := int(h.visits), int(h.first), int(h.last)
		join := int(t.join[i])
		var recent uint64 // bit j: bought j months ago
		prev := Absent
		for m, mon := range t.months {
			c := t.cells[m][i]
			wonBack := false
			recent <<= 1
			if c.visits > 0 {
				fd := mon.First + int(c.first) - 1
				if visits > 0 && float64(fd-last) > cfg.lapsed(cfg.interval(visits, first, last)) {
					wonBack = true
				}
				if visits == 0 {
					first = fd
				}
				visits += int(c.visits)
				last = mon.First + int(c.last) - 1
				recent |= 1
			}
			recent &= window
			var s Stage
			switch {
			case visits == 0 && join <= mon.Last:
				s = Prospect
			case visits == 0:
				s = Absent
			default:
				iv := cfg.interval(visits, first, last)
				silence := float64(mon.Last - last)
				switch {
				case silence > cfg.lapsed(iv):
					s = Lapsed
				case silence > cfg.atRisk(iv):
					s = AtRisk
				case first >= mon.First:
					s = New
				case wonBack:
					s = WonBack
				case bits.OnesCount64(recent) >= cfg.LoyalMonths:
					s = Loyal
				default:
					s = Active
				}
			}
			res.Stages[i*nm+m] = s
			res.Counts[m][s]++
			if m > 0 {
				res.Flows[m-1][prev][s]++
			}
			prev = s
		}
	}
	return res, nil
}
