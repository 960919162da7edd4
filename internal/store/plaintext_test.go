package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/store"
)

// TestNoPlaintextAtRest writes members and then searches the raw bytes of
// the SQLite file and its write-ahead log for any phone number, name,
// birthday or address in clear — while the log still holds the pages, and
// again after a checkpoint has moved them into the main file.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		t.Fatal(err)
	}
	key, _ := privacy.ParseKey(privacy.NewKey())
	v, _ := privacy.New(key)
	svc := member.NewService(store.NewMembers(db), v, nil)
	var secrets [][]byte
	var batch []member.Input
	for i := range 300 {
		in := member.Input{
			Name:     fmt.Sprintf("欧阳%s", string(rune('甲'+i%40))+string(rune('乙'+i/40))),
			Phone:    fmt.Sprintf("1380000%04d", i),
			Birthday: fmt.Sprintf("19%02d-0%d-1%d", 50+i%40, 1+i%9, i%10),
			Address:  fmt.Sprintf("梧桐苑%d栋%d室", i, 100+i),
		}
		secrets = append(secrets, []byte(in.Name), []byte(in.Phone), []byte(in.Birthday), []byte(in.Address))
		if i < 100 {
			if _, err := svc.Create(ctx, linli.System, in); err != nil {
				t.Fatal(err)
			}
			continue
		}
		batch = append(batch, in)
	}
	if _, err := svc.UpsertBatch(ctx, linli.System, batch, "import"); err != nil {
		t.Fatal(err)
	}
	// A search exercises the lookup path too; it must not leave clear text behind.
	if _, err := svc.FindByPhone(ctx, linli.System, "13800000042", member.View{Unmask: true}); err != nil {
		t.Fatal(err)
	}
	wal := scan(t, dir, secrets)
	if wal == 0 {
		t.Fatal("the WAL is empty: the test would prove nothing about it")
	}
	if err := db.Close(); err != nil { // the last connection checkpoints into the main file
		t.Fatal(err)
	}
	scan(t, dir, secrets)
}

// scan fails on any secret found in any file of dir and returns the WAL's size.
func scan(t *testing.T, dir string, secrets [][]byte) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, store.SQLiteFile+"*"))
	walSize := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(f) == ".db-wal" || bytes.HasSuffix([]byte(f), []byte("-wal")) {
			walSize = len(b)
		}
		for _, s := range secrets {
			if bytes.Contains(b, s) {
				t.Fatalf("%s holds %q in clear", filepath.Base(f), s)
			}
		}
	}
	return walSize
}
