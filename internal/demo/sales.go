package demo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SaleLine is one line of a demo sale. Quantity is pieces, or grams for a
// weight product; AmountFen is what the line comes to at the list price.
type SaleLine struct {
	Product   string
	Quantity  int64
	AmountFen int64
}

// SaleSpec is one demo sale, by a member or a walk-in customer. Refund,
// when set, takes back RefundQty of line RefundLine (0-based) at RefundAt,
// after the sale.
type SaleSpec struct {
	Member  int // 0-based index, as for Generator.Member; WalkIn for a customer who is not a member
	Store   int // 0-based index into Stores
	Receipt string
	At      time.Time
	Lines   []SaleLine

	Refund     bool
	RefundLine int
	RefundQty  int64
	RefundFen  int64
	RefundAt   time.Time
	RefundNo   string
}

// AmountFen is the sale's total.
func (s *SaleSpec) AmountFen() int64 {
	var t int64
	for _, l := range s.Lines {
		t += l.AmountFen
	}
	return t
}

const streamSales uint64 = 0x73616c6573 // "sales": apart from the member streams

// WalkIn is SaleSpec.Member of a sale to a customer who is not a member.
const WalkIn = -1

const streamWalkIns uint64 = 0x77616c6b // "walk"

// walkInsPerMember is how many receipts a day customers who are not
// members make, per member of the chain: members come about 0.15 times a
// day each, so walk-ins make about a third of the receipts, with smaller
// baskets. Passers-by and people from further away rarely join.
const walkInsPerMember = 0.075

const (
	rateChurn  = 0.10
	rateRefund = 0.02
)

// Busy shopping days: the week before Spring Festival and before National
// Day (1 October).
var springFestival = map[int]time.Time{
	2024: time.Date(2024, 2, 10, 0, 0, 0, 0, chinaTime),
	2025: time.Date(2025, 1, 29, 0, 0, 0, 0, chinaTime),
	2026: time.Date(2026, 2, 17, 0, 0, 0, 0, chinaTime),
	2027: time.Date(2027, 2, 6, 0, 0, 0, 0, chinaTime),
	2028: time.Date(2028, 1, 26, 0, 0, 0, 0, chinaTime),
	2029: time.Date(2029, 2, 13, 0, 0, 0, 0, chinaTime),
	2030: time.Date(2030, 2, 3, 0, 0, 0, 0, chinaTime),
}

func dayFactor(d time.Time) float64 {
	f := 1.0
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		f = 1.5
	}
	if sf, ok := springFestival[d.Year()]; ok {
		if days := sf.Sub(d).Hours() / 24; days > 0 && days <= 10 {
			f *= 2.2
		}
	}
	if d.Month() == time.September && d.Day() >= 24 {
		f *= 1.6
	}
	return f
}

// Shoppers come in the morning (the elderly, fresh food) and after work.
var hourWeights = newWeighted([]int{
	7: 6, 8: 9, 9: 8, 10: 6, 11: 5, 12: 4, 13: 3, 14: 3, 15: 4, 16: 6, 17: 10, 18: 11, 19: 8, 20: 5, 21: 3,
})

