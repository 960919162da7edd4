package groups

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Gender of a member.
type Gender uint8

// Genders.
const (
	GenderUnknown Gender = iota
	Female
	Male
)

// NumGenders counts the genders, unknown included.
const NumGenders = int(Male) + 1

// ParseGender reads "F"/"M", "female"/"male" (any case) or 女/男; anything
// else is GenderUnknown.
func ParseGender(s string) Gender {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "f", "female", "女":
		return Female
	case "m", "male", "男":
		return Male
	}
	return GenderUnknown
}

// Band is an age band.
type Band uint8

// Age bands.
const (
	BandUnknown Band = iota
	Under25
	Age25to34
	Age35to44
	Age45to54
	Age55to64
	Age65Plus
)

// NumBands counts the bands, unknown included.
const NumBands = int(Age65Plus) + 1

// Name is how a group is shown, in both languages.
type Name struct{ Key, ZH, EN string }

// BandNames and GenderNames name the bands and genders.
var (
	BandNames = [NumBands]Name{
		BandUnknown: {"unknown", "年龄未知", "Age unknown"},
		Under25:     {"under_25", "25岁以下", "Under 25"},
		Age25to34:   {"25_34", "25–34岁", "25–34"},
		Age35to44:   {"35_44", "35–44岁", "35–44"},
		Age45to54:   {"45_54", "45–54岁", "45–54"},
		Age55to64:   {"55_64", "55–64岁", "55–64"},
		Age65Plus:   {"65_plus", "65岁及以上", "65 and over"},
	}
	GenderNames = [NumGenders]Name{
		GenderUnknown: {"unknown", "性别未知", "Gender unknown"},
		Female:        {"female", "女", "Female"},
		Male:          {"male", "男", "Male"},
	}
)

func (b Band) String() string {
	if int(b) < NumBands {
		return BandNames[b].Key
	}
	return "invalid"
}

func (g Gender) String() string {
	if int(g) < NumGenders {
		return GenderNames[g].Key
	}
	return "invalid"
}

// Age is the completed years from birth to asOf, by calendar date; -1 when
// birth is the zero time or after asOf.
func Age(birth, asOf time.Time) int {
	if birth.IsZero() {
		return -1
	}
	by, bm, bd := birth.Date()
	ay, am, ad := asOf.Date()
	age := ay - by
	if am < bm || am == bm && ad < bd {
		age--
	}
	if age < 0 {
		return -1
	}
	return age
}

// BandOfAge bands an age in years.
func BandOfAge(age int) Band {
	switch {
	case age < 0 || age > 120:
		return BandUnknown
	case age < 25:
		return Under25
	case age < 35:
		return Age25to34
	case age < 45:
		return Age35to44
	case age < 55:
		return Age45to54
	case age < 65:
		return Age55to64
	}
	return Age65Plus
}

// AgeBand is BandOfAge(Age(birth, asOf)).
func AgeBand(birth, asOf time.Time) Band { return BandOfAge(Age(birth, asOf)) }

// Member is one member's attributes and totals for the period.
type Member struct {
	Band       Band
	Gender     Gender
	Area       int32 // index into the area names given to New; < 0 unknown
	Sales      int   // purchases (sales) in the period
	RevenueFen int64 // spend in the period
}

// Dimension is what members are grouped by.
type Dimension uint8

// Dimensions.
const (
	ByAge Dimension = iota
	ByGender
	ByArea
	ByAgeGender
)

// CategoryShare is one category's part of a group's spend.
type CategoryShare struct {
	Category  int32
	AmountFen int64
	Share     float64
}

// Group holds one group's figures.
type Group struct {
	Dimension     Dimension
	Band          Band   // ByAge and ByAgeGender
	Gender        Gender // ByGender and ByAgeGender
	Area          int32  // ByArea; -1 for unknown
	Key           string // "35_44", "female", the area's name, "35_44/female", "unknown"
	Members       int
	Buyers        int
	Sales         int
	RevenueFen    int64
	AvgPerSale    float64 // fen
	AvgPerBuyer   float64 // fen
	Frequency     float64 // sales per buyer
	MemberShare   float64
	RevenueShare  float64
	TopCategories []CategoryShare
}

// Report holds every dimension's groups and the whole.
type Report struct {
	Total     Group
	Age       []Group // BandUnknown last, the rest youngest first
	Gender    []Group // female, male, unknown
	Area      []Group // in area index order, unknown last
	AgeGender []Group // per band (as Age), female, male, unknown
}

type tally struct {
	members, buyers, sales int
	revenue                int64
	cats                   []int64 // spend by category index
}

