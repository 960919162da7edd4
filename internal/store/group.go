package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
)

// Durability and group commit on SQLite.
//
// The writer runs in WAL mode with synchronous=NORMAL, so a COMMIT writes
// its pages to the WAL without waiting for the disk, and the store then
// syncs the WAL itself before it reports the commit: an acknowledged write
// is on disk, as with synchronous=FULL. Doing the sync outside SQLite lets
// it overlap the next transaction: WriteGrouped queues short, frequent
// writes such as sales, runs all those waiting as one transaction (each in
// its own savepoint, so one that fails rolls back alone), commits, hands
// the group to a syncer and starts on the next group while the disk works.
// The syncer answers a group's callers only after an fsync of the WAL
// that began after their commit. A till's sale touches a dozen pages
// (sale, lines, ledger, lots, balance, indexes) that the next sale touches
// again, so a group also writes each page once instead of once per sale.

// maxGroup bounds a group: beyond it latency grows and the gain does not.
const maxGroup = 64

// ErrClosed is returned for work submitted after Close.
var ErrClosed = errors.New("store: database closed")

type groupWork struct {
	ctx      context.Context
	fn       func(tx *Tx) error
	done     chan error
	executed chan struct{} // closed when the transaction has ended
}

// committer runs grouped writes on one goroutine and syncs on another,
// both started on first use.
type committer struct {
	mu      sync.Mutex
	started bool
	closed  bool
	queue   chan *groupWork   // unbuffered: a send succeeds only into the loop's hands
	synced  chan []*groupWork // committed groups awaiting the WAL sync
	quit    chan struct{}
	stopped chan struct{} // closed when both goroutines have ended
}

// stop ends the committer after the group in hand, synced and answered;
// callers still waiting to hand work over get ErrClosed.
func (c *committer) stop() {
	c.mu.Lock()
	started, closed := c.started, c.closed
	c.closed = true
	c.mu.Unlock()
	if started && !closed {
		close(c.quit)
		<-c.stopped
	}
}

// WriteGrouped is Write for short, frequent transactions such as sales: on
// SQLite, work submitted while an earlier group commits is committed
// together in one transaction, each fn in its own savepoint. fn sees the
// writes of the fns grouped before it, as it would have after their
// commits. It returns fn's error, or the commit's; on success fn's writes
// are durable. fn runs on the committer's goroutine and must only use the
// transaction it is given.
//
// On PostgreSQL it is Write: the server groups concurrent commits itself.
func (d *DB) WriteGrouped(ctx context.Context, fn func(tx *Tx) error) error {
	if d.Dialect != SQLite {
		return d.Write(ctx, fn)
	}
	_, done, err := d.submitGrouped(ctx, fn)
	if err != nil {
		return err
	}
	// Once handed over the work may commit, so its answer is awaited even
	// if ctx ends: returning early could report as failed a sale that is
	// on disk.
	return <-done
}

// submitGrouped hands fn to the SQLite committer. executed is closed once
// fn's transaction has ended (committed or not), done then gets
// WriteGrouped's answer once the WAL is synced. Work that reads what fn
// wrote may start at executed: the next transaction sees the commit, and
// the sync that answers it covers fn's writes too.
func (d *DB) submitGrouped(ctx context.Context, fn func(tx *Tx) error) (executed <-chan struct{}, done <-chan error, err error) {
	c := &d.group
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, nil, ErrClosed
	}
	if !c.started {
		c.started = true
		c.queue, c.quit = make(chan *groupWork), make(chan struct{})
		c.synced, c.stopped = make(chan []*groupWork, 4), make(chan struct{})
		go c.loop(d)
		go c.syncLoop(d)
	}
	queue, quit := c.queue, c.quit
	c.mu.Unlock()

	w := &groupWork{ctx: ctx, fn: fn, done: make(chan error, 1), executed: make(chan struct{})}
	select {
	case queue <- w:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-quit:
		return nil, nil, ErrClosed
	}
	return w.executed, w.done, nil
}

