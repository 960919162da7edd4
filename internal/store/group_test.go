package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli"
)

func countPrefixed(t *testing.T, db *DB, prefix string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM settings WHERE key LIKE ?`, prefix+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Many writers at once: every successful one is committed and visible
// when WriteGrouped returns, every failing one leaves nothing, a panic is
// an error, and the groups really group.
func TestWriteGrouped(t *testing.T) {
	db := openTestDB(t, t.TempDir())
	ctx := context.Background()
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.WriteGrouped(ctx, func(tx *Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES (?, 'v')`, fmt.Sprintf("g.%03d", i)); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return errors.New("refused") // after a write: it must roll back alone
				case 7:
					panic("broken")
				}
				// What the write reads is its own and its group's earlier work.
				var v string
				return tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, fmt.Sprintf("g.%03d", i)).Scan(&v)
			})
			if errs[i] == nil {
				// Acknowledged means visible to every reader.
				var v string
				if err := db.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, fmt.Sprintf("g.%03d", i)).Scan(&v); err != nil {
					t.Errorf("write %d acknowledged but not visible: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch i % 10 {
		case 3:
			if err == nil || err.Error() != "refused" {
				t.Errorf("write %d: %v", i, err)
			}
		case 7:
			if err == nil || !strings.Contains(err.Error(), "panic in grouped write: broken") {
				t.Errorf("write %d: %v", i, err)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
			ok++
		}
	}
	if got := countPrefixed(t, db, "g."); got != ok {
		t.Errorf("%d rows, want %d", got, ok)
	}
}

// A context that ends before the work is taken fails it; a closed
// database refuses new work.
func TestWriteGroupedCancelAndClose(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		t.Fatal(err)
	}
	// Hold the committer busy so that the next caller waits in line.
	hold, release := make(chan struct{}), make(chan struct{})
	go db.WriteGrouped(ctx, func(tx *Tx) error {
		close(hold)
		<-release
		return nil
	})
	<-hold
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err = db.WriteGrouped(cctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('c.1', 'v')`)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: %v", err)
	}
	close(release)
	db.Close()
	if err := db.WriteGrouped(ctx, func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}
