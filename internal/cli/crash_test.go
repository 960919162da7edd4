package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/linli/linli/internal/store"
)

// TestImportSurvivesKill is the acceptance test for imports: kill -9 in the
// middle of a large import, and the database still opens; running the
// import again reaches the same end state with no duplicates.
func TestImportSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 60,000 rows; skipped with -short")
	}
	const rows = 60_000
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "linli")
	build := exec.Command("go", "build", "-o", bin, "github.com/linli/linli/cmd/linli")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	csvPath := filepath.Join(tmp, "members.csv")
	writeMembersCSV(t, csvPath, rows)
	dir := filepath.Join(tmp, "data")

	env := append(os.Environ(), "LINLI_SECRET_KEY="+testKey, "LINLI_DATA_DIR="+dir, "LINLI_LOG_LEVEL=warn")
	linli := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		return cmd
	}
	statsOf := func() (Stats, error) {
		out, err := linli("stats").Output()
		if err != nil {
			return Stats{}, fmt.Errorf("linli stats: %w: %s", err, out)
		}
		var s Stats
		return s, json.Unmarshal(out, &s)
	}
	importAll := func() (inserted, unchanged int) {
		t.Helper()
		start := time.Now()
		out, err := linli("import", "members", csvPath).CombinedOutput()
		if err != nil {
			t.Fatalf("linli import: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`rows (\d+): inserted (\d+), updated (\d+), unchanged (\d+), errors (\d+)`).FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(rows) || string(m[3]) != "0" || string(m[5]) != "0" {
			t.Fatalf("import summary:\n%s", out)
		}
		inserted, _ = strconv.Atoi(string(m[2]))
		unchanged, _ = strconv.Atoi(string(m[4]))
		t.Logf("import: inserted %d, unchanged %d in %s", inserted, unchanged, time.Since(start).Round(time.Millisecond))
		return inserted, unchanged
	}

	// 1. Start the import and kill it once some batches are in.
	imp := linli("import", "members", csvPath)
	var impOut bytes.Buffer
	imp.Stdout, imp.Stderr = &impOut, &impOut
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- imp.Wait() }()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			t.Fatalf("the import ended (%v) before it could be killed; make the file larger:\n%s", err, impOut.String())
		default:
		}
		if time.Now().After(deadline) {
			imp.Process.Kill()
			t.Fatalf("no members written after 3 minutes:\n%s", impOut.String())
		}
		// Before the first import migrates, stats finds no database; keep polling.
		if s, err := statsOf(); err == nil && s.Members > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := imp.Process.Kill(); err != nil { // SIGKILL: no clean-up of any kind
		t.Fatal(err)
	}
	<-exited

	// 2. The database opens and holds whole batches only.
	s, err := statsOf()
	if err != nil {
		t.Fatalf("after kill: %v", err)
	}
	t.Logf("killed with %d members written", s.Members)
	if s.Members <= 0 || s.Members >= rows || s.MembersTotal != s.Members {
		t.Fatalf("after kill: %+v", s)
	}
	partial := s.Members

	// 3. Running it again finishes the job.
	// Rows already written are found unchanged: the re-run only completes.
	inserted, unchanged := importAll()
	if inserted != rows-partial || unchanged != partial {
		t.Errorf("second run inserted %d and found %d unchanged, want %d and %d", inserted, unchanged, rows-partial, partial)
	}
	if s, err := statsOf(); err != nil || s.Members != rows || s.MembersTotal != rows {
		t.Fatalf("after the second run: %+v %v", s, err)
	}

	// 4. A third run changes who is a member not at all.
	if inserted, unchanged := importAll(); inserted != 0 || unchanged != rows {
		t.Errorf("third run inserted %d, found %d unchanged", inserted, unchanged)
	}

	// 5. The file is sound and every phone is there once.
	ctx := context.Background()
	db, err := store.Open(ctx, dir, "", store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.IntegrityCheck(ctx, db.R); err != nil {
		t.Error(err)
	}
	var n, phones int
	if err := db.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT phone_hash) FROM members`).Scan(&n, &phones); err != nil {
		t.Fatal(err)
	}
	if n != rows || phones != rows {
		t.Errorf("%d members with %d distinct phones, want %d", n, phones, rows)
	}
}

// writeMembersCSV writes n members with distinct, valid mobile numbers; the
// same n always gives the same file.
func writeMembersCSV(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	families := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂")
	fmt.Fprintln(w, "姓名,手机号,性别,生日,小区")
	for i := range n {
		gender := "男"
		if i%3 != 0 {
			gender = "女"
		}
		birthday := fmt.Sprintf("%d-%02d-%02d", 1950+i%55, 1+i%12, 1+i%28)
		// 139 followed by a permutation of i over eight digits (7 is coprime to 10^8).
		phone := fmt.Sprintf("139%08d", (i*7+12345)%100_000_000)
		name := string(families[i%len(families)]) + string(given[(i/len(families))%len(given)])
		fmt.Fprintf(w, "%s,%s,%s,%s,幸福里%d号楼\n", name, phone, gender, birthday, 1+i%30)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
