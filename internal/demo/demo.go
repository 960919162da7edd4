// Package demo generates a believable community supermarket chain — stores
// and members for now — as plain values, for the demo command, screenshots,
// load tests and analytics trials. Output depends only on Options: the same
// options give byte-identical data on every machine.
//
// Each member is drawn from its own random stream keyed by (Seed, index), so
// member i can be rebuilt on its own (Generator.Member) without drawing the
// members before it, and data added later (purchases, tickets) can look up a
// member's traits cheaply.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli/internal/member"
)

// Defaults applied to zero (or negative) Options fields.
const (
	DefaultSeed    = 1
	DefaultMembers = 3000
	DefaultStores  = 2
)

// MaxMembers is the most members one run can produce: every member gets a
// distinct mobile number, and that space is finite.
const MaxMembers = int(phoneSpace)

// DefaultNow is the reference date used when Options.Now is zero, so that a
// run without a clock is still reproducible.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// chinaTime is the calendar birthdays are written in. A fixed zone avoids a
// dependency on the host's tz database.
var chinaTime = time.FixedZone("CST", 8*3600)

// Options choose what to generate.
type Options struct {
	Seed    int64
	Members int
	Stores  int
	Now     time.Time // "today" for ages and birthdays
	// Rate scales how often every member shops (0 means 1): below 1 for a
	// large, mostly occasional membership, as RateForLines works out.
	Rate float64
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Members <= 0 {
		o.Members = DefaultMembers
	}
	if o.Stores <= 0 {
		o.Stores = DefaultStores
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	if o.Rate <= 0 {
		o.Rate = 1
	}
	return o
}

// StoreSpec is one store of the chain, in the order stores are created: the
// k-th spec (from 0) becomes store id k+1.
type StoreSpec struct {
	Code     string
	Name     string
	Timezone string
	Address  string
	Phone    string
}

// Streams: each kind of data draws from its own stream so that adding a kind
// never shifts the values of another.
const (
	streamPerson uint64 = iota + 1
	streamDetail
	streamStore
	streamJoin
)

// yearsOpen is how long the demo chain has been signing members up. Member
// i of n registered about i/n of the way from then to yesterday: ids follow
// registration order, so referrers joined before the friends they brought,
// and a quarter of the members joined in the last year, some sixty a month
// at the default size.
const yearsOpen = 4

// Rates of the data-quality gaps and oddities the demo data carries on
// purpose, so reports have something to show.
const (
	rateFemale          = 0.58
	rateNoGender        = 0.01
	rateNoBirthday      = 0.05
	rateNoArea          = 0.03
	rateFarArea         = 0.12 // lives by another store's compounds
	rateNoAddress       = 0.08
	rateNoOccupation    = 0.10
	rateNoPreferences   = 0.15
	rateTagged          = 0.20
	rateReferred        = 0.05
	rateNoConsent       = 0.06 // never asked (mostly old imports)
	duplicatesPerMille  = 5
	firstDuplicateIndex = 20
)

// Generator holds the pools and random state for one set of Options. It is
// not safe for concurrent use; make one per goroutine (they agree).
type Generator struct {
	opt    Options
	key    uint64
	src    rand.PCG
	rng    *rand.Rand
	phones phonePerm
	today  time.Time // midnight of Options.Now in China

	stores    []StoreSpec
	storePick weighted
	storeW    []int      // the stores' weights in storePick
	near      []weighted // per store: compounds it serves (indexes into nearIdx)
	nearIdx   [][]int
	anyArea   weighted

	family   list
	ages     weighted
	tags     list
	prefs    [2][3]weighted // [male?][age segment]
	buf      []byte
	pickedCs []bool
}

// New prepares a generator; zero Options fields take the defaults.
func New(opt Options) *Generator {
	opt = opt.withDefaults()
	g := &Generator{opt: opt, key: mix(uint64(opt.Seed))}
	g.rng = rand.New(&g.src)
	g.phones = newPhonePerm(g.key ^ 0x70686f6e65) // "phone"
	y, m, d := opt.Now.In(chinaTime).Date()
	g.today = time.Date(y, m, d, 0, 0, 0, 0, chinaTime)

	g.family = newList(familyNames)
	g.tags = newList(tagPool)
	ws := make([]int, len(ageBands))
	for i, b := range ageBands {
		ws[i] = b.w
	}
	g.ages = newWeighted(ws)
	for seg := range 3 {
		f := make([]int, len(categories))
		m := make([]int, len(categories))
		for i, c := range categories {
			f[i], m[i] = c.f[seg], c.m[seg]
		}
		g.prefs[0][seg] = newWeighted(f)
		g.prefs[1][seg] = newWeighted(m)
	}
	g.pickedCs = make([]bool, len(categories))

	g.buildStores()
	return g
}

// Options returns the options in effect, defaults filled in.
func (g *Generator) Options() Options { return g.opt }

// stream points the generator's rng at the stream for (kind, i).
func (g *Generator) stream(kind uint64, i int) *rand.Rand {
	g.src.Seed(mix(g.key^kind), mix(uint64(i)^mix(g.key+kind)))
	return g.rng
}

// buildStores lays out the chain: store k sits by compound k and serves the
// compounds dealt to it round-robin; the first store is the flagship and the
// others are progressively smaller.
func (g *Generator) buildStores() {
	n := g.opt.Stores
	r := g.stream(streamStore, 0)
	g.stores = make([]StoreSpec, n)
	sw := make([]int, n)
	g.nearIdx = make([][]int, n)
	for k := range n {
		s := StoreSpec{Code: fmt.Sprintf("S%03d", k+1), Timezone: "Asia/Shanghai"}
		road := "人民路"
		if k < len(compounds) {
			s.Name = "邻里超市·" + compounds[k].branch
			road = compounds[k].road
		} else {
			s.Name = fmt.Sprintf("邻里超市·%d号店", k+1)
		}
		s.Address = fmt.Sprintf("上海市%s%s%d号", districts.pick(r), road, 8+r.IntN(120)*2)
		s.Phone = fmt.Sprintf("021-%d%07d", 5+r.IntN(2), r.IntN(10_000_000))
		g.stores[k] = s
		sw[k] = 1000 * 10 / (10 + 3*k)
	}
	g.storePick = newWeighted(sw)
	g.storeW = sw

	all := make([]int, len(compounds))
	for c, cp := range compounds {
		g.nearIdx[c%n] = append(g.nearIdx[c%n], c)
		all[c] = cp.weight
	}
	g.anyArea = newWeighted(all)
	g.near = make([]weighted, n)
	for k, idx := range g.nearIdx {
		if len(idx) == 0 {
			continue // more stores than compounds: this store draws from all
		}
		ws := make([]int, len(idx))
		for j, c := range idx {
			ws[j] = compounds[c].weight
		}
		g.near[k] = newWeighted(ws)
	}
}

// Stores returns the chain's stores in creation order.
func (g *Generator) Stores() []StoreSpec {
	return append([]StoreSpec(nil), g.stores...)
}

// person is who a member is, apart from how they joined: the part a
// duplicate registration shares with the original.
type person struct {
	female   bool
	age      int
	name     string
	gender   string
	birthday string
	store    int // 0-based
	area     int // compound index, -1 when unknown
}

func (g *Generator) person(i int) person {
	r := g.stream(streamPerson, i)
	var p person
	p.female = chance(r, rateFemale)
	p.gender = member.GenderMale
	if p.female {
		p.gender = member.GenderFemale
	}
	if chance(r, rateNoGender) {
		p.gender = ""
	}
	b := ageBands[g.ages.pick(r)]
	p.age = b.lo + r.IntN(b.hi-b.lo+1)

	// Birthday: between age and age+1 years ago, so the age is exact.
	born := g.today.AddDate(-p.age, 0, -r.IntN(365))
	if !chance(r, rateNoBirthday) {
		p.birthday = born.Format(time.DateOnly)
	}
	p.name = g.name(r, p.female, born.Year())

	p.store = g.storePick.pick(r)
	p.area = -1
	switch x := r.Float64(); {
	case x < rateNoArea:
	case x < rateNoArea+rateFarArea || len(g.nearIdx[p.store]) == 0:
		p.area = g.anyArea.pick(r)
	default:
		p.area = g.nearIdx[p.store][g.near[p.store].pick(r)]
	}
	return p
}

func (g *Generator) name(r *rand.Rand, female bool, born int) string {
	era := 2
	switch {
	case born < 1965:
		era = 0
	case born < 1990:
		era = 1
	}
	np := &maleNames[era]
	if female {
		np = &femaleNames[era]
	}
	fam := g.family.pick(r)
	x := r.Float64()
	// Single-character given names were common in the 1970s–80s; compound
	// family names almost always take two characters.
	single := 0.12
	if era == 1 {
		single = 0.25
	}
	switch {
	case x < single && len(fam) == len("王"):
		return fam + np.single.pick(r)
	case x < 0.65 || np.first.items == nil:
		return fam + np.double.pick(r)
	default:
		return fam + np.first.pick(r) + np.second.pick(r)
	}
}

// isDuplicate reports whether member i is a second registration of an
// earlier person (same name and birthday, new phone). Decided by a hash, not
// the stream, so it is cheap to ask about any index.
func (g *Generator) isDuplicate(i int) bool {
	return i >= firstDuplicateIndex && mix(g.key^uint64(i)^0x647570)%1000 < duplicatesPerMille
}

// original finds the person member i duplicates: an earlier member that is
// not a duplicate itself and has a birthday, so the pair is detectable.
func (g *Generator) original(i int) (person, bool) {
	for j := int(mix(g.key+uint64(i)) % uint64(i)); j >= 0; j-- {
		if g.isDuplicate(j) {
			continue
		}
		if p := g.person(j); p.birthday != "" {
			return p, true
		}
	}
	return person{}, false
}

// Member returns member i (0-based; it becomes member id i+1 when members
// are created in order). Any 0 ≤ i < MaxMembers is allowed, whatever
// Options.Members says; other values panic.
func (g *Generator) Member(i int) member.Input {
	if i < 0 || i >= MaxMembers {
		panic(fmt.Sprintf("demo: member index %d out of range", i))
	}
	p, ok := person{}, false
	if g.isDuplicate(i) {
		p, ok = g.original(i)
	}
	if !ok {
		p = g.person(i)
	}
	r := g.stream(streamDetail, i)
	in := member.Input{
		Name:     p.name,
		Phone:    g.phones.phone(uint64(i)),
		Gender:   p.gender,
		Birthday: p.birthday,
		StoreID:  int64(p.store + 1),
	}
	if p.area >= 0 {
		in.Area = compounds[p.area].name
		if !chance(r, rateNoAddress) {
			in.Address = g.address(r, &compounds[p.area])
		}
	}

	seg := 1
	switch {
	case p.age < 30:
		seg = 0
	case p.age >= 55:
		seg = 2
	}
	if i > 0 && chance(r, rateReferred) {
		// Long-standing members have had more time to bring friends, so
		// referrers lean towards early ids.
		u := r.Float64()
		in.ReferrerID = 1 + int64(float64(i)*u*u)
		in.Channel = "referral"
	} else {
		switch seg {
		case 0:
			in.Channel = channelsYoung.pick(r)
		case 1:
			in.Channel = channelsAdult.pick(r)
		default:
			in.Channel = channelsSenior.pick(r)
		}
	}

	if !chance(r, rateNoOccupation) {
		retire := 60
		if p.female {
			retire = 55
		}
		switch {
		case p.age < 23:
			in.Occupation = studentJobs.pick(r)
		case p.age >= retire:
			in.Occupation = retiredJobs.pick(r)
		case p.female:
			in.Occupation = workingF.pick(r)
		default:
			in.Occupation = workingM.pick(r)
		}
	}

	if !chance(r, rateNoPreferences) {
		in.Preferences = g.preferences(r, p.female, seg)
	}
	if chance(r, rateTagged) {
		in.Tags = g.pickTags(r, p)
	}
	in.Consent = consent(r, in.Channel)
	// Last, and from a stream of its own: it reseeds the shared source.
	in.CreatedAt = g.joined(i)
	return in
}

// joined is when member i registered: a day in opening hours, before today.
func (g *Generator) joined(i int) time.Time {
	r := g.stream(streamJoin, i)
	open := g.today.AddDate(-yearsOpen, 0, 0)
	days := int(g.today.Sub(open).Hours() / 24)
	f := min((float64(i)+r.Float64())/float64(g.opt.Members), 1-1e-9)
	day := open.AddDate(0, 0, int(f*float64(days)))
	return day.Add(time.Duration(8*60+r.IntN(13*60)) * time.Minute).UTC()
}

func (g *Generator) address(r *rand.Rand, c *compound) string {
	b := g.buf[:0]
	floor := 1 + r.IntN(c.floors)
	if c.old {
		b = strconv.AppendInt(b, int64(1+r.IntN(c.blocks)), 10)
		b = append(b, "号"...)
		b = strconv.AppendInt(b, int64(floor*100+1+r.IntN(4)), 10)
		b = append(b, "室"...)
	} else {
		b = strconv.AppendInt(b, int64(1+r.IntN(c.blocks)), 10)
		b = append(b, "栋"...)
		b = strconv.AppendInt(b, int64(1+r.IntN(3)), 10)
		b = append(b, "单元"...)
		b = strconv.AppendInt(b, int64(floor*100+1+r.IntN(4)), 10)
	}
	g.buf = b
	return string(b)
}

// preferences names one to three categories in catalogue order.
func (g *Generator) preferences(r *rand.Rand, female bool, seg int) string {
	w := g.prefs[0][seg]
	if !female {
		w = g.prefs[1][seg]
	}
	n := 1 + r.IntN(3)
	clear(g.pickedCs)
	for range n {
		g.pickedCs[w.pick(r)] = true // a repeat just means fewer categories
	}
	var sb strings.Builder
	for c, ok := range g.pickedCs {
		if ok {
			if sb.Len() > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(categories[c].name)
		}
	}
	return sb.String()
}

func (g *Generator) pickTags(r *rand.Rand, p person) []string {
	n := 1
	if chance(r, 0.3) {
		n = 2
	}
	tags := make([]string, 0, n)
	for len(tags) < n {
		t := g.tags.pick(r)
		if t == "宝妈" && !(p.female && p.age >= 24 && p.age <= 42) {
			t = "老顾客"
		}
		if len(tags) == 1 && tags[0] == t {
			n = 1 // drew the same tag twice; one is enough
			continue
		}
		tags = append(tags, t)
	}
	return tags
}

// consent draws the marketing permissions given at sign-up. Members
// imported from an old system often come without any record of consent.
func consent(r *rand.Rand, channel string) map[string]bool {
	none := rateNoConsent
	if channel == "import" {
		none = 0.3
	}
	if chance(r, none) {
		return nil
	}
	app := 0.26
	if channel == "mobile" || channel == "online" {
		app = 0.6
	}
	return map[string]bool{
		"sms":    chance(r, 0.78),
		"wechat": chance(r, 0.67),
		"email":  chance(r, 0.11),
		"app":    chance(r, app),
	}
}

// Members calls fn for members 0 … Options.Members-1 in order and stops at
// the first error, which it returns.
func (g *Generator) Members(fn func(i int, in member.Input) error) error {
	if g.opt.Members > MaxMembers {
		return fmt.Errorf("demo: %d members requested, at most %d possible", g.opt.Members, MaxMembers)
	}
	for i := range g.opt.Members {
		if err := fn(i, g.Member(i)); err != nil {
			return err
		}
	}
	return nil
}

// Stores returns the stores for opt in creation order.
func Stores(opt Options) []StoreSpec { return New(opt).Stores() }

// Members streams the members for opt to fn; see Generator.Members.
func Members(opt Options, fn func(i int, in member.Input) error) error {
	return New(opt).Members(fn)
}

// storeShares is each store's share of the members, as drawn.
func (g *Generator) storeShares() []float64 {
	sum := 0
	for _, w := range g.storeW {
		sum += w
	}
	out := make([]float64, len(g.storeW))
	for k, w := range g.storeW {
		out[k] = float64(w) / float64(sum)
	}
	return out
}
