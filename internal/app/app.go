// Package app wires Linli together: configuration, database, key, and the
// domain services. The command line, the HTTP server and the jobs all start
// from an *App; nothing here speaks HTTP.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/analysis"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/insight"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
)

// App holds the open database and the services built on it.
type App struct {
	Config   *config.Config
	DB       *store.DB
	Vault    *privacy.Vault
	Now      linli.Clock
	Members  *member.Service
	Auth     *auth.Service
	Shops    *shop.Service
	Imports  *importer.Jobs
	Products *catalog.Service
	Sales    *sales.Service
	Analysis *analysis.Service
	Insights *insight.Service // sales analyses for the console and the API
	// KeyFile is set when the key came from the demo key file.
	KeyFile string
}

// Mode says what the caller needs of the database.
type Mode int

const (
	// Migrate brings the schema up to date (serve, demo, migrate, import …).
	Migrate Mode = iota
	// Current refuses a schema that is behind instead of migrating it.
	Current
	// ReadOnly opens readers only and needs no key (stats).
	ReadOnly
)

// KeyFileName is where demo mode keeps its generated key, in the data dir.
const KeyFileName = "secret.key"

// Open connects to the database the configuration names and builds the
// services. The caller must Close the App.
func Open(ctx context.Context, cfg *config.Config, mode Mode) (*App, error) {
	db, err := store.Open(ctx, cfg.DataDir, cfg.DatabaseURL, store.Options{ReadOnly: mode == ReadOnly})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Now: linli.SystemClock}
	if err := a.prepare(ctx, mode); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) prepare(ctx context.Context, mode Mode) error {
	switch mode {
	case Migrate:
		applied, err := a.DB.Migrate(ctx, a.Now)
		if err != nil {
			return err
		}
		if len(applied) > 0 {
			slog.Info("database migrated", "versions", applied, "dialect", a.DB.Dialect)
		}
	default:
		if err := a.DB.CheckSchema(ctx); err != nil {
			return err
		}
	}
	if mode == ReadOnly {
		return nil
	}
	key, err := a.masterKey(ctx)
	if err != nil {
		return err
	}
	v, err := privacy.New(key)
	if err != nil {
		return err
	}
	a.Vault = v
	a.Members = member.NewService(store.NewMembers(a.DB), v, a.Now)
	authStore := store.NewAuth(a.DB)
	a.Auth = auth.New(authStore, auth.Options{Now: a.Now, SessionTTL: a.Config.SessionTTL})
	a.Shops = shop.New(store.NewShops(a.DB), a.Now)
	a.Products = catalog.New(store.NewProducts(a.DB), a.Now)
	a.Sales = sales.New(store.NewSales(a.DB), a.Now)
	a.Analysis = analysis.New(store.NewAnalysis(a.DB), a.Now)
	a.Insights = insight.New(store.NewInsights(a.DB), a.Now)
	a.Imports = importer.NewJobs(store.NewImportJobs(a.DB), a.Members, filepath.Join(a.Config.DataDir, "imports"), a.Now)
	return nil
}

// masterKey reads the configured key. Without one, a demo installation
// uses (and on first start creates) the key file in its data directory;
// any other installation refuses to start, because personal data sealed
// with a key nobody kept would be lost.
func (a *App) masterKey(ctx context.Context) ([]byte, error) {
	key, err := a.Config.MasterKey()
	if err == nil {
		return key, nil
	}
	if !errors.Is(err, config.ErrNoSecretKey) {
		return nil, err
	}
	demo, err := a.IsDemo(ctx)
	if err != nil {
		return nil, err
	}
	if !a.Config.Demo && !demo {
		return nil, errors.New("no secret key: set LINLI_SECRET_KEY (64 hex digits, e.g. from `openssl rand -hex 32`) " +
			"or LINLI_SECRET_KEY_FILE; keep a copy of it with your backups. `linli demo` runs without one")
	}
	path := filepath.Join(a.Config.DataDir, KeyFileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err = privacy.ParseKey(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("demo key file %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(a.Config.DataDir, 0o700); err != nil {
			return nil, err
		}
		hex := privacy.NewKey()
		if err := os.WriteFile(path, []byte(hex+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("write demo key: %w", err)
		}
		key, _ = privacy.ParseKey(hex)
		slog.Warn("demo mode: generated a secret key for personal data", "file", path)
	default:
		return nil, fmt.Errorf("read demo key: %w", err)
	}
	a.KeyFile = path
	return key, nil
}

// Setting keys in the settings table.
const settingDemo = "demo"

// IsDemo reports whether this database was created by `linli demo`.
func (a *App) IsDemo(ctx context.Context) (bool, error) {
	v, err := a.Setting(ctx, settingDemo)
	return v == "1", err
}

// MarkDemo records that the database holds demo data.
func (a *App) MarkDemo(ctx context.Context) error { return a.SetSetting(ctx, settingDemo, "1") }

// Setting reads one installation setting ("" when unset).
func (a *App) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := a.DB.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil && !strings.Contains(err.Error(), "no rows") {
		if strings.Contains(err.Error(), "no such table") {
			return "", nil
		}
		return "", fmt.Errorf("app: read setting %s: %w", key, err)
	}
	return v, nil
}

// SetSetting writes one installation setting.
func (a *App) SetSetting(ctx context.Context, key, value string) error {
	return a.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}

// Close interrupts the imports still running, then releases the database.
func (a *App) Close() error {
	if a.Imports != nil {
		a.Imports.Stop()
	}
	if a.Analysis != nil {
		a.Analysis.Stop() // a run cut short is recorded as failed, not left running
	}
	return a.DB.Close()
}

// serverGC is the garbage collector's target for a serving process: a
// till's sale allocates a few hundred short-lived objects while the live
// heap stays small (the SQLite page cache is outside it), so the default
// of 100 collects very often; 400 spent about 12 % less CPU per sale for
// a heap of tens of megabytes.
const serverGC = 400

// TuneServer sets the runtime up for serving, unless the operator chose
// with GOGC.
func TuneServer(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGC)
	}
}
