package loyalty

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/linli/linli"
)

func TestExpiresAt(t *testing.T) {
	sh := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, shanghai) }
	tests := []struct {
		name   string
		policy ExpiryPolicy
		earned time.Time
		want   time.Time
	}{
		{"end of following year", EndOfFollowingYear(), sh(2025, 6, 15, 10, 0), sh(2027, 1, 1, 0, 0)},
		{"first instant of a year", EndOfFollowingYear(), sh(2025, 1, 1, 0, 0), sh(2027, 1, 1, 0, 0)},
		// 16:30 UTC on 31 Dec is already 1 Jan in Shanghai.
		{"year read in the store's zone", EndOfFollowingYear(), time.Date(2025, 12, 31, 16, 30, 0, 0, time.UTC), sh(2028, 1, 1, 0, 0)},
		{"12 months", Months(12), sh(2025, 3, 15, 18, 0), sh(2026, 3, 16, 0, 0)},
		{"1 month from 31 Jan, leap year", Months(1), sh(2024, 1, 31, 9, 0), sh(2024, 3, 1, 0, 0)},
		{"1 month from 31 Jan", Months(1), sh(2025, 1, 31, 9, 0), sh(2025, 3, 1, 0, 0)},
		{"12 months from 29 Feb", Months(12), sh(2024, 2, 29, 9, 0), sh(2025, 3, 1, 0, 0)},
		{"crossing years", Months(14), sh(2025, 11, 30, 9, 0), sh(2027, 1, 31, 0, 0)},
		{"never", Never(), sh(2025, 1, 1, 0, 0), time.Time{}},
		{"unknown kind never", ExpiryPolicy{Kind: "?"}, sh(2025, 1, 1, 0, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ExpiresAt(tt.policy, tt.earned, shanghai)
			if !got.Equal(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	ny := mustZone("America/New_York")
	// Midnight in New York is 05:00 UTC in winter.
	got := ExpiresAt(EndOfFollowingYear(), time.Date(2025, 7, 1, 12, 0, 0, 0, ny), ny)
	if want := time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("ny: got %v, want %v", got, want)
	}
	if got := ExpiresAt(Months(-3), time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), nil); !got.Equal(time.Date(2024, 10, 16, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("negative months: %v", got)
	}
}

func TestExpiredBoundary(t *testing.T) {
	end := time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai)
	l := Lot{ID: 1, Points: 10, Remaining: 10, ExpiresAt: end}
	if l.Expired(end.Add(-time.Nanosecond)) {
		t.Error("expired one nanosecond before the bound")
	}
	if !l.Expired(end) {
		t.Error("not expired at the bound")
	}
	if (Lot{Remaining: 1}).Expired(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("a lot without expiry expired")
	}
}

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func TestAllocate(t *testing.T) {
	lots := []Lot{
		{ID: 1, Points: 50, Remaining: 50, EarnedAt: day(0), ExpiresAt: day(100)},
		{ID: 2, Points: 30, Remaining: 30, EarnedAt: day(1), ExpiresAt: day(50)},
		{ID: 3, Points: 20, Remaining: 20, EarnedAt: day(2), ExpiresAt: day(5)}, // expired at day 10
		{ID: 4, Points: 40, Remaining: 0, EarnedAt: day(2), ExpiresAt: day(20)}, // spent
		{ID: 5, Points: 10, Remaining: 10, EarnedAt: day(3), ExpiresAt: time.Time{}},
		{ID: 7, Points: 5, Remaining: 5, EarnedAt: day(4), ExpiresAt: day(100)},
		{ID: 6, Points: 5, Remaining: 5, EarnedAt: day(4), ExpiresAt: day(100)},
	}
	tests := []struct {
		name   string
		points int64
		at     time.Time
		want   []Take
		code   string
	}{
		{"zero", 0, day(10), nil, ""},
		{"first to expire", 10, day(10), []Take{{2, 10}}, ""},
		{"spills over", 40, day(10), []Take{{2, 30}, {1, 10}}, ""},
		{"ties: earned first, then id", 88, day(10), []Take{{2, 30}, {1, 50}, {6, 5}, {7, 3}}, ""},
		{"never-expiring last", 100, day(10), []Take{{2, 30}, {1, 50}, {6, 5}, {7, 5}, {5, 10}}, ""},
		{"expired lot used before expiry", 25, day(4), []Take{{3, 20}, {2, 5}}, ""},
		{"at the bound the lot is gone", 5, day(5), []Take{{2, 5}}, ""},
		{"insufficient", 101, day(10), nil, "ledger.insufficient_points"},
		{"after most expire", 11, day(100), nil, "ledger.insufficient_points"},
		{"negative", -1, day(10), nil, "ledger.points_invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Allocate(lots, tt.points, tt.at)
			if linli.ErrorCode(err) != tt.code && !(err == nil && tt.code == "") {
				t.Fatalf("err %v, want code %q", err, tt.code)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("takes %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := Allocate(lots, 1000, day(10)); linli.ErrorKind(err) != linli.KindConflict {
		t.Errorf("insufficient should be a conflict: %v", err)
	}
}

func randomLots(rng *rand.Rand) []Lot {
	lots := make([]Lot, rng.IntN(10))
	for i := range lots {
		p := rng.Int64N(100)
		l := Lot{ID: int64(rng.IntN(20)), Points: p, Remaining: rng.Int64N(p + 1),
			EarnedAt: day(rng.IntN(5))}
		if rng.IntN(5) > 0 {
			l.ExpiresAt = day(rng.IntN(10))
		}
		lots[i] = l
	}
	return lots
}

func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 20000 {
		lots := randomLots(rng)
		at := day(rng.IntN(10))
		points := rng.Int64N(300)
		takes, err := Allocate(lots, points, at)
		bal := Balance(lots, at)
		if err != nil {
			if linli.ErrorCode(err) != "ledger.insufficient_points" || bal >= points || takes != nil {
				t.Fatalf("case %d: %v with balance %d for %d", i, err, bal, points)
			}
			continue
		}
		if points > bal {
			t.Fatalf("case %d: allocated %d from balance %d", i, points, bal)
		}
		// The takes are a prefix of the spendable lots in FEFO order, each
		// taken whole except the last, and sum to the points asked.
		var spendable []Lot
		for _, l := range fefo(lots) {
			if l.Remaining > 0 && !l.Expired(at) {
				spendable = append(spendable, l)
			}
		}
		var sum int64
		for j, tk := range takes {
			l := spendable[j]
			if tk.LotID != l.ID || tk.Points <= 0 || tk.Points > l.Remaining {
				t.Fatalf("case %d: take %d %+v from lot %+v", i, j, tk, l)
			}
			if j < len(takes)-1 && tk.Points != l.Remaining {
				t.Fatalf("case %d: lot %d not emptied before the next", i, l.ID)
			}
			sum += tk.Points
		}
		if sum != points {
			t.Fatalf("case %d: took %d, asked %d", i, sum, points)
		}
	}
}

func TestBalanceSaturates(t *testing.T) {
	lots := []Lot{{ID: 1, Remaining: math.MaxInt64}, {ID: 2, Remaining: 1}}
	if got := Balance(lots, t0); got != math.MaxInt64 {
		t.Fatalf("balance %d", got)
	}
	if _, err := Allocate(lots, math.MaxInt64, t0); err != nil {
		t.Fatal(err)
	}
}

func TestExpire(t *testing.T) {
	lots := []Lot{
		{ID: 1, Points: 50, Remaining: 20, ExpiresAt: day(10)},
		{ID: 2, Points: 30, Remaining: 30, ExpiresAt: day(5)},
		{ID: 3, Points: 30, Remaining: 0, ExpiresAt: day(5)},
		{ID: 4, Points: 30, Remaining: 30, ExpiresAt: day(11)},
		{ID: 5, Points: 30, Remaining: 30},
	}
	got := Expire(lots, day(10))
	want := []Expiry{{2, 30}, {1, 20}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := Expire(lots, day(4)); got != nil {
		t.Fatalf("nothing should expire: %v", got)
	}
	// Expiring then balancing conserves points: what is left is the balance.
	var lost int64
	for _, e := range Expire(lots, day(10)) {
		lost += e.Points
	}
	var all int64
	for _, l := range lots {
		all += l.Remaining
	}
	if Balance(lots, day(10)) != all-lost {
		t.Fatalf("balance %d + expired %d != %d", Balance(lots, day(10)), lost, all)
	}
}

func TestExpiringSoon(t *testing.T) {
	lots := []Lot{
		{ID: 1, Remaining: 20, ExpiresAt: day(10)},
		{ID: 2, Remaining: 30, ExpiresAt: day(5)}, // already expired at day 5
		{ID: 3, Remaining: 0, ExpiresAt: day(8)},  // empty
		{ID: 4, Remaining: 7, ExpiresAt: day(12)}, // exactly at the end: not within
		{ID: 5, Remaining: 9, ExpiresAt: day(6)},  // soonest
		{ID: 6, Remaining: 30},                    // never
		{ID: 7, Remaining: 1, ExpiresAt: day(5).Add(time.Nanosecond)},
	}
	got, sum := ExpiringSoon(lots, day(5), 7)
	var ids []int64
	for _, l := range got {
		ids = append(ids, l.ID)
	}
	if !reflect.DeepEqual(ids, []int64{7, 5, 1}) || sum != 30 {
		t.Fatalf("ids %v sum %d", ids, sum)
	}
	if got, sum := ExpiringSoon(lots, day(5), 0); got != nil || sum != 0 {
		t.Fatalf("zero days: %v %d", got, sum)
	}
}