// Analysis groups members and collects category spend per group.
type Analysis struct {
	members []Member
	areas   []string
	age     [NumBands]tally
	gender  [NumGenders]tally
	ageGen  [NumBands * NumGenders]tally
	area    []tally // len(areas)+1, the last for unknown
	total   tally
}

// New groups members; areas names the area indices.
func New(members []Member, areas []string) *Analysis {
	a := &Analysis{members: members, areas: areas, area: make([]tally, len(areas)+1)}
	for _, m := range members {
		for _, t := range a.tallies(m) {
			t.members++
			t.sales += m.Sales
			t.revenue += m.RevenueFen
			if m.Sales > 0 {
				t.buyers++
			}
		}
	}
	return a
}

func (a *Analysis) areaIndex(m Member) int {
	if m.Area < 0 || int(m.Area) >= len(a.areas) {
		return len(a.areas)
	}
	return int(m.Area)
}

func (a *Analysis) tallies(m Member) [5]*tally {
	b, g := min(int(m.Band), NumBands-1), min(int(m.Gender), NumGenders-1)
	return [5]*tally{&a.total, &a.age[b], &a.gender[g], &a.ageGen[b*NumGenders+g], &a.area[a.areaIndex(m)]}
}

// AddCategory records spend by member on a category (a dense index ≥ 0).
func (a *Analysis) AddCategory(member int, category int32, amountFen int64) {
	for _, t := range a.tallies(a.members[member]) {
		if int(category) >= len(t.cats) {
			t.cats = append(t.cats, make([]int64, int(category)+1-len(t.cats))...)
		}
		t.cats[category] += amountFen
	}
}

// Report gives every group's figures with its top categories.
func (a *Analysis) Report(topCategories int) *Report {
	r := &Report{}
	mk := func(t *tally, g Group) Group { return a.group(t, g, topCategories) }
	r.Total = mk(&a.total, Group{Key: "all", Area: -1})
	bands := []Band{Under25, Age25to34, Age35to44, Age45to54, Age55to64, Age65Plus, BandUnknown}
	genders := []Gender{Female, Male, GenderUnknown}
	for _, b := range bands {
		r.Age = append(r.Age, mk(&a.age[b], Group{Dimension: ByAge, Band: b, Area: -1, Key: BandNames[b].Key}))
	}
	for _, g := range genders {
		r.Gender = append(r.Gender, mk(&a.gender[g], Group{Dimension: ByGender, Gender: g, Area: -1, Key: GenderNames[g].Key}))
	}
	for i := range a.area {
		g := Group{Dimension: ByArea, Area: int32(i), Key: "unknown"}
		if i < len(a.areas) {
			g.Key = a.areas[i]
		} else {
			g.Area = -1
		}
		r.Area = append(r.Area, mk(&a.area[i], g))
	}
	for _, b := range bands {
		for _, g := range genders {
			r.AgeGender = append(r.AgeGender, mk(&a.ageGen[int(b)*NumGenders+int(g)],
				Group{Dimension: ByAgeGender, Band: b, Gender: g, Area: -1, Key: BandNames[b].Key + "/" + GenderNames[g].Key}))
		}
	}
	return r
}

func (a *Analysis) group(t *tally, g Group, top int) Group {
	g.Members, g.Buyers, g.Sales, g.RevenueFen = t.members, t.buyers, t.sales, t.revenue
	if g.Sales > 0 {
		g.AvgPerSale = float64(g.RevenueFen) / float64(g.Sales)
	}
	if g.Buyers > 0 {
		g.AvgPerBuyer = float64(g.RevenueFen) / float64(g.Buyers)
		g.Frequency = float64(g.Sales) / float64(g.Buyers)
	}
	if a.total.members > 0 {
		g.MemberShare = float64(g.Members) / float64(a.total.members)
	}
	if a.total.revenue != 0 {
		g.RevenueShare = float64(g.RevenueFen) / float64(a.total.revenue)
	}
	var sum int64
	var cs []CategoryShare
	for c, v := range t.cats {
		sum += v
		if v != 0 {
			cs = append(cs, CategoryShare{Category: int32(c), AmountFen: v})
		}
	}
	slices.SortFunc(cs, func(x, y CategoryShare) int {
		if c := cmp.Compare(y.AmountFen, x.AmountFen); c != 0 {
			return c
		}
		return cmp.Compare(x.Category, y.Category)
	})
	cs = cs[:min(top, len(cs))]
	for i := range cs {
		if sum != 0 {
			cs[i].Share = float64(cs[i].AmountFen) / float64(sum)
		}
	}
	g.TopCategories = cs
	return g
}
