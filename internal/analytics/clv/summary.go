package clv

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Customer is one customer's calibration-period summary. Time is measured
// in weeks from the customer's first purchase.
type Customer struct {
	ID string
	// X is the number of repeat transactions (purchase days after the
	// first one) in the calibration period.
	X float64
	// TX is the time of the last repeat transaction (0 when X is 0).
	TX float64
	// T is the time from the first purchase to the end of calibration.
	T float64
	// Zbar is the mean value of the X repeat transactions, 0 when X is 0.
	Zbar float64
}

// Summary is the input of the models: one row per customer, and when it
// was built from an event log, what each customer did after calibration.
type Summary struct {
	Customers []Customer
	// HasSpend says the Zbar values are known (a zbar column, or sales in
	// the event log), so the spend model can be fitted.
	HasSpend bool
	// Holdout holds, per customer, the repeat transactions after the end
	// of calibration up to HoldoutWeeks later; nil for a read summary.
	Holdout      []float64
	HoldoutWeeks float64
}

// Validate reports the first thing that makes c unusable by the models.
func (c Customer) Validate() error {
	for _, v := range []struct {
		name string
		v    float64
	}{{"x", c.X}, {"t_x", c.TX}, {"T", c.T}, {"zbar", c.Zbar}} {
		if math.IsNaN(v.v) || math.IsInf(v.v, 0) {
			return fmt.Errorf("%s is %v", v.name, v.v)
		}
		if v.v < 0 {
			return fmt.Errorf("%s is negative (%v)", v.name, v.v)
		}
	}
	switch {
	case c.X != math.Trunc(c.X):
		return fmt.Errorf("x must be a whole number of transactions, not %v", c.X)
	case c.TX > c.T:
		return fmt.Errorf("t_x (%v) is after T (%v): the last purchase cannot be after the end of calibration", c.TX, c.T)
	case c.X > 0 && c.TX == 0:
		return fmt.Errorf("x is %v but t_x is 0: repeat purchases must come after the first one", c.X)
	case c.X == 0 && c.TX != 0:
		return fmt.Errorf("x is 0 but t_x is %v: without repeat purchases t_x must be 0", c.TX)
	case c.X == 0 && c.Zbar != 0:
		return fmt.Errorf("x is 0 but zbar is %v: zbar is the mean of the repeat transactions only", c.Zbar)
	}
	return nil
}

// validate checks every customer and that the models have something to
// fit.
func validate(cs []Customer) error {
	if len(cs) == 0 {
		return errors.New("no customers")
	}
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("customer %q (#%d): %w", c.ID, i+1, err)
		}
	}
	return nil
}

// Column names accepted by ReadSummary, compared case-insensitively. The
// alternatives are the names BTYD (t.x, T.cal, m.x) and lifetimes
// (frequency, recency, monetary_value) write.
var summaryColumns = [...]struct {
	key      string
	names    []string
	required bool
}{
	colID:   {"id", []string{"id", "customer_id", "customer", "cust", "sampleid"}, true},
	colX:    {"x", []string{"x", "frequency"}, true},
	colTX:   {"t_x", []string{"t_x", "t.x", "tx", "recency"}, true},
	colT:    {"T", []string{"t", "t.cal", "t_cal", "tcal"}, true},
	colZbar: {"zbar", []string{"zbar", "m.x", "m_x", "monetary_value"}, false},
}

const (
	colID = iota
	colX
	colTX
	colT
	colZbar
	nCols
)

// columns maps each summary column to its field index, −1 when absent.
type columns [nCols]int

// ReadSummary reads a CSV customer summary: a header naming the columns
// id, x, t_x, T and optionally zbar (any order, any case, other columns
// ignored), then one row per customer with t_x and T in weeks. Every
// problem is an error naming its line; nothing is skipped.
func ReadSummary(r io.Reader) (*Summary, error) {
	next, rowsHint, err := newRecordReader(r)
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	head, _, err := next()
	if err == io.EOF {
		return nil, errors.New("read summary: the file is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	col, err := findColumns(head)
	if err != nil {
		return nil, fmt.Errorf("read summary: header: %w", err)
	}
	s := &Summary{HasSpend: col[colZbar] >= 0, Customers: make([]Customer, 0, rowsHint)}
	seen := make(map[string]int, rowsHint)
	for {
		rec, line, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read summary: %w", err)
		}
		c, err := parseCustomer(rec, col)
		if err == nil {
			if prev, dup := seen[c.ID]; dup {
				err = fmt.Errorf("customer %q already appeared on line %d", c.ID, prev)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("read summary: line %d: %w", line, err)
		}
		seen[c.ID] = line
		s.Customers = append(s.Customers, c)
	}
	if len(s.Customers) == 0 {
		return nil, errors.New("read summary: no customer rows after the header")
	}
	return s, nil
}

func findColumns(head []string) (columns, error) {
	var col columns
	for k, sc := range summaryColumns {
		col[k] = -1
		for i, h := range head {
			h = strings.ToLower(strings.TrimSpace(h))
			for _, n := range sc.names {
				if h != n {
					continue
				}
				if col[k] >= 0 {
					return col, fmt.Errorf("two columns for %s (%q and %q)", sc.key, head[col[k]], head[i])
				}
				col[k] = i
			}
		}
		if sc.required && col[k] < 0 {
			return col, fmt.Errorf("no %s column (need id, x, t_x, T and optionally zbar; found %s)", sc.key, strings.Join(head, ","))
		}
	}
	return col, nil
}

func parseCustomer(rec []string, col columns) (Customer, error) {
	var c Customer
	var v [nCols]float64
	for k, i := range col {
		if i < 0 {
			continue
		}
		if i >= len(rec) {
			return c, fmt.Errorf("%d fields, %s is missing", len(rec), summaryColumns[k].key)
		}
		s := strings.TrimSpace(rec[i])
		if k == colID {
			if s == "" {
				return c, errors.New("empty id")
			}
			c.ID = s
			continue
		}
		f, err := parseNumber(s)
		if err != nil {
			return c, fmt.Errorf("%s: %w", summaryColumns[k].key, err)
		}
		v[k] = f
	}
	c.X, c.TX, c.T, c.Zbar = v[colX], v[colTX], v[colT], v[colZbar]
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("customer %q: %w", c.ID, err)
	}
	if col[colZbar] >= 0 && c.X > 0 && c.Zbar == 0 {
		return c, fmt.Errorf("customer %q: zbar is 0 with x = %v: the mean value of repeat transactions must be positive", c.ID, c.X)
	}
	return c, nil
}

// parseNumber parses a finite decimal number.
func parseNumber(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty value")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}
