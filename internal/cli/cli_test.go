package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/app"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/config"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/store"
)

const testKey = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestMain(m *testing.M) {
	// Cheap hashes: the tests create many accounts.
	auth.HashParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "LINLI_") {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// result is one run of the command line.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func runIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func run(t *testing.T, args ...string) result {
	t.Helper()
	return runIn(t, "", args...)
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, args...)
	if r.code != 0 {
		t.Fatalf("linli %s: %s", strings.Join(args, " "), r)
	}
	return r
}

func stats(t *testing.T, dir string) Stats {
	t.Helper()
	r := mustRun(t, "stats", "--data-dir", dir)
	var s Stats
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("stats output %q: %v", r.stdout, err)
	}
	return s
}

// openApp opens the data directory for writing with the test key.
func openApp(t *testing.T, dir string) *app.App {
	t.Helper()
	return openAppOn(t, dir, "")
}

// openAppOn opens the app on the database at dbURL (PostgreSQL), or on
// SQLite in dir when dbURL is empty.
func openAppOn(t *testing.T, dir, dbURL string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.SecretKey, cfg.DatabaseURL = dir, testKey, dbURL
	a, err := app.Open(context.Background(), cfg, app.Migrate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   string
		stderr   string
		noStderr bool
	}{
		{args: nil, code: 2, stderr: "Commands:"},
		{args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`},
		{args: []string{"help"}, code: 0, stdout: "serve", noStderr: true},
		{args: []string{"--help"}, code: 0, stdout: "Usage: linli COMMAND"},
		{args: []string{"help", "serve"}, code: 0, stdout: "-addr"},
		{args: []string{"help", "nope"}, code: 2, stderr: "unknown command"},
		{args: []string{"serve", "--help"}, code: 0, stdout: "-data-dir"},
		{args: []string{"demo", "-h"}, code: 0, stdout: "-no-serve"},
		{args: []string{"stats", "--help"}, code: 0, stdout: "-data-dir"},
		{args: []string{"stats", "--bogus"}, code: 2, stderr: "flag provided but not defined: -bogus"},
		{args: []string{"user", "--help"}, code: 0, stdout: "-password-stdin"},
		{args: []string{"import", "--help"}, code: 0, stdout: "-errors"},
		{args: []string{"version"}, code: 0, stdout: "linli dev"},
		{args: []string{"--version"}, code: 0, stdout: "go1."},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("want exit %d, stdout ~ %q, stderr ~ %q; got %s", tt.code, tt.stdout, tt.stderr, r)
			}
			if tt.noStderr && r.stderr != "" {
				t.Errorf("unexpected stderr %q", r.stderr)
			}
		})
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	// The data directory given after the positional argument still counts.
	r := run(t, "import", "members", filepath.Join(dir, "missing.csv"), "--data-dir", dir, "--batch", "10")
	if r.code != 1 || !strings.Contains(r.stderr, "missing.csv") {
		t.Errorf("missing file: %s", r)
	}
	r = run(t, "import", "members", "--", "--data-dir")
	if r.code != 1 || !strings.Contains(r.stderr, "--data-dir") {
		t.Errorf("file named like a flag after --: %s", r)
	}
}

func TestConfigHidesKey(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	t.Setenv("LINLI_DATABASE_URL", "postgres://linli:hunter2@db.example/linli")
	dir := t.TempDir()
	r := mustRun(t, "config", "--data-dir", dir, "--lang", "en")
	for _, want := range []string{"LINLI_SECRET_KEY=***  # env", "LINLI_DATA_DIR=" + dir + "  # flag", "LINLI_LANG=en  # flag",
		"LINLI_DATABASE_URL=postgres://linli:***@db.example/linli"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, testKey) || strings.Contains(r.stdout, "hunter2") {
		t.Errorf("config shows a secret:\n%s", r.stdout)
	}

	t.Setenv("LINLI_LOG_LEVEL", "loud")
	r = run(t, "config")
	if r.code != 1 || !strings.Contains(r.stderr, "LINLI_LOG_LEVEL") {
		t.Errorf("bad option: %s", r)
	}
}

func TestDemoThenStats(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	r := mustRun(t, "demo", "--no-serve", "--members", "300", "--sales-months", "1", "--data-dir", dir, "--password", "demo-pass-1")
	t.Logf("demo with 300 members: %s", time.Since(start))
	if r := mustRun(t, "check", "--data-dir", dir); !strings.Contains(r.stdout, "no violations") {
		t.Errorf("check after demo: %s", r)
	}
	for _, want := range []string{"password demo-pass-1", "admin", "owner", "cashier", "analyst", "secret.key", "/login",
		"Demo analysis:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	s := stats(t, dir)
	if s.Members != 300 || s.MembersTotal != 300 || s.Stores != 2 || s.Staff != 6 || s.APIKeys != 0 ||
		s.SchemaVersion != store.Latest() || s.Dialect != "sqlite" || s.Products != 150 || s.Sales == 0 || s.PointsOutstanding == 0 {
		t.Errorf("stats after demo: %+v", s)
	}
	// The JSON keys are a public interface.
	raw := mustRun(t, "stats", "--data-dir", dir).stdout
	for _, k := range []string{`"members": 300`, `"members_total"`, `"stores": 2`, `"staff": 6`, `"api_keys"`, `"schema_version"`, `"dialect": "sqlite"`} {
		if !strings.Contains(raw, k) {
			t.Errorf("stats lacks %s:\n%s", k, raw)
		}
	}

	// A second run leaves the data alone.
	r = mustRun(t, "demo", "--no-serve", "--members", "50", "--data-dir", dir)
	if !strings.Contains(r.stdout, "already holds data") {
		t.Errorf("second demo run: %s", r)
	}
	if s := stats(t, dir); s.Members != 300 {
		t.Errorf("second demo run changed members: %+v", s)
	}

	// The demo marker lets serve run without a configured key.
	a := func() *app.App {
		cfg := config.Default()
		cfg.DataDir = dir
		a, err := app.Open(context.Background(), cfg, app.Current)
		if err != nil {
			t.Fatalf("open demo without key: %v", err)
		}
		return a
	}()
	defer a.Close()
	if ok, _ := a.IsDemo(context.Background()); !ok || a.KeyFile == "" {
		t.Errorf("demo not marked: %v %q", ok, a.KeyFile)
	}
	if _, _, err := a.Auth.Login(context.Background(), "admin", "demo-pass-1", "127.0.0.1"); err != nil {
		t.Errorf("admin login: %v", err)
	}
	m, err := a.Members.Get(context.Background(), linli.System, 1, member.View{Unmask: true})
	if err != nil || m.Name == "" || m.StoreID == 0 {
		t.Errorf("member 1: %+v, %v", m, err)
	}
}

func TestDemoRefusesRealInstallation(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	if _, err := a.Members.Create(context.Background(), linli.System, member.Input{Name: "张三", Phone: "13800138000"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	r := run(t, "demo", "--no-serve", "--data-dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "real installation") {
		t.Errorf("demo over real data: %s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, app.KeyFileName)); err == nil {
		t.Error("demo wrote a key file into a real installation")
	}
}

func TestStatsWhileWriterHoldsDatabase(t *testing.T) {
	dir := t.TempDir()
	a := openApp(t, dir)
	ctx := context.Background()
	for i := range 5 {
		if _, err := a.Members.Create(ctx, linli.System, member.Input{Name: "李四", Phone: fmt.Sprintf("1380013800%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// Stats runs while a write transaction is open and sees what is committed.
	err := a.DB.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE members SET status = 'inactive' WHERE id = 1`); err != nil {
			return err
		}
		s := stats(t, dir)
		if s.Members != 5 || s.MembersTotal != 5 {
			t.Errorf("stats during a write: %+v", s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := stats(t, dir); s.Members != 4 || s.MembersTotal != 5 {
		t.Errorf("stats after the write: %+v", s)
	}
	// Stats needs no key and migrates nothing.
	if r := run(t, "stats", "--data-dir", t.TempDir()); r.code != 1 || !strings.Contains(r.stderr, "no database") {
		t.Errorf("stats on an empty dir: %s", r)
	}
}

func TestMigrate(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, "migrate", "--check", "--data-dir", dir); r.code != 1 {
		t.Errorf("check on an empty dir: %s", r)
	}
	r := mustRun(t, "migrate", "--data-dir", dir)
	if !strings.Contains(r.stdout, fmt.Sprintf("0 → %d", store.Latest())) || !strings.Contains(r.stdout, "applied migration 1") {
		t.Errorf("migrate: %s", r)
	}
	r = mustRun(t, "migrate", "--check", "--data-dir", dir)
	if !strings.Contains(r.stdout, "is current") {
		t.Errorf("check: %s", r)
	}
	r = mustRun(t, "migrate", "--data-dir", dir)
	if !strings.Contains(r.stdout, "is current") {
		t.Errorf("second migrate: %s", r)
	}

	// A database one step behind.
	db, err := store.Open(context.Background(), dir, "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W.Exec(`DELETE FROM schema_version WHERE version = ?`, store.Latest()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r = run(t, "migrate", "--check", "--data-dir", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "run linli migrate") {
		t.Errorf("check behind: %s", r)
	}
}

func TestUserCommands(t *testing.T) {
	dir := t.TempDir()
	r := runIn(t, "s3cret-pass\n", "user", "add", "--username", "Boss", "--role", "owner", "--name", "老板", "--password-stdin", "--data-dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, `owner account "boss"`) {
		t.Fatalf("add owner: %s", r)
	}
	mustRun(t, "migrate", "--data-dir", dir) // nothing to do, but the store must exist for the next step
	a := openApp(t, dir)
	if _, _, err := a.Auth.Login(context.Background(), "boss", "s3cret-pass", ""); err != nil {
		t.Errorf("login with the new account: %v", err)
	}
	a.Close()

	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no password on a pipe", "", []string{"user", "add", "--username", "x1", "--role", "analyst"}, 1, "--password-stdin"},
		{"short password", "short\n", []string{"user", "add", "--username", "x2", "--role", "analyst", "--password-stdin"}, 1, "auth.password_too_short"},
		{"cashier without store", "longenough\n", []string{"user", "add", "--username", "x3", "--role", "cashier", "--password-stdin"}, 1, "staff.store_required"},
		{"bad role", "longenough\n", []string{"user", "add", "--username", "x4", "--role", "king", "--password-stdin"}, 1, "staff.role_invalid"},
		{"taken", "longenough\n", []string{"user", "add", "--username", "boss", "--role", "analyst", "--password-stdin"}, 1, "boss"},
		{"no role", "", []string{"user", "add", "--username", "x5"}, 2, "--role is required"},
		{"no username", "", []string{"user", "reset-password"}, 2, "--username is required"},
		{"unknown sub", "", []string{"user", "delete"}, 2, `unknown subcommand "delete"`},
		{"reset unknown", "longenough\n", []string{"user", "reset-password", "--username", "ghost", "--password-stdin"}, 1, "no staff account"},
		{"both sources", "longenough\n", []string{"user", "add", "--username", "x6", "--role", "analyst", "--password", "abcdefgh1", "--password-stdin"}, 1, "not both"},
		{"password flag", "", []string{"user", "add", "--username", "ana", "--role", "analyst", "--password", "abcdefgh1"}, 0, "analyst account"},
		{"reset", "new-password-1\n", []string{"user", "reset-password", "--username", "BOSS", "--password-stdin"}, 0, "changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn(t, tt.stdin, append(tt.args, "--data-dir", dir)...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Errorf("want exit %d with %q, got %s", tt.code, tt.want, r)
			}
		})
	}

	r = mustRun(t, "user", "list", "--data-dir", dir)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "USERNAME") || !strings.Contains(lines[1], "ana") ||
		!strings.Contains(lines[2], "boss") || !strings.Contains(lines[2], "老板") {
		t.Errorf("user list:\n%s", r.stdout)
	}
	a = openApp(t, dir)
	if _, _, err := a.Auth.Login(context.Background(), "boss", "new-password-1", ""); err != nil {
		t.Errorf("login after reset: %v", err)
	}
}

