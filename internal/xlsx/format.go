package xlsx

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// kind is what a cell's number format makes of a number.
type kind uint8

const (
	plain    kind = iota // General and every non-date format
	date                 // a day: yyyy-mm-dd, 2024年3月1日 …
	clock                // a time of day: hh:mm, h"时"mm"分" …
	dateTime             // both
)

// builtinKind classifies the built-in number formats, which a file names
// by id only. 27–36 and 50–58 are the East Asian locales' date and time
// formats (yyyy"年"m"月"d"日" and the like in zh-CN), which Chinese Excel
// writes as built-ins.
func builtinKind(id int) kind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return date
	case id >= 18 && id <= 21, id >= 32 && id <= 35, id >= 45 && id <= 47, id == 55, id == 56:
		return clock
	case id == 22:
		return dateTime
	}
	return plain
}

// formatKind classifies a format code by its date and time tokens (y, m,
// d, h, s, AM/PM), ignoring quoted text, escaped characters and bracketed
// colours, conditions and locales. An m is a minute right after an h or
// right before an s, else a month.
func formatKind(code string) kind {
	var hasDate, hasTime bool
	var last byte // the previous token letter, lower case
	for i := 0; i < len(code); i++ {
		c := code[i] | 0x20 // lower case for letters; other bytes are checked before use
		switch code[i] {
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(code)
			}
			continue
		case '\\', '_', '*':
			i++ // the next character is literal (or padding)
			continue
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return plain // malformed; not worth guessing
			}
			// [h], [mm], [ss]: elapsed time
			if in := strings.ToLower(code[i+1 : i+j]); in != "" && strings.Trim(in, "hms") == "" {
				hasTime = true
			}
			i += j
			continue
		}
		switch c {
		case 'y', 'd':
			hasDate, last = true, c
		case 'h', 's':
			hasTime, last = true, c
		case 'm':
			for i+1 < len(code) && code[i+1]|0x20 == 'm' {
				i++
			}
			if last == 'h' || nextLetter(code[i+1:]) == 's' {
				hasTime = true
			} else {
				hasDate = true
			}
			last = 'm'
		case 'a':
			rest := strings.ToLower(code[i:])
			switch {
			case strings.HasPrefix(rest, "am/pm"):
				hasTime, i = true, i+4
			case strings.HasPrefix(rest, "a/p"):
				hasTime, i = true, i+2
			}
		}
	}
	switch {
	case hasDate && hasTime:
		return dateTime
	case hasDate:
		return date
	case hasTime:
		return clock
	}
	return plain
}

// nextLetter returns the first ASCII letter of s in lower case, skipping
// separators, or 0.
func nextLetter(s string) byte {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' {
			return c
		}
		if s[i] == '"' || s[i] == '[' {
			return 0
		}
	}
	return 0
}

// maxSerial is 9999-12-31, the last day Excel shows.
const maxSerial = 2958465

// formatNumber renders a stored number the way a person reads it: a date
// or time when its format says so, else as Excel's General format would
// but without switching to exponents for long integers (a phone number
// 13800000000 stays 13800000000). Text that is not a number is returned
// unchanged.
func formatNumber(v string, k kind, date1904 bool) string {
	if k != plain {
		if f, ok := parseNumber(v); ok {
			if s, ok := formatSerial(f, k, date1904); ok {
				return s
			}
		}
	}
	return general(v)
}

// parseNumber reads a decimal number as stored in a cell, rejecting the
// forms strconv accepts that a spreadsheet never writes (hex, Inf, NaN).
func parseNumber(v string) (float64, bool) {
	if v == "" {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c == '.', c == '-', c == '+', c == 'e', c == 'E':
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// general renders a number as Excel's General format does, to 15
// significant digits, except that integers are written out in full: a
// long integer in a file (a card or phone number) is kept digit for
// digit.
func general(v string) string {
	if isInteger(v) {
		return v
	}
	f, ok := parseNumber(v)
	if !ok {
		return v
	}
	if f == 0 {
		return "0"
	}
	// Excel keeps 15 significant digits: 0.1+0.2 is stored as
	// 0.30000000000000004 and shown as 0.3.
	f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if a := math.Abs(f); a >= 1e-9 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'E', -1, 64)
}

// isInteger reports whether v is an optionally signed run of digits
// without superfluous leading zeros (nor "-0").
func isInteger(v string) bool {
	d := strings.TrimPrefix(v, "-")
	if d == "" || (d[0] == '0' && (len(d) > 1 || d != v)) {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// formatSerial turns a spreadsheet serial date (days since the epoch, the
// fraction the time of day) into "2006-01-02", "15:04:05" or
// "2006-01-02 15:04:05" as the format's kind says. It reports false for
// numbers no real date matches (negative, past 9999, day 0 of 1900).
func formatSerial(f float64, k kind, date1904 bool) (string, bool) {
	if f < 0 || f >= maxSerial+1 {
		return "", false
	}
	secs := int64(math.Round(f * 86400))
	days, sec := secs/86400, secs%86400
	hms := time.Time{}.Add(time.Duration(sec) * time.Second).Format(time.TimeOnly)
	if days == 0 && !date1904 {
		// Day 0 of the 1900 system is "1900-01-00"; a pure time of day
		// is stored like that.
		if k == date {
			return "", false
		}
		return hms, true
	}
	if k == clock && days == 0 {
		return hms, true
	}
	var day string
	switch {
	case date1904:
		day = epoch1904.AddDate(0, 0, int(days)).Format(time.DateOnly)
	case days == 60:
		// Excel counts 1900 as a leap year (after Lotus 1-2-3); its day
		// 60 exists only there.
		day = "1900-02-29"
	case days < 60:
		day = epoch1900.AddDate(0, 0, int(days)+1).Format(time.DateOnly)
	default:
		day = epoch1900.AddDate(0, 0, int(days)).Format(time.DateOnly)
	}
	if k == date {
		return day, true
	}
	return day + " " + hms, true
}

// isoLayouts are the forms of a t="d" cell's ISO 8601 value.
var isoLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02",
}

// formatISO renders a t="d" cell's ISO 8601 value like a serial date: the
// day alone when it has no time of day. Unknown forms pass unchanged.
func formatISO(v string) string {
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, v); err == nil {
			t = t.Round(time.Second)
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				return t.Format(time.DateOnly)
			}
			return t.Format(time.DateTime)
		}
	}
	for _, l := range []string{"15:04:05.999999999", "15:04"} {
		if t, err := time.Parse(l, v); err == nil {
			return t.Round(time.Second).Format(time.TimeOnly)
		}
	}
	return v
}