func (c *committer) loop(d *DB) {
	defer close(c.synced) // the syncer finishes what was committed, then ends
	for {
		group := make([]*groupWork, 0, 8)
		select {
		case <-c.quit:
			return
		case w := <-c.queue:
			group = append(group, w)
		}
	more:
		for len(group) < maxGroup {
			select {
			case w := <-c.queue:
				group = append(group, w)
			default:
				break more
			}
		}
		ok := d.commitGroup(group)
		for _, w := range group {
			close(w.executed)
		}
		if len(ok) > 0 {
			c.synced <- ok
		}
	}
}

// syncLoop syncs the WAL for committed groups and answers their callers;
// groups that wait together share one sync.
func (c *committer) syncLoop(d *DB) {
	defer close(c.stopped)
	for group := range c.synced {
		groups := [][]*groupWork{group}
	more:
		for {
			select {
			case g, ok := <-c.synced:
				if !ok {
					break more
				}
				groups = append(groups, g)
			default:
				break more
			}
		}
		err := d.syncWAL()
		if err != nil {
			err = fmt.Errorf("store: sync: %w", err)
		}
		for _, g := range groups {
			answerAll(g, err)
		}
	}
}

// commitGroup runs the group in one transaction, answers the callers whose
// work failed and returns those whose work is committed (not yet synced).
func (d *DB) commitGroup(group []*groupWork) []*groupWork {
	ctx := context.Background() // the group outlives any one caller's context
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		answerAll(group, fmt.Errorf("store: begin: %w", err))
		return nil
	}
	tx := &Tx{db: d, tx: sqlTx}
	alone := len(group) == 1 // no savepoint needed: a failure rolls back all
	ok := make([]*groupWork, 0, len(group))
	abort := func(rest []*groupWork, err error) []*groupWork {
		_ = sqlTx.Rollback()
		answerAll(ok, err)
		answerAll(rest, err)
		return nil
	}
	for i, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.done <- err
			continue
		}
		if !alone {
			if _, err := tx.Exec(ctx, `SAVEPOINT grouped`); err != nil {
				return abort(group[i:], fmt.Errorf("store: savepoint: %w", err))
			}
		}
		err := runGuarded(w.fn, tx)
		if err != nil && alone {
			_ = sqlTx.Rollback()
			w.done <- err
			return nil
		}
		if err != nil {
			if _, rerr := tx.Exec(ctx, `ROLLBACK TO grouped`); rerr != nil {
				// The transaction is gone (SQLite rolls back the whole
				// transaction on some I/O errors): nothing of the group holds.
				return abort(group[i:], fmt.Errorf("store: group rolled back: %w", errors.Join(err, rerr)))
			}
			w.done <- err
		} else {
			ok = append(ok, w)
		}
		if !alone {
			if _, err := tx.Exec(ctx, `RELEASE grouped`); err != nil {
				return abort(group[i+1:], fmt.Errorf("store: release savepoint: %w", err))
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		answerAll(ok, fmt.Errorf("store: commit: %w", err))
		return nil
	}
	if len(tx.fresh) > 0 {
		d.cacheStmts(ctx, tx.fresh)
	}
	return ok
}

func answerAll(group []*groupWork, err error) {
	for _, w := range group {
		w.done <- err
	}
}

// runGuarded runs fn, turning a panic into an error: fn runs on the
// committer's goroutine, where a panic would take the process down.
func runGuarded(fn func(tx *Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: panic in grouped write: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(tx)
}

// syncWAL makes every commit so far durable by syncing the SQLite WAL file
// (see the top of this file). The file is opened on first use and kept:
// SQLite keeps the WAL in place while the database is open, writing it
// again from the start after a checkpoint rather than replacing it.
func (d *DB) syncWAL() error {
	if d.Dialect != SQLite || d.Path == "" {
		return nil
	}
	name := d.Path + "-wal"
	d.walMu.Lock()
	f := d.wal
	if f != nil {
		// SQLite deletes the WAL when its last connection closes; should
		// that ever happen under us, the next one makes a new file.
		if now, err := os.Stat(name); err != nil || !os.SameFile(now, d.walInfo) {
			f.Close()
			f, d.wal = nil, nil
		}
	}
	if f == nil {
		var err error
		if f, err = os.OpenFile(name, os.O_RDWR, 0); err != nil {
			d.walMu.Unlock()
			return err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			d.walMu.Unlock()
			return err
		}
		d.wal, d.walInfo = f, info
	}
	d.walMu.Unlock()
	return f.Sync()
}