const membersCSV = "姓名,手机号,性别,生日,小区\n" +
	"张伟,13800138001,男,1980-05-01,幸福里\n" +
	"王芳,13800138002,女,1990-02-03,\n" +
	"李娜,12345,女,,\n" + // bad phone
	"刘洋,13800138004,,,阳光花园\n" +
	"陈静,13800138002,女,,\n" // the same phone again

func TestImportExportMembers(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	csvPath := filepath.Join(t.TempDir(), "members.csv")
	if err := os.WriteFile(csvPath, []byte(membersCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "import", "members", csvPath, "--data-dir", dir)
	if r.code != 0 {
		t.Fatalf("import: %s", r)
	}
	m := regexp.MustCompile(`inserted (\d+), updated (\d+), unchanged \d+, errors (\d+)`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] != "3" || m[2] != "0" || m[3] != "2" {
		t.Fatalf("import summary: %s", r)
	}
	report := csvPath + ".errors.csv"
	if !strings.Contains(r.stdout, report) {
		t.Errorf("summary does not name the report: %s", r.stdout)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(b)), "\n"); n != 2 {
		t.Errorf("error report has %d rows:\n%s", n, b)
	}
	if s := stats(t, dir); s.Members != 3 {
		t.Errorf("members after import: %+v", s)
	}

	// Again, with an explicit mapping and report path: nothing new.
	report2 := filepath.Join(t.TempDir(), "report.csv")
	r = mustRun(t, "import", "members", csvPath, "--data-dir", dir, "--map", "name=姓名,phone=手机号", "--errors", report2, "--batch", "2")
	if !strings.Contains(r.stdout, "inserted 0, updated 0, unchanged 3, errors 2") {
		t.Errorf("re-import: %s", r)
	}
	if _, err := os.Stat(report2); err != nil {
		t.Errorf("report at --errors: %v", err)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "orders", csvPath}, 2, `unknown kind "orders"; kinds: members, products`},
		{[]string{"import"}, 2, "kinds: members, products"},
		{[]string{"import", "members"}, 2, "want one file"},
		{[]string{"import", "members", csvPath, "--map", "shoe=鞋码"}, 2, "shoe"},
		{[]string{"import", "members", csvPath, "--store", "99"}, 1, "--store 99"},
		{[]string{"export", "members", filepath.Join(dir, "x.txt")}, 2, ".csv or .xlsx"},
	} {
		r := run(t, append(tt.args, "--data-dir", dir)...)
		if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: want exit %d with %q, got %s", tt.args, tt.code, tt.want, r)
		}
	}

	// A clean file leaves no error report behind.
	clean := filepath.Join(t.TempDir(), "clean.csv")
	os.WriteFile(clean, []byte("name,phone\n赵六,13900139000\n"), 0o600)
	r = mustRun(t, "import", "members", clean, "--data-dir", dir)
	if _, err := os.Stat(clean + ".errors.csv"); err == nil || strings.Contains(r.stdout, "not imported") {
		t.Errorf("report for a clean import: %s", r)
	}

	// Export masks unless asked.
	out := filepath.Join(t.TempDir(), "out.csv")
	r = mustRun(t, "export", "members", out, "--data-dir", dir)
	if !strings.Contains(r.stdout, "exported 4 members") {
		t.Errorf("export: %s", r)
	}
	b, _ = os.ReadFile(out)
	if strings.Contains(string(b), "13800138001") || !strings.Contains(string(b), "138****8001") || strings.Contains(string(b), "张伟") {
		t.Errorf("masked export shows personal data:\n%s", b)
	}
	if _, err := os.Stat(out + ".partial"); err == nil {
		t.Error("partial export file left")
	}
	out2 := filepath.Join(t.TempDir(), "out.xlsx")
	mustRun(t, "export", "members", out2, "--unmask", "--data-dir", dir)
	if b, _ := os.ReadFile(out2); !bytes.HasPrefix(b, []byte("PK")) {
		t.Error("xlsx export is not a zip file")
	}
	out3 := filepath.Join(t.TempDir(), "clear.csv")
	mustRun(t, "export", "members", out3, "--unmask", "--data-dir", dir, "--lang", "en")
	b, _ = os.ReadFile(out3)
	if !strings.Contains(string(b), "13800138001") || !strings.Contains(string(b), "张伟") || !strings.Contains(string(b), "phone") {
		t.Errorf("unmasked export:\n%s", b)
	}

	// Unmasked exports are audited: one line per page, naming its members.
	a := openApp(t, dir)
	var audited int
	var detail string
	a.DB.QueryRow(context.Background(), `SELECT COUNT(*), MAX(detail) FROM audit_log WHERE action = 'member.unmask_list'`).Scan(&audited, &detail)
	if audited < 2 || !strings.HasPrefix(detail, "members ") {
		t.Errorf("%d unmask audit lines (%q), want one per unmasked export page", audited, detail)
	}
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Setenv("LINLI_SECRET_KEY", testKey)
	dir := t.TempDir()
	mustRun(t, "demo", "--no-serve", "--members", "200", "--data-dir", dir, "--password", "demo-pass-1")
	a := openApp(t, dir)
	ctx := context.Background()

	// Keep registering members while the backup runs.
	var wg sync.WaitGroup
	var stop atomic.Bool
	var added atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if _, err := a.Members.Create(ctx, linli.System, member.Input{Name: "周一", Phone: fmt.Sprintf("137%08d", i)}); err != nil {
				t.Error(err)
				return
			}
			added.Add(1)
		}
	}()
	for added.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "linli-backup.db")
	r := run(t, "backup", backup, "--data-dir", dir)
	stop.Store(true)
	wg.Wait()
	if r.code != 0 || !strings.Contains(r.stdout, "integrity ok") {
		t.Fatalf("backup: %s", r)
	}
	inBackup, err := store.CheckFile(ctx, backup)
	if err != nil || inBackup != store.Latest() {
		t.Fatalf("backup file: %d %v", inBackup, err)
	}
	if r := run(t, "backup", backup, "--data-dir", dir); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("backup over a file: %s", r)
	}
	before := stats(t, dir)
	a.Close()

	// Restore is refused while a server holds the lock.
	unlock, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r = run(t, "restore", backup, "--data-dir", dir)
	if r.code != 1 || !strings.Contains(r.stderr, "server is running") {
		t.Errorf("restore under a running server: %s", r)
	}
	unlock()

	r = mustRun(t, "restore", backup, "--data-dir", dir)
	if !strings.Contains(r.stdout, "before-restore-") {
		t.Errorf("restore: %s", r)
	}
	after := stats(t, dir)
	if after.MembersTotal < 205 || after.MembersTotal > before.MembersTotal || after.Staff != 6 || after.Stores != 2 {
		t.Errorf("restored %+v, had %+v", after, before)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "linli.db.before-restore-*"))
	if len(matches) == 0 {
		t.Error("the previous database was not kept")
	}
	// The restored data opens with the key and reads.
	a = openApp(t, dir)
	if _, err := a.Members.Get(ctx, linli.System, 1, member.View{Unmask: true}); err != nil {
		t.Errorf("read a restored member: %v", err)
	}
	a.Close()

	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("junk"), 1000), 0o600)
	if r := run(t, "restore", junk, "--data-dir", dir); r.code != 1 {
		t.Errorf("restore of junk: %s", r)
	}
	if s := stats(t, dir); s != after {
		t.Errorf("a refused restore changed the data: %+v", s)
	}

	// The default backup name.
	r = mustRun(t, "backup", "--data-dir", dir)
	if !strings.Contains(r.stdout, filepath.Join(dir, "backups", "linli-")) {
		t.Errorf("default backup: %s", r)
	}

	t.Setenv("LINLI_DATABASE_URL", "postgres://linli:pw@localhost/linli")
	r = run(t, "backup", "x.dump")
	if r.code != 1 || !strings.Contains(r.stderr, "pg_dump") || strings.Contains(r.stderr, ":pw@") {
		t.Errorf("backup on postgres: %s", r)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe(t *testing.T) {
	dir := t.TempDir()

	// Without a key a real installation does not start.
	r := run(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "no secret key") {
		t.Errorf("serve without key: %s", r)
	}

	t.Setenv("LINLI_SECRET_KEY", testKey)
	t.Setenv("LINLI_RETENTION_YEARS", "3")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()
	urlRE := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log its URL:\n%s", stderr.String())
		}
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}

	// A second server on the same data directory is refused.
	r = run(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "server is running") {
		t.Errorf("second server: %s", r)
	}
	// Stats works beside it.
	if s := stats(t, dir); s.SchemaVersion != store.Latest() {
		t.Errorf("stats beside serve: %+v", s)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d:\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("no clean shutdown in the log:\n%s", stderr.String())
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still answering after shutdown")
	}
	// The lock is released.
	unlock, err := lockDir(dir)
	if err != nil {
		t.Errorf("lock after shutdown: %v", err)
	} else {
		unlock()
	}
}

func TestDemoServes(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"demo", "--data-dir", dir, "--addr", "127.0.0.1:0", "--members", "20", "--stores", "3"},
			strings.NewReader(""), &stdout, &stderr)
	}()
	re := regexp.MustCompile(`Sign in at (http://127\.0\.0\.1:\d+)/login`)
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("demo exited with %d:\n%s\n%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not print its URL:\n%s\n%s", stdout.String(), stderr.String())
		}
	}
	if !regexp.MustCompile(`password [A-Za-z0-9]{12} `).MatchString(stdout.String()) {
		t.Errorf("no generated password in:\n%s", stdout.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := stats(t, dir); s.Members != 20 || s.Stores != 3 {
		t.Errorf("stats: %+v", s)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("demo exit %d:\n%s", code, stderr.String())
	}
}
