package basket

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteItemsetsCSV writes the header items,support,count and one row per
// itemset. The items field is written as arules prints itemsets,
// {label,label}, labels in id order, and quoted as CSV requires (it
// always holds a comma or a brace). Labels cannot hold commas when read
// by Read, so the braces and commas are unambiguous.
func WriteItemsetsCSV(w io.Writer, sets []Itemset, labels []string, baskets int) error {
	return writeItemsets(w, labels, baskets, len(sets), func(r int) ([]int32, int) {
		return sets[r].Items, sets[r].Count
	})
}

// WriteFrequentCSV writes the itemsets of f as WriteItemsetsCSV writes
// f.Itemsets(), without making them: on a short run the memory they take
// costs more in page faults than writing them out.
func WriteFrequentCSV(w io.Writer, f *Frequent) error {
	flat, off, depth, order := f.sortedSets()
	return writeItemsets(w, f.labels, f.baskets, len(order), func(r int) ([]int32, int) {
		i := order[r]
		return flat[off[i] : off[i]+int32(depth[i])], int(f.nodes[i].count)
	})
}

// writeItemsets writes n itemsets, the r-th given by set(r).
func writeItemsets(w io.Writer, labels []string, baskets, n int, set func(r int) ([]int32, int)) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("items,support,count\n")
	var buf []byte
	var text floatText
	nb := float64(baskets)
	for r := range n {
		items, count := set(r)
		buf = appendSet(buf[:0], items, labels)
		buf = append(buf, ',')
		buf = text.append(buf, float64(count)/nb)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(count), 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("basket: write itemsets: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("basket: write itemsets: %w", err)
	}
	return nil
}

// WriteRulesCSV writes the header lhs,rhs,support,confidence,coverage,
// lift,count and one row per rule; lhs and rhs are written as itemsets
// are by WriteItemsetsCSV ({} for an empty lhs).
func WriteRulesCSV(w io.Writer, rules []Rule, labels []string) error {
	return writeRules(w, labels, len(rules), func(i int) Rule { return rules[i] })
}

// WriteFrequentRulesCSV writes the rules f.Rules(opt) would give as
// WriteRulesCSV writes them, without making them all first, and returns
// how many it wrote.
func WriteFrequentRulesCSV(w io.Writer, f *Frequent, opt RuleOptions) (int, error) {
	hits, flat, err := f.sortedRules(opt)
	if err != nil {
		return 0, err
	}
	return len(hits), writeRules(w, f.labels, len(hits), func(i int) Rule { return f.rule(&hits[i], flat) })
}

// writeRules writes n rules, the i-th given by rule(i).
func writeRules(w io.Writer, labels []string, n int, rule func(i int) Rule) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("lhs,rhs,support,confidence,coverage,lift,count\n")
	var buf []byte
	var text floatText
	for i := range n {
		r := rule(i)
		buf = appendSet(buf[:0], r.LHS, labels)
		buf = append(buf, ',')
		rhs := [1]int32{r.RHS}
		buf = appendSet(buf, rhs[:], labels)
		for _, v := range [...]float64{r.Support, r.Confidence, r.Coverage, r.Lift} {
			buf = append(buf, ',')
			buf = text.append(buf, v)
		}
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r.Count), 10)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("basket: write rules: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("basket: write rules: %w", err)
	}
	return nil
}

// floatText formats floats as strconv does with the shortest exact
// text, remembering the text of the first values: supports and
// confidences repeat a lot, and formatting costs more than a map lookup.
type floatText map[float64]string

func (t *floatText) append(buf []byte, v float64) []byte {
	if s, ok := (*t)[v]; ok {
		return append(buf, s...)
	}
	if *t == nil {
		*t = make(floatText)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
	if len(*t) < 4096 {
		(*t)[v] = string(buf[start:])
	}
	return buf
}

// appendSet appends {a,b,...} as a CSV field: quoted when it holds a
// comma, quote or line break, with quotes doubled.
func appendSet(buf []byte, items []int32, labels []string) []byte {
	quote := len(items) > 1
	for _, id := range items {
		quote = quote || strings.ContainsAny(labels[id], "\",\r\n")
	}
	if quote {
		buf = append(buf, '"')
	}
	buf = append(buf, '{')
	for i, id := range items {
		if i > 0 {
			buf = append(buf, ',')
		}
		s := labels[id]
		if !quote {
			buf = append(buf, s...)
			continue
		}
		for j := 0; j < len(s); j++ {
			if s[j] == '"' {
				buf = append(buf, '"')
			}
			buf = append(buf, s[j])
		}
	}
	buf = append(buf, '}')
	if quote {
		buf = append(buf, '"')
	}
	return buf
}
