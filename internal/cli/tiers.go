package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/tier"
)

var tiersCmd = &command{
	name:    "tiers",
	args:    "export|import FILE",
	summary: "Write the membership tiers to a JSON file, or replace them from one.",
	help: `export FILE writes the tiers as they stand (the defaults 普通 / 银卡 / 金卡 / 钻石卡
when none were set; "-" is standard output). import FILE checks the file and
replaces the tiers, audited; members keep their tier until their next sale
(upgrades) or their next review (downgrades). Thresholds are in fen and
visits, multipliers and discounts per mille (1500 earns ×1.5, 50 is 5% off).`,
	run: runTiers,
}

func runTiers(ctx context.Context, e *env, c *invocation) int {
	if len(c.args) != 2 || (c.args[0] != "export" && c.args[0] != "import") {
		return usageError(e, c, "say export FILE or import FILE")
	}
	file := c.args[1]
	if c.args[0] == "export" {
		a, err := app.Open(ctx, c.cfg, app.ReadOnly)
		if err != nil {
			return fail(e, c, err)
		}
		defer a.Close()
		cfg, err := sales.New(store.NewSales(a.DB), a.Now).TierConfig(ctx)
		if err != nil {
			return fail(e, c, err)
		}
		b, _ := json.MarshalIndent(cfg, "", "  ")
		b = append(b, '\n')
		if file == "-" {
			_, err = e.stdout.Write(b)
		} else {
			err = os.WriteFile(file, b, 0o644)
		}
		if err != nil {
			return fail(e, c, err)
		}
		return exitOK
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fail(e, c, err)
	}
	var cfg tier.Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fail(e, c, fmt.Errorf("%s: %w", file, err))
	}
	a, err := app.Open(ctx, c.cfg, app.Migrate)
	if err != nil {
		return fail(e, c, err)
	}
	defer a.Close()
	if err := a.Sales.SetTierConfig(ctx, linli.System, cfg); err != nil {
		return fail(e, c, err)
	}
	fmt.Fprintf(e.stdout, "ok: %d tiers\n", len(cfg.Tiers))
	return exitOK
}
