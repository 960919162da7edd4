package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math"

	"github.com/linli/linli/internal/analytics/basket"
)

func init() {
	analyzers["itemsets"] = analyzer{
		summary: "frequent itemsets of --baskets at --min-support",
		short:   true,
		run:     func(ctx context.Context, e *env, c *invocation) int { return runBasket(e, c, false) },
	}
	analyzers["rules"] = analyzer{
		summary: "association rules of --baskets at --min-support and --min-confidence",
		short:   true,
		run:     func(ctx context.Context, e *env, c *invocation) int { return runBasket(e, c, true) },
	}
	analyzeFlags = append(analyzeFlags, func(fs *flag.FlagSet) {
		fs.Int("max-len", 0, "largest itemset size, lhs and rhs together for rules; 0 means no limit (itemsets, rules)")
	})
}

// runBasket mines the baskets file and prints itemsets or rules as CSV,
// or only their number with --count.
func runBasket(e *env, c *invocation, rules bool) int {
	path := flagString(c.fs, "baskets")
	if path == "" {
		return usageError(e, c, "%s needs --baskets FILE", c.args[0])
	}
	if len(c.args) > 1 {
		return usageError(e, c, "unexpected argument %q", c.args[1])
	}
	support := flagFloat(c.fs, "min-support")
	if !(support > 0 && support <= 1) {
		return usageError(e, c, "--min-support %v is not in (0, 1]", support)
	}
	confidence := flagFloat(c.fs, "min-confidence")
	if rules && !(confidence >= 0 && confidence <= 1) {
		return usageError(e, c, "--min-confidence %v is not in [0, 1]", confidence)
	}
	maxLen := flagInt(c.fs, "max-len")
	if maxLen < 0 || maxLen > math.MaxInt32 {
		return usageError(e, c, "--max-len %d is negative", maxLen)
	}

	b, err := basket.ReadFile(path, basket.ReadOptions{})
	if err != nil {
		return fail(e, c, err)
	}
	f, err := basket.Mine(b, basket.Options{MinSupport: support, MaxLen: maxLen})
	if err != nil {
		return fail(e, c, err)
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	if !rules {
		if flagBool(c.fs, "count") {
			fmt.Fprintln(w, f.Len())
		} else if err := basket.WriteFrequentCSV(w, f); err != nil {
			return fail(e, c, err)
		}
	} else {
		// The rules are counted or written straight from the result, not
		// made into a slice first: on a short run the memory costs more in
		// page faults than the work.
		opt := basket.RuleOptions{MinConfidence: confidence}
		if flagBool(c.fs, "count") {
			n, err := f.NumRules(opt)
			if err != nil {
				return fail(e, c, err)
			}
			fmt.Fprintln(w, n)
		} else if _, err := basket.WriteFrequentRulesCSV(w, f, opt); err != nil {
			return fail(e, c, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fail(e, c, fmt.Errorf("write: %w", err))
	}
	return exitOK
}
