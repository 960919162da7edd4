package member

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/linli/linli"
)

// NormalizePhone turns what a cashier or a spreadsheet holds into the 11
// digits of a mainland Chinese mobile number: spaces, dashes, dots and
// brackets are dropped, and a +86 / 0086 / 86 prefix is removed. Only
// numbers that mobile networks hand out (1[3-9]x) are accepted.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width digits from Chinese input methods
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u3000' || (r == '+' && b.Len() == 0):
		default:
			return "", linli.Invalid("member.phone_invalid", "phone", "the phone number contains %q; use digits only", r)
		}
	}
	d := b.String()
	switch {
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	}
	if d == "" {
		return "", linli.Invalid("member.phone_required", "phone", "a phone number is required")
	}
	if len(d) != 11 || d[0] != '1' || d[1] < '3' {
		return "", linli.Invalid("member.phone_invalid", "phone", "%q is not a mainland China mobile number (11 digits starting 13–19)", s)
	}
	return d, nil
}

// ParseDate reads a calendar date in the forms found in Chinese retail
// exports: 2006-01-02, 2006/1/2, 2006.1.2, 20060102 and 2006年1月2日. It returns
// the date as YYYY-MM-DD. Empty input gives "" and no error.
func ParseDate(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := func() (string, error) {
		return "", linli.Invalid("member.date_invalid", field, "%q is not a date (use YYYY-MM-DD)", s)
	}
	var parts []string
	if len(s) == 8 && isDigits(s) {
		parts = []string{s[:4], s[4:6], s[6:]}
	} else {
		s2 := strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
		if i := strings.IndexAny(s2, " T"); i > 0 { // a date-time from a spreadsheet: keep the date
			s2 = s2[:i]
		}
		parts = strings.Split(s2, "-")
	}
	if len(parts) != 3 {
		return bad()
	}
	var n [3]int
	for i, p := range parts {
		if p == "" || len(p) > 4 || !isDigits(p) {
			return bad()
		}
		n[i], _ = strconv.Atoi(p)
	}
	if len(parts[0]) != 4 {
		return bad()
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], 0, 0, 0, 0, time.UTC)
	if t.Year() != n[0] || int(t.Month()) != n[1] || t.Day() != n[2] {
		return bad() // 2023-02-30 and friends
	}
	return t.Format(time.DateOnly), nil
}

// ParseBirthday is ParseDate plus plausibility: not in the future, not
// before 1900.
func ParseBirthday(s string, now time.Time) (string, error) {
	d, err := ParseDate("birthday", s)
	if err != nil || d == "" {
		return d, err
	}
	if d < "1900-01-01" || d > now.Format(time.DateOnly) {
		return "", linli.Invalid("member.birthday_out_of_range", "birthday", "birthday %s is not between 1900 and today", d)
	}
	return d, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) || r > '9' {
			return false
		}
	}
	return s != ""
}

// NormalizeName trims and collapses white space; names are compared in this form.
func NormalizeName(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
