package web

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/linli/linli/internal/loyalty"
)

// Settings forms take money, multipliers and percentages as decimals and
// store them as integers (fen, per mille). The conversion is done on the
// digits, never through float64, so "0.29" yuan is 29 fen and not 28.

// parseFixed reads a non-negative decimal with at most places decimals
// as an integer scaled by 10^places: parseFixed("1.5", 3, …) is 1500.
// The whole part may not exceed maxWhole.
func parseFixed(s string, places int, maxWhole int64) (int64, bool) {
	whole, frac, dot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" && dot {
		whole = "0" // ".5"
	}
	if whole == "" || len(frac) > places || (dot && frac == "") {
		return 0, false
	}
	if strings.TrimLeft(whole, "0123456789") != "" || strings.TrimLeft(frac, "0123456789") != "" {
		return 0, false // no signs, spaces or exponents
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > maxWhole {
		return 0, false
	}
	scale := int64(1)
	for range places {
		scale *= 10
	}
	f := int64(0)
	if frac != "" {
		frac += strings.Repeat("0", places-len(frac))
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return 0, false
		}
	}
	return w*scale + f, true
}

// formatFixed writes n scaled by 10^places as the shortest decimal:
// formatFixed(1500, 3) is "1.5", formatFixed(2000, 3) is "2".
func formatFixed(n int64, places int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	if places == 0 {
		return sign + s
	}
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	whole, frac := s[:len(s)-places], strings.TrimRight(s[len(s)-places:], "0")
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}

// parsePerMille reads a multiplier "1.5" as 1500; at most three decimals.
// Large values parse, for the rules' own check to name the bound.
func parsePerMille(s string) (int64, bool) {
	return parseFixed(s, 3, 1_000_000)
}

// perMille writes a per-mille multiplier as a decimal: 1500 → "1.5".
func perMille(n int64) string { return formatFixed(n, 3) }

// parseYuan reads an amount in yuan, at most two decimals, as fen:
// "12.5" is 1250. A currency sign and thousands separators are allowed.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥")
	s = strings.ReplaceAll(s, ",", "")
	return parseFixed(s, 2, loyalty.MaxAmountFen/100)
}

// yuanInput writes fen for an input: whole yuan without decimals ("2000"),
// otherwise with both ("12.50"); empty for 0.
func yuanInput(fen int64) string {
	if fen == 0 {
		return ""
	}
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return yuan(fen)
}

// parsePercent reads a percentage with at most one decimal as per mille:
// "5" is 50, "2.5" is 25.
func parsePercent(s string) (int64, bool) {
	return parseFixed(strings.TrimSuffix(strings.TrimSpace(s), "%"), 1, 100)
}

// percent writes per mille as a percentage: 50 → "5", 25 → "2.5".
func percent(pm int64) string { return formatFixed(pm, 1) }

// splitCodes splits a list of product codes at commas and white space.
func splitCodes(s string) []string {
	out := []string{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
	}) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseInts reads a list of whole numbers, "8, 18" or "8 18".
func parseInts(s string) ([]int, bool) {
	var out []int
	for _, p := range splitCodes(s) {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// clock tidies a time of day as typed: "9:00" and "9：00" become "09:00".
// What is not a time stays as it is, for the rules' check to report.
func clock(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "：", ":")
	if len(s) == 4 && s[1] == ':' && s[0] >= '0' && s[0] <= '9' {
		s = "0" + s
	}
	return s
}

var indexedRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([a-z_]+)\[(\d+)\](?:\.(.+))?$`) })

// indexed splits a field error's name such as "promotions[1].multiplier"
// into its list, index and the rest ("promotions", 1, "multiplier").
func indexed(field string) (list string, i int, rest string, ok bool) {
	m := indexedRE().FindStringSubmatch(field)
	if m == nil {
		return "", 0, "", false
	}
	i, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, "", false
	}
	return m[1], i, m[3], true
}
