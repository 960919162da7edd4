package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linli/linli/internal/tier"
)

func TestTiersExportImport(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	openApp(t, dir)
	file := filepath.Join(t.TempDir(), "tiers.json")
	mustRun(t, "tiers", "export", file, "--data-dir", dir)
	var cfg tier.Config
	b, err := os.ReadFile(file)
	if err != nil || json.Unmarshal(b, &cfg) != nil || len(cfg.Tiers) != 4 || cfg.Tiers[3].Name != "钻石卡" {
		t.Fatalf("export: %v %s", err, b)
	}
	cfg.Tiers[1].MinSpendFen = 150_000
	b, _ = json.Marshal(cfg)
	os.WriteFile(file, b, 0o644)
	if r := mustRun(t, "tiers", "import", file, "--data-dir", dir); !strings.Contains(r.stdout, "ok: 4 tiers") {
		t.Errorf("import: %s", r)
	}
	if r := mustRun(t, "tiers", "export", "-", "--data-dir", dir); !strings.Contains(r.stdout, `"min_spend_fen": 150000`) {
		t.Errorf("export after import: %s", r)
	}
	cfg.Tiers[0].MinVisits = 3
	b, _ = json.Marshal(cfg)
	os.WriteFile(file, b, 0o644)
	if r := run(t, "tiers", "import", file, "--data-dir", dir); r.code != exitFail || !strings.Contains(r.stderr, "lowest") {
		t.Errorf("bad import: %s", r)
	}
	if r := run(t, "tiers", "drop", "--data-dir", dir); r.code != exitUsage {
		t.Errorf("bad usage: %s", r)
	}
}