// Sales calls fn for every sale in the months before Options.Now: the
// members' member by member and, per member, in time order, then the
// walk-ins' in time order. Each member's sales come from their own stream,
// and the walk-ins' from one of theirs, so the same Options always give
// the same sales and members stay as they are.
func (g *Generator) Sales(months int, fn func(SaleSpec) error) error {
	if months <= 0 {
		return nil
	}
	now := g.opt.Now
	start := g.today.AddDate(0, -months, 0)
	days := int(g.today.Sub(start).Hours()/24) + 1
	products := g.Products()
	byCat := make(map[string][]int)
	var cats []string
	for i, p := range products {
		if byCat[p.Category] == nil {
			cats = append(cats, p.Category)
		}
		byCat[p.Category] = append(byCat[p.Category], i)
	}
	ws := make([]int, len(cats))
	picked := make([]bool, len(products))
	// basket draws up to k distinct products, their categories by cat.
	basket := func(r *rand.Rand, k int, cat weighted) []SaleLine {
		var lines []SaleLine
		clear(picked)
		for range k {
			c := cats[cat.pick(r)]
			pi := byCat[c][r.IntN(len(byCat[c]))]
			if picked[pi] {
				continue
			}
			picked[pi] = true
			p := &products[pi]
			var q, amt int64
			if p.Weight {
				q = int64(200 + r.IntN(27)*50)
				amt = (q*p.PriceFen + 500) / 1000
			} else {
				q = 1
				if chance(r, 0.2) {
					q = int64(2 + r.IntN(3))
				}
				amt = q * p.PriceFen
			}
			lines = append(lines, SaleLine{Product: p.Code, Quantity: q, AmountFen: amt})
		}
		return lines
	}
	// The calendar is the same for every member: working out each day's
	// date and factor once, not once per member, matters at a million.
	dayAt := make([]time.Time, days)
	dayF := make([]float64, days)
	for d := range days {
		dayAt[d] = start.AddDate(0, 0, d)
		dayF[d] = dayFactor(dayAt[d])
	}
	for i := range g.opt.Members {
		in := g.Member(i)
		r := g.stream(streamSales, i)

		// Rhythm: a few come almost daily, most weekly, some rarely.
		var perWeek float64
		switch x := r.Float64(); {
		case x < 0.15:
			perWeek = 2 + 1.5*r.Float64()
		case x < 0.65:
			perWeek = 0.6 + 0.8*r.Float64()
		default:
			perWeek = 0.1 + 0.4*r.Float64()
		}
		perWeek *= g.opt.Rate
		// Members who joined in these months shop from that day on, and
		// their first sale is the one they registered at.
		first, joinedIn := 0, in.CreatedAt.After(start)
		if joinedIn {
			first = int(in.CreatedAt.Sub(start).Hours() / 24)
		}
		last := days
		if chance(r, rateChurn) {
			last = r.IntN(days)
		}
		last = min(max(last, first+1), days) // a churner comes at least the once
		smoker := chance(r, 0.15)
		for c, name := range cats {
			ws[c] = 4
			switch {
			case strings.Contains(in.Preferences, name):
				ws[c] = 20
			case name == "烟草":
				ws[c] = 0
				if smoker {
					ws[c] = 6
				}
			}
		}
		catPick := newWeighted(ws)
		store := int(in.StoreID - 1)

		n := 0
		for d := first; d < last; d++ {
			var at time.Time
			switch {
			case joinedIn && d == first:
				at = in.CreatedAt.Add(time.Duration(60+r.IntN(600)) * time.Second)
			case !chance(r, perWeek/7*dayF[d]):
				continue
			default:
				at = dayAt[d].Add(time.Duration(hourWeights.pick(r))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
			}
			if !at.Before(now) {
				continue
			}
			n++
			s := SaleSpec{Member: i, Store: store, At: at.UTC(),
				Receipt: "D" + strconv.Itoa(i+1) + "-" + strconv.Itoa(n)}
			s.Lines = basket(r, 3+r.IntN(10), catPick)
			if chance(r, rateRefund) {
				s.Refund = true
				s.RefundLine = r.IntN(len(s.Lines))
				l := s.Lines[s.RefundLine]
				s.RefundQty, s.RefundFen = l.Quantity, l.AmountFen
				if l.Quantity > 1 && !products[productIndex(l.Product)].Weight {
					s.RefundQty, s.RefundFen = 1, l.AmountFen/l.Quantity
				}
				s.RefundAt = s.At.Add(time.Duration(1+r.IntN(72)) * time.Hour)
				s.RefundNo = "R" + s.Receipt
			}
			if err := fn(s); err != nil {
				return err
			}
		}
	}

	// Walk-ins, day by day and in time order, a store's share of them
	// its share of the members; a few items each, from any shelf.
	r := g.stream(streamWalkIns, 0)
	for c := range ws {
		ws[c] = 1
	}
	anyShelf := newWeighted(ws)
	shares := g.storeShares()
	var day []SaleSpec
	for d := range days {
		day = day[:0]
		for k, share := range shares {
			mean := walkInsPerMember * float64(g.opt.Members) * g.opt.Rate * share * dayF[d]
			n := int(mean)
			if chance(r, mean-float64(n)) {
				n++
			}
			for j := range n {
				at := dayAt[d].Add(time.Duration(hourWeights.pick(r))*time.Hour + time.Duration(r.IntN(3600))*time.Second)
				s := SaleSpec{Member: WalkIn, Store: k, At: at.UTC(),
					Receipt: "W" + strconv.Itoa(k+1) + "-" + dayAt[d].Format("20060102") + "-" + strconv.Itoa(j+1)}
				s.Lines = basket(r, 1+r.IntN(5), anyShelf)
				if at.Before(now) {
					day = append(day, s)
				}
			}
		}
		slices.SortFunc(day, func(a, b SaleSpec) int { return a.At.Compare(b.At) })
		for _, s := range day {
			if err := fn(s); err != nil {
				return err
			}
		}
	}
	return nil
}

// productIndex reads the index back from a code P0001….
func productIndex(code string) int {
	n, _ := strconv.Atoi(code[1:])
	return n - 1
}

// Sales streams the sales for opt; see Generator.Sales.
func Sales(opt Options, months int, fn func(SaleSpec) error) error {
	return New(opt).Sales(months, fn)
}

// rateSample is how many members RateForLines draws to estimate the lines
// per member.
const rateSample = 5000

// RateForLines is the Options.Rate at which opt's members make about lines
// sales lines in months: the lines of the first few thousand members,
// scaled to all of them. A member's shopping days are drawn with a
// probability proportional to the rate, so a second draw at the first
// estimate corrects what little the busiest days' cap bends it.
func RateForLines(opt Options, months int, lines int64) float64 {
	opt = opt.withDefaults()
	if months <= 0 || lines <= 0 {
		return 1
	}
	members := opt.Members
	opt.Members = min(members, rateSample)
	count := func() float64 {
		var n int64
		_ = Sales(opt, months, func(s SaleSpec) error {
			n += int64(len(s.Lines))
			return nil
		})
		return float64(n) * float64(members) / float64(opt.Members)
	}
	for range 2 {
		got := count()
		if got == 0 {
			return opt.Rate
		}
		opt.Rate *= float64(lines) / got
	}
	return opt.Rate
}
