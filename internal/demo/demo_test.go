package demo

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/linli/linli/internal/member"
)

// digest hashes the JSON of every store and member, so equal digests mean
// byte-identical output.
func digest(t testing.TB, opt Options) [32]byte {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	if err := enc.Encode(Stores(opt)); err != nil {
		t.Fatal(err)
	}
	err := Members(opt, func(i int, in member.Input) error { return enc.Encode(in) })
	if err != nil {
		t.Fatal(err)
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func collect(t testing.TB, opt Options) []member.Input {
	t.Helper()
	var out []member.Input
	err := Members(opt, func(i int, in member.Input) error {
		if i != len(out) {
			t.Fatalf("member index %d, want %d", i, len(out))
		}
		out = append(out, in)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	base := Options{Seed: 7, Members: 5000, Stores: 3}
	a, b := digest(t, base), digest(t, base)
	if a != b {
		t.Fatal("same options gave different output")
	}
	tests := []struct {
		name string
		opt  Options
	}{
		{"seed", Options{Seed: 8, Members: 5000, Stores: 3}},
		{"stores", Options{Seed: 7, Members: 5000, Stores: 4}},
		{"now", Options{Seed: 7, Members: 5000, Stores: 3, Now: DefaultNow.AddDate(1, 0, 0)}},
	}
	for _, tt := range tests {
		if digest(t, tt.opt) == a {
			t.Errorf("changing %s did not change the output", tt.name)
		}
	}
	if digest(t, Options{}) != digest(t, Options{Seed: DefaultSeed, Members: DefaultMembers, Stores: DefaultStores, Now: DefaultNow}) {
		t.Error("zero options differ from the explicit defaults")
	}
}

func TestDifferentSeedsDifferPerMember(t *testing.T) {
	a := collect(t, Options{Seed: 1, Members: 1000})
	b := collect(t, Options{Seed: 2, Members: 1000})
	same := 0
	for i := range a {
		if a[i].Name == b[i].Name && a[i].Phone == b[i].Phone {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d of 1000 members identical across seeds", same)
	}
}

func TestMemberRandomAccess(t *testing.T) {
	opt := Options{Seed: 3, Members: 3000}
	all := collect(t, opt)
	g := New(opt)
	for _, i := range []int{2999, 0, 1500, 42, 7, 2000} {
		a, _ := json.Marshal(all[i])
		b, _ := json.Marshal(g.Member(i))
		if string(a) != string(b) {
			t.Errorf("Member(%d) = %s, streamed %s", i, b, a)
		}
	}
	// A longer run starts with the shorter one.
	longer := collect(t, Options{Seed: 3, Members: 3500})
	for i := range all {
		if all[i].Phone != longer[i].Phone || all[i].Name != longer[i].Name {
			t.Fatalf("member %d changed when more members were asked for", i)
		}
	}
}

func TestPhonesValidAndUnique(t *testing.T) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	seen := make(map[string]int, n)
	prefixes := map[string]bool{}
	err := Members(Options{Members: n}, func(i int, in member.Input) error {
		p, err := member.NormalizePhone(in.Phone)
		if err != nil {
			t.Fatalf("member %d phone %q: %v", i, in.Phone, err)
		}
		if p != in.Phone {
			t.Fatalf("member %d phone %q normalises to %q", i, in.Phone, p)
		}
		if j, ok := seen[p]; ok {
			t.Fatalf("members %d and %d share phone %s", j, i, p)
		}
		seen[p] = i
		prefixes[p[:3]] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(prefixes) != len(mobilePrefixes) {
		t.Errorf("%d prefixes used, want all %d", len(prefixes), len(mobilePrefixes))
	}
}

func TestPhonePermutationIsBijective(t *testing.T) {
	// Walk the permutation's tail too: indexes near the top of the space.
	p := newPhonePerm(12345)
	seen := map[uint64]bool{}
	for _, start := range []uint64{0, phoneSpace - 50_000} {
		for i := start; i < start+50_000; i++ {
			x := p.index(i)
			if x >= phoneSpace {
				t.Fatalf("index(%d) = %d out of space", i, x)
			}
			if seen[x] {
				t.Fatalf("index(%d) = %d repeats", i, x)
			}
			seen[x] = true
		}
	}
}

func TestBirthdaysAndAges(t *testing.T) {
	now := time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)
	ms := collect(t, Options{Seed: 11, Members: 20_000, Now: now})
	var missing, midlife, seniors int
	for i, in := range ms {
		if in.Birthday == "" {
			missing++
			continue
		}
		d, err := member.ParseBirthday(in.Birthday, now)
		if err != nil || d != in.Birthday {
			t.Fatalf("member %d birthday %q: %q, %v", i, in.Birthday, d, err)
		}
		b, _ := time.Parse(time.DateOnly, d)
		age := now.Year() - b.Year()
		if now.YearDay() < b.YearDay() {
			age--
		}
		if age < 16 || age > 91 {
			t.Errorf("member %d is %d years old", i, age)
		}
		if age >= 30 && age <= 70 {
			midlife++
		}
		if age >= 60 {
			seniors++
		}
	}
	n := float64(len(ms))
	within(t, "missing birthday", float64(missing)/n, 0.04, 0.065)
	with := n - float64(missing)
	within(t, "aged 30–70", float64(midlife)/with, 0.65, 0.85)
	within(t, "aged 60+", float64(seniors)/with, 0.20, 0.40)
}

func within(t *testing.T, what string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.3f, want %.3f–%.3f", what, got, lo, hi)
	}
}

func TestDistribution(t *testing.T) {
	const stores = 3
	ms := collect(t, Options{Seed: 5, Members: 30_000, Stores: stores})
	n := float64(len(ms))
	count := map[string]int{}
	areas := map[string]int{}
	channels := map[string]int{}
	perStore := make([]int, stores+1)
	for i, in := range ms {
		id := int64(i + 1)
		if in.Name == "" || utf8.RuneCountInString(in.Name) < 2 || utf8.RuneCountInString(in.Name) > 4 {
			t.Errorf("member %d name %q", i, in.Name)
		}
		switch in.Gender {
		case member.GenderFemale:
			count["female"]++
		case member.GenderMale:
			count["male"]++
		case "":
			count["no gender"]++
		default:
			t.Errorf("member %d gender %q", i, in.Gender)
		}
		if in.StoreID < 1 || in.StoreID > stores {
			t.Fatalf("member %d store %d", i, in.StoreID)
		}
		perStore[in.StoreID]++
		if in.CardNo != "" {
			t.Errorf("member %d has card %q", i, in.CardNo)
		}
		if in.Area == "" {
			count["no area"]++
			if in.Address != "" {
				t.Errorf("member %d has an address without an area", i)
			}
		}
		areas[in.Area]++
		if in.Occupation == "" {
			count["no occupation"]++
		}
		channels[in.Channel]++
		if (in.Channel == "referral") != (in.ReferrerID != 0) {
			t.Errorf("member %d channel %q referrer %d", i, in.Channel, in.ReferrerID)
		}
		if in.ReferrerID < 0 || in.ReferrerID >= id {
			t.Errorf("member %d (id %d) referred by %d", i, id, in.ReferrerID)
		}
		if len(in.Tags) > 0 {
			count["tagged"]++
		}
		if len(in.Tags) == 2 && in.Tags[0] == in.Tags[1] {
			t.Errorf("member %d has tag %q twice", i, in.Tags[0])
		}
		if in.Preferences != "" {
			for p := range strings.SplitSeq(in.Preferences, ", ") {
				if p == "" || strings.Contains(p, ",") {
					t.Errorf("member %d preferences %q", i, in.Preferences)
				}
			}
		}
		if in.Consent == nil {
			count["no consent"]++
		}
		for _, ch := range member.ConsentChannels {
			if in.Consent[ch] {
				count["consent "+ch]++
			}
		}
		for ch := range in.Consent {
			if !contains(member.ConsentChannels, ch) {
				t.Errorf("member %d consent channel %q", i, ch)
			}
		}
	}
	share := func(k string) float64 { return float64(count[k]) / n }
	within(t, "female share", float64(count["female"])/float64(count["female"]+count["male"]), 0.55, 0.61)
	within(t, "no gender", share("no gender"), 0.003, 0.02)
	within(t, "no area", share("no area"), 0.01, 0.05)
	within(t, "no occupation", share("no occupation"), 0.08, 0.12)
	within(t, "tagged", share("tagged"), 0.17, 0.23)
	within(t, "sms consent", share("consent sms"), 0.65, 0.75)
	within(t, "wechat consent", share("consent wechat"), 0.55, 0.65)
	within(t, "email consent", share("consent email"), 0.07, 0.13)
	within(t, "app consent", share("consent app"), 0.25, 0.35)
	within(t, "no consent", share("no consent"), 0.05, 0.15)
	within(t, "referral", float64(channels["referral"])/n, 0.04, 0.06)
	within(t, "counter", float64(channels["counter"])/n, 0.35, 0.55)
	for ch := range channels {
		if !contains(member.AcquisitionChannels, ch) {
			t.Errorf("channel %q is not an acquisition channel", ch)
		}
	}
	if len(areas) < 20 || len(areas) > 41 {
		t.Errorf("%d distinct areas", len(areas))
	}
	if !(perStore[1] > perStore[2] && perStore[2] > perStore[3] && perStore[3] > 0) {
		t.Errorf("members per store %v: want the flagship first", perStore[1:])
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestDuplicateCandidates(t *testing.T) {
	ms := collect(t, Options{Seed: 9, Members: 20_000})
	type key struct{ name, birthday string }
	first := map[key]int{}
	pairs := 0
	for i, in := range ms {
		if in.Birthday == "" {
			continue
		}
		k := key{in.Name, in.Birthday}
		if j, ok := first[k]; ok {
			pairs++
			if ms[j].Phone == in.Phone {
				t.Errorf("duplicates %d and %d share a phone", j, i)
			}
			continue
		}
		first[k] = i
	}
	within(t, "duplicate candidates", float64(pairs)/float64(len(ms)), 0.003, 0.008)
}

func TestStores(t *testing.T) {
	tests := []struct {
		n     int
		first string
	}{
		{0, "邻里超市·幸福里店"},
		{1, "邻里超市·幸福里店"},
		{5, "邻里超市·幸福里店"},
		{40, "邻里超市·幸福里店"},
	}
	for _, tt := range tests {
		ss := Stores(Options{Stores: tt.n})
		want := tt.n
		if want == 0 {
			want = DefaultStores
		}
		if len(ss) != want {
			t.Fatalf("Stores(%d): %d stores", tt.n, len(ss))
		}
		if ss[0].Name != tt.first {
			t.Errorf("Stores(%d)[0] = %q", tt.n, ss[0].Name)
		}
		codes, names := map[string]bool{}, map[string]bool{}
		for _, s := range ss {
			if codes[s.Code] || names[s.Name] {
				t.Errorf("repeated store %+v", s)
			}
			codes[s.Code], names[s.Name] = true, true
			if s.Timezone != "Asia/Shanghai" || !strings.HasPrefix(s.Address, "上海市") || !strings.HasPrefix(s.Phone, "021-") || len(s.Phone) != 12 {
				t.Errorf("store %+v", s)
			}
		}
	}
	// Members of a 40-store chain land in every store.
	seen := map[int64]bool{}
	_ = Members(Options{Members: 5000, Stores: 40}, func(_ int, in member.Input) error {
		seen[in.StoreID] = true
		return nil
	})
	if len(seen) != 40 {
		t.Errorf("members in %d of 40 stores", len(seen))
	}
}

func TestMembersStopsOnError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := Members(Options{Members: 100}, func(i int, _ member.Input) error {
		calls++
		if i == 9 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 10 {
		t.Errorf("err %v after %d calls, want stop after 10", err, calls)
	}
	if err := Members(Options{Members: MaxMembers + 1}, func(int, member.Input) error { return nil }); err == nil {
		t.Error("no error for more members than phone numbers")
	}
}

func TestPoolsHaveNoRepeats(t *testing.T) {
	check := func(what string, ss []string) {
		seen := map[string]bool{}
		for _, s := range ss {
			if seen[s] {
				t.Errorf("%s: %q twice", what, s)
			}
			seen[s] = true
		}
	}
	var fam, cps, branches []string
	for _, f := range familyNames {
		fam = append(fam, f.s)
	}
	for _, c := range compounds {
		cps, branches = append(cps, c.name), append(branches, c.branch)
	}
	check("family names", fam)
	check("compounds", cps)
	check("branches", branches)
	for era := range 3 {
		for _, np := range []namePool{maleNames[era], femaleNames[era]} {
			check("single names", np.single.items)
			check("double names", np.double.items)
		}
	}
	if len(compounds) < 20 || len(compounds) > 40 {
		t.Errorf("%d compounds", len(compounds))
	}
}

func BenchmarkMembers(b *testing.B) {
	const n = 1_000_000
	opt := Options{Members: n, Stores: 5}
	for b.Loop() {
		if err := Members(opt, func(int, member.Input) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/member")
}

// TestJoined checks the registration times: within the chain's years, in
// id order by day, a quarter in the last year, referrers before the
// friends they brought.
func TestJoined(t *testing.T) {
	opt := Options{Members: 3000, Now: time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)}
	g := New(opt)
	today := time.Date(2026, 11, 24, 0, 0, 0, 0, chinaTime)
	var joined []time.Time
	lastYear := 0
	err := g.Members(func(i int, in member.Input) error {
		at := in.CreatedAt
		if at.Before(today.AddDate(-yearsOpen, 0, 0)) || !at.Before(today) {
			t.Errorf("member %d registered at %s", i, at)
		}
		if h := at.In(chinaTime).Hour(); h < 8 || h > 20 {
			t.Errorf("member %d registered at %s, outside opening hours", i, at.In(chinaTime))
		}
		if i > 0 && dayOf(at) < dayOf(joined[i-1]) {
			t.Errorf("member %d registered on %s, before member %d (%s)", i, at, i-1, joined[i-1])
		}
		if in.ReferrerID != 0 && joined[in.ReferrerID-1].After(at) {
			t.Errorf("member %d registered before their referrer %d", i, in.ReferrerID)
		}
		if !at.Before(today.AddDate(-1, 0, 0)) {
			lastYear++
		}
		joined = append(joined, at)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if lastYear < 700 || lastYear > 800 {
		t.Errorf("%d of 3000 registered in the last year, want about 750", lastYear)
	}
}

func dayOf(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }
