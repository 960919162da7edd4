package insight

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analytics/groups"
)

// DefaultGroupDays is the period of group figures, as on the other pages:
// a year of lines takes several seconds to sum on SQLite.
const DefaultGroupDays = 90

// topCategories is how many favourite categories each group lists.
const topCategories = 3

// GroupsQuery asks for group figures.
type GroupsQuery struct {
	Period
	StoreID int64
}

// ParseGroupsQuery reads from, to and store_id.
func ParseGroupsQuery(v url.Values) (GroupsQuery, error) {
	var val linli.Validation
	q := GroupsQuery{Period: parsePeriod(v, &val), StoreID: parseStore(v, &val)}
	return q, val.Err()
}

// CategoryShare is a category's part of a group's spend.
type CategoryShare struct {
	Category  string  `json:"category"`
	AmountFen int64   `json:"amount_fen"`
	Share     float64 `json:"share"`
}

// Group is one group's figures.
type Group struct {
	Key           string          `json:"key"` // "35_44", "female", an area's name, "unknown"
	ZH            string          `json:"zh"`
	EN            string          `json:"en"`
	Members       int             `json:"members"`
	Buyers        int             `json:"buyers"`
	Sales         int             `json:"sales"`
	RevenueFen    int64           `json:"revenue_fen"`
	AvgPerSale    float64         `json:"avg_per_sale_fen"`  // average basket
	AvgPerBuyer   float64         `json:"avg_per_buyer_fen"` // spend per buyer
	Frequency     float64         `json:"frequency"`         // sales per buyer
	MemberShare   float64         `json:"member_share"`
	RevenueShare  float64         `json:"revenue_share"`
	TopCategories []CategoryShare `json:"top_categories"`
}

// Groups is the answer to a GroupsQuery.
type Groups struct {
	Bounds Bounds  `json:"bounds"`
	Total  Group   `json:"total"`
	Age    []Group `json:"age"`    // youngest first, unknown last
	Gender []Group `json:"gender"` // female, male, unknown
	Area   []Group `json:"area"`   // by revenue, unknown last
}

// Groups compares members by age band, gender and area.
func (s *Service) Groups(ctx context.Context, q GroupsQuery) (*Groups, error) {
	_, loc, err := s.zones(ctx, q.StoreID)
	if err != nil {
		return nil, err
	}
	r, b, err := s.resolve(q.Period, DefaultGroupDays, q.StoreID, loc)
	if err != nil {
		return nil, err
	}
	key := keyOf("groups", b.From, b.To, b.Zone, q.StoreID)
	return cached(ctx, s, key, func(ctx context.Context) (*Groups, error) {
		out, err := s.groups(ctx, r, b)
		if err != nil {
			return nil, err
		}
		out.Bounds = b
		out.Bounds.Computed = s.now()
		return out, nil
	})
}

func (s *Service) groups(ctx context.Context, r Range, b Bounds) (*Groups, error) {
	last, _ := time.Parse(time.DateOnly, b.To)
	var members []groups.Member
	index := map[int64]int{}
	areaIndex := map[string]int32{}
	var areas []string
	err := s.store.MemberTotals(ctx, r, func(t MemberTotal) error {
		m := groups.Member{Gender: groups.ParseGender(t.Gender), Area: -1, Sales: t.Sales, RevenueFen: t.NetFen}
		if t.BirthYear > 0 {
			// Only the year is kept in clear: the age reached this year.
			m.Band = groups.BandOfAge(last.Year() - t.BirthYear)
		}
		if t.Area != "" {
			a, ok := areaIndex[t.Area]
			if !ok {
				a = int32(len(areas))
				areaIndex[t.Area] = a
				areas = append(areas, t.Area)
			}
			m.Area = a
		}
		index[t.MemberID] = len(members)
		members = append(members, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: group members: %w", err)
	}
	an := groups.New(members, areas)
	catIndex := map[string]int32{}
	var cats []string
	err = s.store.MemberCategories(ctx, r, func(member int64, category string, amount int64) error {
		i, ok := index[member]
		if !ok || category == "" {
			return nil
		}
		c, ok := catIndex[category]
		if !ok {
			c = int32(len(cats))
			catIndex[category] = c
			cats = append(cats, category)
		}
		an.AddCategory(i, c, amount)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("insight: group categories: %w", err)
	}
	rep := an.Report(topCategories)
	group := func(g groups.Group, zh, en string) Group {
		out := Group{Key: g.Key, ZH: zh, EN: en, Members: g.Members, Buyers: g.Buyers, Sales: g.Sales, RevenueFen: g.RevenueFen,
			AvgPerSale: g.AvgPerSale, AvgPerBuyer: g.AvgPerBuyer, Frequency: g.Frequency, MemberShare: g.MemberShare,
			RevenueShare: g.RevenueShare, TopCategories: []CategoryShare{}}
		for _, c := range g.TopCategories {
			out.TopCategories = append(out.TopCategories, CategoryShare{Category: cats[c.Category], AmountFen: c.AmountFen, Share: c.Share})
		}
		return out
	}
	out := &Groups{Total: group(rep.Total, "全部会员", "All members"), Age: []Group{}, Gender: []Group{}, Area: []Group{}}
	for _, g := range rep.Age {
		n := groups.BandNames[g.Band]
		out.Age = append(out.Age, group(g, n.ZH, n.EN))
	}
	for _, g := range rep.Gender {
		n := groups.GenderNames[g.Gender]
		out.Gender = append(out.Gender, group(g, n.ZH, n.EN))
	}
	for _, g := range rep.Area {
		if g.Area < 0 {
			out.Area = append(out.Area, group(g, "区域未知", "Area unknown"))
			continue
		}
		out.Area = append(out.Area, group(g, areas[g.Area], areas[g.Area]))
	}
	// Areas by revenue, then name; the unknown group stays last.
	known := out.Area
	if n := len(known); n > 0 && rep.Area[n-1].Area < 0 {
		known = known[:n-1]
	}
	slices.SortStableFunc(known, func(a, b Group) int {
		if a.RevenueFen != b.RevenueFen {
			if a.RevenueFen > b.RevenueFen {
				return -1
			}
			return 1
		}
		if a.Key < b.Key {
			return -1
		}
		if a.Key > b.Key {
			return 1
		}
		return 0
	})
	return out, nil
}
