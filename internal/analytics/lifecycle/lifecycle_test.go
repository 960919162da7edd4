package lifecycle

import (
	"slices"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func day(y int, m time.Month, d int) int { return Day(date(y, m, d), time.UTC) }

// weekly adds a purchase every seven days from a to b inclusive.
func weekly(t *Tracker, member int, a, b time.Time) {
	for d := a; !d.After(b); d = d.AddDate(0, 0, 7) {
		t.Add(member, Day(d, time.UTC))
	}
}

func stagesOf(r *Result, member int) []Stage {
	return r.Stages[member*len(r.Months) : (member+1)*len(r.Months)]
}

func TestStories(t *testing.T) {
	tr, err := NewTracker(date(2024, 1, 15), date(2025, 3, 31), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Months()) != 15 || tr.Months()[0].First != day(2024, 1, 1) || tr.Months()[14].Last != day(2025, 3, 31) {
		t.Fatalf("months %+v", tr.Months())
	}
	// 0: weekly shopper January to June 2024, silent, back in February 2025.
	weekly(tr, 0, date(2024, 1, 3), date(2024, 6, 26))
	tr.Add(0, day(2025, 2, 10))
	// 1: registers in January, first buys in March, then monthly.
	tr.Join(1, day(2024, 1, 20))
	for m := time.March; m <= time.December; m++ {
		tr.Add(1, day(2024, m, 5))
	}
	// 2: registers in May 2024 and never buys.
	tr.Join(2, day(2024, 5, 2))
	// 3: a single purchase.
	tr.Add(3, day(2024, 2, 14))
	// 4: bought weekly before the range, carries on in it.
	weekly(tr, 4, date(2023, 9, 1), date(2025, 3, 31))
	// 5: nothing at all (grown into by member 6).
	// 6: two lines on one day count as one purchase day.
	tr.Add(6, day(2024, 3, 1))
	tr.Add(6, day(2024, 3, 1))
	tr.Add(6, day(2025, 5, 1)) // after the range
	if tr.Outside != 1 {
		t.Errorf("Outside = %d, want 1", tr.Outside)
	}

	res, err := tr.Stages(Config{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		X = Absent
		P = Prospect
		N = New
		A = Active
		L = Loyal
		R = AtRisk
		D = Lapsed
		W = WonBack
	)
	// Member 0's rhythm is 7 days: at risk after 30 silent days (end of
	// July), lapsed after 90 (end of September); the February 2025 purchase
	// follows a gap beyond the threshold (won back), and by the end of March
	// 49 silent days exceed twice its new mean interval of 15.5 days.
	// Member 1 buys monthly (interval 30.5): at risk after 61 days, lapsed
	// after 122. Members 3 and 6 bought once (interval 30): at risk after 60
	// days, lapsed after 120.
	want := map[int][]Stage{
		//   J  F  M  A  M  J  J  A  S  O  N  D  J  F  M
		0: {N, A, A, L, L, L, R, R, D, D, D, D, D, W, R},
		1: {P, P, N, A, A, L, L, L, L, L, L, L, L, R, R},
		2: {X, X, X, X, P, P, P, P, P, P, P, P, P, P, P},
		3: {X, N, A, R, R, D, D, D, D, D, D, D, D, D, D},
		4: {A, A, A, L, L, L, L, L, L, L, L, L, L, L, L},
		5: {X, X, X, X, X, X, X, X, X, X, X, X, X, X, X},
		6: {X, X, N, A, R, D, D, D, D, D, D, D, D, D, D},
	}
	for m, w := range want {
		if got := stagesOf(res, m); !slices.Equal(got, w) {
			t.Errorf("member %d:\n got %v\nwant %v", m, got, w)
		}
	}
	if res.Current(0) != AtRisk || res.Stage(1, 2) != New {
		t.Error("Current or Stage disagree with Stages")
	}

	// Every member is counted once per month, and flows add up to counts.
	for m, c := range res.Counts {
		total := 0
		for _, v := range c {
			total += v
		}
		if total != 7 {
			t.Errorf("month %d counts %d members", m, total)
		}
		if m == 0 {
			continue
		}
		for to := range NumStages {
			in := 0
			for from := range NumStages {
				in += res.Flows[m-1][from][to]
			}
			if in != c[to] {
				t.Errorf("month %d stage %v: %d flow in, %d counted", m, Stage(to), in, c[to])
			}
		}
	}
	links := res.Links(12) // January → February 2025
	if !slices.Contains(links, Link{Lapsed, WonBack, 1}) {
		t.Errorf("links %v lack lapsed → won back", links)
	}
	for _, l := range links {
		if l.From == Absent && l.To == Absent {
			t.Error("absent → absent listed")
		}
	}
}

func TestConfig(t *testing.T) {
	tr, err := NewTracker(date(2024, 1, 1), date(2024, 12, 31), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tr.Add(0, day(2024, 1, 10))
	// Stricter: at risk after 10 silent days, lapsed after 40.
	res, err := tr.Stages(Config{MinAtRisk: 10, MinLapsed: 40, MaxLapsed: 40, DefaultInterval: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := stagesOf(res, 0)[:2]; !slices.Equal(got, []Stage{AtRisk, Lapsed}) {
		t.Errorf("stages %v", got)
	}
	for _, c := range []Config{{LoyalMonths: 7}, {LoyalWindow: 65}, {AtRisk: -1}} {
		if _, err := tr.Stages(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := NewTracker(date(2024, 2, 1), date(2024, 1, 1), time.UTC); err == nil {
		t.Error("reversed range: no error")
	}
}

func TestTimeZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	tr, err := NewTracker(time.Date(2024, 1, 1, 0, 0, 0, 0, sh), time.Date(2024, 2, 29, 0, 0, 0, 0, sh), sh)
	if err != nil {
		t.Fatal(err)
	}
	// 31 January 17:00 UTC is 1 February in Shanghai.
	tr.Add(0, Day(time.Date(2024, 1, 31, 17, 0, 0, 0, time.UTC), sh))
	res, err := tr.Stages(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got := stagesOf(res, 0); !slices.Equal(got, []Stage{Absent, New}) {
		t.Errorf("stages %v, want absent then new", got)
	}
}

func TestNames(t *testing.T) {
	seen := map[string]bool{}
	for s, n := range Names {
		if n.Key == "" || n.ZH == "" || n.EN == "" || seen[n.Key] || Stage(s).String() != n.Key {
			t.Errorf("stage %d: %+v", s, n)
		}
		seen[n.Key] = true
	}
}
