package cli

import (
	"context"
	"flag"
	"runtime/debug"
	"sort"
	"strings"
)

// analyzer is one "linli analyze" subcommand.
type analyzer struct {
	summary string
	run     func(ctx context.Context, e *env, c *invocation) int
	// short marks a model run on a file: a short process that should not
	// spend its time collecting garbage.
	short bool
}

// analyzers are the subcommands of analyze, by name. Each model's file
// registers its own in an init function.
var analyzers = map[string]analyzer{}

// analyzeFlags are the flags of every analyze subcommand; they share one
// flag set because the command line parser knows commands, not
// subcommands. Files that add a subcommand may append to it in init.
var analyzeFlags = []func(fs *flag.FlagSet){
	func(fs *flag.FlagSet) {
		fs.String("summary", "", "CSV calibration summary with columns id,x,t_x,T[,zbar] (clv)")
		fs.String("elog", "", "CSV event log with columns id,date[,sales] to build the summary from (clv)")
		fs.String("calibration-end", "", "last day of the calibration period, YYYY-MM-DD (clv with --elog)")
		fs.String("baskets", "", "file with one basket per line, items separated by commas or white space (itemsets, rules)")
		fs.Float64("min-support", 0.01, "minimum support as a fraction of baskets: an itemset is frequent when it occurs in at least S × baskets (itemsets, rules)")
		fs.Float64("min-confidence", 0.8, "minimum confidence of a rule (rules)")
		fs.Bool("count", false, "print only the number of results found (itemsets, rules)")
	},
}

var analyzeCmd = &command{
	name:    "analyze",
	args:    "MODEL",
	summary: "Score the store's members, or fit customer models on files: lifetime value, itemsets, rules.",
	help: `Models:
  store     score every member on the store's own sales (RFM, lifetime value,
            clusters) and keep the scores; [--as-of YYYY-MM-DD]. The server also
            runs it nightly.
  clv       BG/NBD, Pareto/NBD and Gamma-Gamma by maximum likelihood; prints JSON.
            --summary FILE (id,x,t_x,T[,zbar]) or --elog FILE --calibration-end DATE
            [--holdout-end DATE] (adds the holdout comparison).
  itemsets  frequent itemsets of --baskets FILE at --min-support; prints CSV.
  rules     association rules of --baskets FILE at --min-support and
            --min-confidence, single-item consequents; prints CSV.
--count prints only the number found.`,
	flags: func(fs *flag.FlagSet) {
		for _, f := range analyzeFlags {
			f(fs)
		}
	},
	run: runAnalyze,
}

func runAnalyze(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) < 1 {
		return usageError(e, c, "say which model: %s", strings.Join(analyzerNames(), ", "))
	}
	a, ok := analyzers[c.args[0]]
	if !ok {
		return usageError(e, c, "unknown model %q; the models are %s", c.args[0], strings.Join(analyzerNames(), ", "))
	}
	if a.short {
		shortRunGC(e)
	}
	return a.run(ctx, e, c)
}

// shortGC is the GOGC of a model run on a file: such a run lasts
// milliseconds and its heap is a few times its input, so collections cost
// more time than the memory they would free (Groceries: none instead of
// one or two, FIMI retail: none instead of two).
const shortGC = 400

// shortRunGC sets shortGC unless GOGC says otherwise.
func shortRunGC(e *env) {
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(shortGC)
	}
}

func analyzerNames() []string {
	names := make([]string, 0, len(analyzers))
	for n := range analyzers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// flagFloat is the value of a float flag.
func flagFloat(fs *flag.FlagSet, name string) float64 {
	return fs.Lookup(name).Value.(flag.Getter).Get().(float64)
}
