package clv

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Event is one purchase in an event log.
type Event struct {
	ID    string
	Day   int // days since 1970-01-01
	Sales float64
}

// EventLog is a purchase history as read by ReadEventLog.
type EventLog struct {
	Events []Event
	// HasSales says the log had a sales column.
	HasSales bool
	// IDColumn is the header name of the column used as customer id.
	IDColumn string
	// First and Last are the earliest and latest purchase days.
	First, Last int
}

// Column names accepted by ReadEventLog, compared case-insensitively, in
// order of preference. BTYD's CDNOW log has both masterid (the customer's
// number in the full cohort) and sampleid (1..2357 within the sample, the
// ID of the published summary); the two are one to one, so the models see
// the same data either way, and sampleid is preferred so the built summary
// carries the published IDs. CDNOW_master.txt names its columns
// customer_id and dollar_value.
var (
	elogIDNames    = []string{"id", "customer_id", "customer", "cust", "sampleid", "masterid"}
	elogDateNames  = []string{"date", "day"}
	elogSalesNames = []string{"sales", "dollar_value", "value", "amount", "spend", "revenue"}
)

// ReadEventLog reads a purchase log with a header naming an id column, a
// date column (YYYYMMDD or YYYY-MM-DD) and optionally a sales column (a
// non-negative amount); other columns are ignored. Fields are separated
// by commas (CSV quoting allowed), or by white space when the header line
// has no comma.
func ReadEventLog(r io.Reader) (*EventLog, error) {
	next, rowsHint, err := newRecordReader(r)
	if err != nil {
		return nil, fmt.Errorf("read event log: %w", err)
	}
	head, _, err := next()
	if err == io.EOF {
		return nil, errors.New("read event log: the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("read event log: header: %w", err)
	}
	idCol, dateCol, salesCol := -1, -1, -1
	pick := func(names []string) int {
		for _, n := range names {
			for i, h := range head {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					return i
				}
			}
		}
		return -1
	}
	idCol, dateCol, salesCol = pick(elogIDNames), pick(elogDateNames), pick(elogSalesNames)
	if idCol < 0 || dateCol < 0 {
		return nil, fmt.Errorf("read event log: header needs an id column (%s) and a date column; found %s",
			strings.Join(elogIDNames, ", "), strings.Join(head, ","))
	}
	l := &EventLog{Events: make([]Event, 0, rowsHint), HasSales: salesCol >= 0, IDColumn: strings.TrimSpace(head[idCol]), First: math.MaxInt, Last: math.MinInt}
	need := max(idCol, dateCol, salesCol) + 1
	for {
		rec, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read event log: %w", err)
		}
		if len(rec) < need {
			return nil, fmt.Errorf("read event log: line %d: %d fields, want at least %d", line, len(rec), need)
		}
		ev := Event{ID: strings.TrimSpace(rec[idCol])}
		if ev.ID == "" {
			return nil, fmt.Errorf("read event log: line %d: empty customer id", line)
		}
		ev.Day, err = parseDay(strings.TrimSpace(rec[dateCol]))
		if err != nil {
			return nil, fmt.Errorf("read event log: line %d: %w", line, err)
		}
		if salesCol >= 0 {
			ev.Sales, err = parseNumber(strings.TrimSpace(rec[salesCol]))
			if err == nil && ev.Sales < 0 {
				err = fmt.Errorf("%v is negative (returns must be netted out before modelling spend)", ev.Sales)
			}
			if err != nil {
				return nil, fmt.Errorf("read event log: line %d: sales: %w", line, err)
			}
		}
		l.First = min(l.First, ev.Day)
		l.Last = max(l.Last, ev.Day)
		l.Events = append(l.Events, ev)
	}
	if len(l.Events) == 0 {
		return nil, errors.New("read event log: no purchases after the header")
	}
	return l, nil
}

