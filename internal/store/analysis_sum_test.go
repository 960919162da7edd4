package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

// The aggregates agree with their definition on random sales: SQLite sums
// them in Go in one ordered pass, PostgreSQL in a grouped query.
func TestAnalysisAggregatesRandom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const d0, members = 20000, 60
		r := rand.New(rand.NewPCG(7, 11))
		statuses := []string{"completed", "completed", "completed", "completed", "voided", "refunded"}
		var sales []analysisSale
		for range 1500 {
			s := analysisSale{member: r.Int64N(members + 1), day: d0 + r.IntN(40), hour: r.IntN(24),
				amount: r.Int64N(5000), status: statuses[r.IntN(len(statuses))]}
			if r.IntN(5) == 0 {
				s.ref = r.Int64N(s.amount + 1) // some days net to nothing
			}
			sales = append(sales, s)
		}
		seedAnalysisSales(t, db, members, sales)
		asOf := time.Unix(int64(d0+30)*86400, 0).UTC()

		// The definition: per member, the days (in the zone of the offset)
		// of the sales before as-of whose completed sales net to more than
		// zero.
		for _, offset := range []int{0, 8 * 3600, -5 * 3600} {
			type key struct {
				member int64
				day    int
			}
			net := map[key]int64{}
			for _, s := range sales {
				if s.member != 0 && s.status == "completed" && s.day < d0+30 {
					local := analysis.Day((int64(s.day)*86400+int64(s.hour)*3600)*1000, offset)
					net[key{s.member, local}] += s.amount - s.ref
				}
			}
			var want []analysis.Aggregate
			for m := int64(1); m <= members; m++ {
				g := analysis.Aggregate{MemberID: m}
				for d := d0 - 1; d <= d0+30; d++ {
					n, ok := net[key{m, d}]
					if !ok || n <= 0 {
						continue
					}
					if g.Days == 0 {
						g.FirstDay, g.FirstDayFen = d, n
					}
					g.LastDay = d
					g.Days++
					g.NetFen += n
				}
				if g.Days > 0 {
					want = append(want, g)
				}
			}
			var got []analysis.Aggregate
			if err := store.NewAnalysis(db).MemberAggregates(context.Background(), asOf, offset, func(g analysis.Aggregate) error {
				got = append(got, g)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(want) < members/2 || !slices.Equal(got, want) {
				t.Errorf("offset %d s, aggregates of %d members:\n got %+v\nwant %+v", offset, len(want), got, want)
			}
		}
	})
}
