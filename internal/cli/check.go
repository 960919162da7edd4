package cli

import (
	"context"
	"fmt"

	"github.com/linli/linli/internal/app"
)

var checkCmd = &command{
	name:    "check",
	summary: "Verify the points ledger and sales; exit 1 when something is inconsistent.",
	help: `Checks the invariants of the ledger: every member's cached balance equals the
sum of their entries, every lot's remainder equals its points less what was
taken from it, no balance is negative unless the rules record debts, and no
refund exceeds its sale. Prints "ok: no violations", or one line per
violation (code, member, sale, detail) and exits 1. Needs the secret key, like
import; it only reads, so it may run while a server runs on the same data.`,
	run: runCheck,
}

func runCheck(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) > 0 {
		return usageError(e, c, "unexpected argument %q", c.args[0])
	}
	a, err := app.Open(ctx, c.cfg, app.Current)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	vs, err := a.Sales.Check(ctx)
	if err != nil {
		return fail(e, c, err)
	}
	if len(vs) == 0 {
		fmt.Fprintln(e.stdout, "ok: no violations")
		return exitOK
	}
	for _, v := range vs {
		line := v.Code
		if v.MemberID != 0 {
			line += fmt.Sprintf(" member=%d", v.MemberID)
		}
		if v.SaleID != 0 {
			line += fmt.Sprintf(" sale=%d", v.SaleID)
		}
		if v.Detail != "" {
			line += ": " + v.Detail
		}
		fmt.Fprintln(e.stdout, line)
	}
	fmt.Fprintf(e.stderr, "linli check: %d violation(s)\n", len(vs))
	return exitFail
}