// ParseDate parses YYYYMMDD or YYYY-MM-DD.
func ParseDate(s string) (time.Time, error) {
	d, err := parseDay(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	return dayTime(d), nil
}

// parseDay turns YYYYMMDD or YYYY-MM-DD into days since 1970-01-01.
func parseDay(s string) (int, error) {
	bad := func() error { return fmt.Errorf("date %q is not YYYYMMDD or YYYY-MM-DD", s) }
	var ys, ms, ds string
	switch {
	case len(s) == 8:
		ys, ms, ds = s[:4], s[4:6], s[6:]
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		ys, ms, ds = s[:4], s[5:7], s[8:]
	default:
		return 0, bad()
	}
	y, m, d := digits(ys), digits(ms), digits(ds)
	if y < 0 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, bad()
	}
	return daysFromCivil(y, m, d), nil
}

// digits is the value of an all-digit string, −1 otherwise.
func digits(s string) int {
	v := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return -1
		}
		v = v*10 + int(c-'0')
	}
	return v
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func dayTime(d int) time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

func timeDay(t time.Time) int {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// Summary builds the calibration summary of the customers whose first
// purchase is on or before calibrationEnd (later ones are not yet
// customers then and are left out). Purchases of one customer on one day
// are one transaction, their sales summed. Time is in weeks of 7 days,
// counted between days: T from the first purchase day to calibrationEnd,
// t_x from the first purchase day to the last purchase day on or before
// calibrationEnd. Zbar is the mean of the repeat transactions' summed
// sales in calibration, as in the published CDNOW summary (which rounds it
// to cents; the values here are not rounded).
//
// Holdout counts each customer's transaction days after calibrationEnd up
// to holdoutEnd inclusive; a zero holdoutEnd means the last day of the
// log.
func (l *EventLog) Summary(calibrationEnd, holdoutEnd time.Time) (*Summary, error) {
	cal := timeDay(calibrationEnd)
	hold := l.Last
	if !holdoutEnd.IsZero() {
		hold = timeDay(holdoutEnd)
	}
	if hold < cal {
		hold = cal
		if !holdoutEnd.IsZero() {
			return nil, fmt.Errorf("summary: the holdout end %s is before the calibration end %s",
				holdoutEnd.Format(time.DateOnly), calibrationEnd.Format(time.DateOnly))
		}
	}
	if cal < l.First {
		return nil, fmt.Errorf("summary: the calibration end %s is before the first purchase (%s)",
			calibrationEnd.Format(time.DateOnly), dayTime(l.First).Format(time.DateOnly))
	}
	ev := slices.Clone(l.Events)
	numeric := true
	for _, e := range ev {
		if digits(e.ID) < 0 || len(e.ID) > 18 {
			numeric = false
			break
		}
	}
	slices.SortStableFunc(ev, func(a, b Event) int {
		if a.ID != b.ID {
			if numeric {
				if c := digits(a.ID) - digits(b.ID); c != 0 {
					return c
				}
			}
			return strings.Compare(a.ID, b.ID)
		}
		return a.Day - b.Day
	})
	s := &Summary{HasSpend: l.HasSales, HoldoutWeeks: float64(hold-cal) / 7}
	for i := 0; i < len(ev); {
		j := i
		for j < len(ev) && ev[j].ID == ev[i].ID {
			j++
		}
		first := ev[i].Day
		if first <= cal {
			c, h := summarise(ev[i:j], cal, hold)
			s.Customers = append(s.Customers, c)
			s.Holdout = append(s.Holdout, h)
		}
		i = j
	}
	return s, nil
}

// summarise turns one customer's purchases, sorted by day, into the
// calibration summary and the holdout count.
func summarise(ev []Event, cal, hold int) (Customer, float64) {
	c := Customer{ID: ev[0].ID}
	first := ev[0].Day
	c.T = float64(cal-first) / 7
	var repeatSales, holdout float64
	for i := 0; i < len(ev); {
		day := ev[i].Day
		var sales float64
		for i < len(ev) && ev[i].Day == day {
			sales += ev[i].Sales
			i++
		}
		switch {
		case day == first:
		case day <= cal:
			c.X++
			c.TX = float64(day-first) / 7
			repeatSales += sales
		case day <= hold:
			holdout++
		}
	}
	if c.X > 0 {
		c.Zbar = repeatSales / c.X
	}
	return c, holdout
}

// RepeatTransactions sums x over the customers.
func RepeatTransactions(cs []Customer) float64 {
	var n float64
	for _, c := range cs {
		n += c.X
	}
	return n
}
