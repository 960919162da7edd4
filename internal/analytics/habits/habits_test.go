package habits

import (
	"math"
	"slices"
	"testing"
	"time"
)

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	return loc
}

func TestGridTimeZone(t *testing.T) {
	sh := shanghai(t)
	g := NewGrid(sh)
	// Sunday 2024-03-03 23:30 UTC is Monday 07:30 in Shanghai.
	g.Add(time.Date(2024, 3, 3, 23, 30, 0, 0, time.UTC), 1250)
	g.Add(time.Date(2024, 3, 4, 7, 59, 0, 0, sh), 750)
	g.Add(time.Date(2024, 3, 9, 18, 0, 0, 0, sh), 10000) // Saturday evening
	if g.Visits[time.Monday][7] != 2 || g.Amount[time.Monday][7] != 2000 {
		t.Errorf("Monday 07:00 cell: %d visits, %d fen", g.Visits[time.Monday][7], g.Amount[time.Monday][7])
	}
	if g.Visits[time.Sunday][23] != 0 {
		t.Error("the UTC clock was used")
	}
	v, a := g.Total()
	if v != 3 || a != 12000 {
		t.Errorf("Total = %d, %d", v, a)
	}
	hv, _ := g.ByHour()
	wv, wa := g.ByWeekday()
	if hv[7] != 2 || hv[18] != 1 || wv[time.Saturday] != 1 || wa[time.Monday] != 2000 {
		t.Errorf("ByHour %v ByWeekday %v %v", hv, wv, wa)
	}
	o := NewGrid(sh)
	o.Add(time.Date(2024, 3, 9, 18, 30, 0, 0, sh), 500)
	g.Merge(o)
	peaks := g.Peaks(3)
	want := []Cell{
		{time.Monday, 7, 2, 2000, 0.5},
		{time.Saturday, 18, 2, 10500, 0.5},
		{time.Monday, 0, 0, 0, 0},
	}
	if !slices.Equal(peaks, want) {
		t.Errorf("Peaks = %+v, want %+v", peaks, want)
	}
	if NewGrid(nil).Loc != time.UTC {
		t.Error("nil location is not UTC")
	}
}

func TestProfiles(t *testing.T) {
	sh := shanghai(t)
	p := NewProfiles(sh, 1)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2024, m, d, h, 15, 0, 0, sh) }
	// Member 2: three Monday evenings, one Saturday morning, two sales on
	// one of the Mondays.
	p.Add(2, at(3, 4, 19), 5000, 5)
	p.Add(2, at(3, 4, 20), 1000, 1) // same day, later
	p.Add(2, at(3, 11, 19), 6000, 6)
	p.Add(2, at(3, 16, 9), 12000, 12) // Saturday
	p.Add(2, at(3, 25, 19), 4000, 4)
	if p.Len() != 3 {
		t.Fatalf("Len = %d", p.Len())
	}
	got := p.Profile(2)
	if got.Visits != 5 || got.VisitDays != 4 || got.Items != 28 || got.Amount != 28000 {
		t.Errorf("counts %+v", got)
	}
	if got.AvgBasket != 5600 || got.AvgItems != 5.6 {
		t.Errorf("averages %v %v", got.AvgBasket, got.AvgItems)
	}
	if got.IntervalDays != 7 { // 4 → 25 March over three gaps
		t.Errorf("interval %v, want 7", got.IntervalDays)
	}
	if got.Weekday != time.Monday || got.Hour != 19 || got.Daypart != Evening {
		t.Errorf("preferred %v %d %v", got.Weekday, got.Hour, got.Daypart)
	}
	if got.WeekendShare != 0.2 {
		t.Errorf("weekend share %v", got.WeekendShare)
	}
	if p.Profile(0) != (Profile{}) || p.Profile(9) != (Profile{}) {
		t.Error("members without visits have a profile")
	}
	// Ties go to the earlier day (Monday first) and hour.
	p.Add(0, at(3, 10, 15), 100, 1) // Sunday
	p.Add(0, at(3, 5, 8), 100, 1)   // Tuesday
	if pr := p.Profile(0); pr.Weekday != time.Tuesday || pr.Hour != 8 || pr.Daypart != Morning {
		t.Errorf("ties: %v %d %v", pr.Weekday, pr.Hour, pr.Daypart)
	}
}

func TestDaypart(t *testing.T) {
	want := "NNNNNNMMMMMDDDAAAEEENNNN" // N night, M morning, D midday, A afternoon, E evening
	code := map[Daypart]byte{Night: 'N', Morning: 'M', Midday: 'D', Afternoon: 'A', Evening: 'E'}
	for h := range 24 {
		if c := code[DaypartOf(h)]; c != want[h] {
			t.Errorf("hour %d: %c, want %c", h, c, want[h])
		}
	}
	for d, n := range DaypartNames {
		if n.Key == "" || n.ZH == "" || n.EN == "" || Daypart(d).String() != n.Key {
			t.Errorf("daypart %d: %+v", d, n)
		}
	}
}

func TestShares(t *testing.T) {
	s := NewShares(0)
	s.Add(1, 3, 500)
	s.Add(1, 0, 300)
	s.Add(1, 3, 200)
	s.Add(1, 7, 300)
	s.Add(4, 0, 1000)
	top := s.Top(1, 2)
	want := []Share{{3, 2, 700, 700.0 / 1300}, {0, 1, 300, 300.0 / 1300}}
	if !slices.Equal(top, want) {
		t.Errorf("Top = %+v, want %+v", top, want)
	}
	all := s.Top(1, 10)
	sum := 0.0
	for _, x := range all {
		sum += x.Share
	}
	if len(all) != 3 || math.Abs(sum-1) > 1e-12 || all[2].Key != 7 {
		t.Errorf("all shares %+v", all)
	}
	if len(s.Top(0, 3)) != 0 || s.Top(99, 3) != nil {
		t.Error("members without purchases have shares")
	}
	over := s.Overall(1)
	if len(over) != 1 || over[0].Key != 0 || over[0].Amount != 1300 {
		t.Errorf("Overall = %+v", over)
	}
	if s.Len() != 5 {
		t.Errorf("Len = %d", s.Len())
	}
}
