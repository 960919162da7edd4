package forecast

import (
	"fmt"
	"math"
	"time"
)

// Unit is the length of one period of a series.
type Unit int

// Units.
const (
	Day Unit = iota + 1
	Week
	Month
)

func (u Unit) String() string {
	switch u {
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// Period is the usual seasonal period for the unit: 7 days a week, 52 weeks or 12 months
// a year.
func (u Unit) Period() int {
	switch u {
	case Day:
		return 7
	case Week:
		return 52
	case Month:
		return 12
	}
	return 1
}

// Point is an amount (sales, units) on a date; several points may share a date.
type Point struct {
	Date  time.Time
	Value float64
}

// civil is a calendar date as a day count, ignoring time of day and zone.
func civil(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Aggregate sums points into consecutive periods from the calendar date of from up to,
// not including, that of to; periods without points are zero and points outside the range
// are ignored. Weeks start on from's weekday, so the range must span whole weeks; months
// need from and to on the first of a month. Dates are taken in each time's own zone.
func Aggregate(points []Point, unit Unit, from, to time.Time) ([]float64, error) {
	f, t := civil(from), civil(to)
	if t <= f {
		return nil, fmt.Errorf("forecast: aggregate range %s..%s is empty", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	var n int
	var bucket func(day int, date time.Time) int
	switch unit {
	case Day:
		n = t - f
		bucket = func(day int, _ time.Time) int { return day - f }
	case Week:
		if (t-f)%7 != 0 {
			return nil, fmt.Errorf("forecast: aggregate range of %d days is not whole weeks", t-f)
		}
		n = (t - f) / 7
		bucket = func(day int, _ time.Time) int { return (day - f) / 7 }
	case Month:
		if from.Day() != 1 || to.Day() != 1 {
			return nil, fmt.Errorf("forecast: monthly range must start and end on the first of a month")
		}
		fy, fm, _ := from.Date()
		ty, tm, _ := to.Date()
		n = (ty-fy)*12 + int(tm-fm)
		bucket = func(_ int, d time.Time) int {
			y, m, _ := d.Date()
			return (y-fy)*12 + int(m-fm)
		}
	default:
		return nil, fmt.Errorf("forecast: unknown unit %v", unit)
	}
	out := make([]float64, n)
	for i, p := range points {
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return nil, fmt.Errorf("forecast: point %d (%s): %w", i, p.Date.Format(time.DateOnly), ErrInvalid)
		}
		if p.Value < 0 {
			return nil, fmt.Errorf("forecast: point %d (%s) = %v: %w", i, p.Date.Format(time.DateOnly), p.Value, ErrNegative)
		}
		d := civil(p.Date)
		if d < f || d >= t {
			continue
		}
		out[bucket(d, p.Date)] += p.Value
	}
	return out, nil
}
