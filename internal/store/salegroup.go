package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/tier"
)

// Sales in groups.
//
// On PostgreSQL a statement costs a round trip, and a sale's transaction
// ran about nine of them: begin, lock the member, read its tier, write the
// sale, earn, read the tier window, commit. At the till's rate the round
// trips (client and server CPU), not the writes, set the pace. So sales
// that arrive together commit together, set-wise: the group's members are
// locked (in id order, as every writer of balances does, so groups never
// deadlock), their tier windows read, ids reserved and the receipts the
// group would take looked up; each sale then runs its usual transaction
// code against a buffer that answers those reads and records its writes,
// and one statement writes the whole group's sales, lines, payments,
// entries, lots, takes and balances. On PostgreSQL that is two round trips
// for up to maxSaleGroup sales (salegroup_pg.go). SQLite runs the same
// groups with multi-row statements as works of its group commit
// (submitGrouped, whose syncer answers after the WAL sync); there it saves
// the per-sale statements, a tenth of a sale's CPU, as the B-tree inserts
// themselves dominate.
//
// A member or a receipt appears at most once in a group (a second sale of
// the same member waits for the next group), so a sale's reads of its
// member's rows are those of the database plus its own writes. A sale that
// fails leaves its buffer unwritten, like a savepoint rolled back. What
// the buffer cannot serve — a merged or unknown member, a statement that
// fails, the receipt taken meanwhile — runs again alone through the usual
// transaction, where it gets the usual answer.

const (
	// maxSaleGroup bounds a group: its statements carry arrays of this
	// many sales (and ten times as many lines).
	maxSaleGroup = 64
	// saleCommitters is how many groups may be in flight at once on
	// PostgreSQL. One committer made the biggest groups and the best rate,
	// but a group waiting on a lock (a refund holding a member) would hold
	// every till; two keep the rate within a tenth of it. SQLite has one
	// (see queueFor).
	saleCommitters = 2
)

type saleWork struct {
	ctx  context.Context
	hint sales.SaleHint
	fn   func(tx sales.Tx) error
	done chan error
	key  receiptKey // filled while the buffer runs
}

type receiptKey struct {
	store             int64
	terminal, receipt string
}

// saleGroups feeds the committers, started on first use.
type saleGroups struct {
	mu      sync.Mutex
	started bool
	closed  bool
	queue   chan *saleWork // unbuffered: a send succeeds only into a committer's hands
	quit    chan struct{}
	wg      sync.WaitGroup
	busy    map[int64]int // members in groups being committed → groups

	groups, grouped, alone atomic.Int64 // see SaleGroupStats
}

// SaleGroupStats counts, since the start, the sale groups committed on
// PostgreSQL, the sales committed in them and the sales that ran alone.
func (s *Sales) SaleGroupStats() (groups, grouped, alone int64) {
	g := &s.db.saleGroups
	return g.groups.Load(), g.grouped.Load(), g.alone.Load()
}

// queueFor starts the committers if need be; nil after stop.
func (g *saleGroups) queueFor(s *Sales) (chan *saleWork, chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, nil
	}
	if !g.started {
		g.started = true
		g.queue, g.quit, g.busy = make(chan *saleWork), make(chan struct{}), map[int64]int{}
		n := saleCommitters
		if s.db.Dialect == SQLite {
			// One: its groups follow one another through SQLite's one
			// writer, each running while the one before waits for the
			// disk (see commitGroup).
			n = 1
		}
		for range n {
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				g.loop(s)
			}()
		}
	}
	return g.queue, g.quit
}

// stop lets the committers finish the groups in hand and end; sales not
// yet in a group get ErrClosed.
func (g *saleGroups) stop() {
	g.mu.Lock()
	started, closed := g.started, g.closed
	g.closed = true
	g.mu.Unlock()
	if started && !closed {
		close(g.quit)
		g.wg.Wait()
	}
}

// WriteSale commits the sale's transaction fn in a group with others (see
// above).
func (s *Sales) WriteSale(ctx context.Context, hint sales.SaleHint, fn func(tx sales.Tx) error) error {
	queue, quit := s.db.saleGroups.queueFor(s)
	if queue == nil {
		return ErrClosed
	}
	w := &saleWork{ctx: ctx, hint: hint, fn: fn, done: make(chan error, 1)}
	select {
	case queue <- w:
	case <-ctx.Done():
		return ctx.Err()
	case <-quit:
		return ErrClosed
	}
	// Once handed over the sale may commit: its answer is awaited even if
	// ctx ends, so a sale on disk is never reported as failed.
	return <-w.done
}

// loop forms groups: the first sale waiting, then whatever else is queued,
// leaving for the next group a sale whose member is in this one or in a
// group still committing.
func (g *saleGroups) loop(s *Sales) {
	var held []*saleWork // waiting for a member to be free
	for {
		var group []*saleWork
		members := map[int64]bool{}
		take := func(w *saleWork) bool {
			m := w.hint.MemberID
			if m != 0 && (members[m] || g.busy[m] > 0) {
				return false
			}
			if m != 0 {
				members[m] = true
			}
			group = append(group, w)
			return true
		}
		g.mu.Lock()
		rest := held[:0]
		for _, w := range held {
			if len(group) >= maxSaleGroup || !take(w) {
				rest = append(rest, w)
			}
		}
		held = rest
		g.mu.Unlock()
		if len(group) == 0 {
			var w *saleWork
			if len(held) > 0 {
				// Only sales of busy members wait: poll for one.
				select {
				case w = <-g.queue:
				case <-time.After(200 * time.Microsecond):
					continue
				case <-g.quit:
					failAll(held)
					return
				}
			} else {
				select {
				case w = <-g.queue:
				case <-g.quit:
					return
				}
			}
			g.mu.Lock()
			if !take(w) {
				held = append(held, w)
			}
			g.mu.Unlock()
		}
	more:
		for len(group) < maxSaleGroup {
			select {
			case w := <-g.queue:
				g.mu.Lock()
				if !take(w) {
					held = append(held, w)
				}
				g.mu.Unlock()
			default:
				break more
			}
		}
		if len(group) == 0 {
			continue
		}
		g.mu.Lock()
		for m := range members {
			g.busy[m]++
		}
		g.mu.Unlock()
		s.commitGroup(group)
		g.mu.Lock()
		for m := range members {
			if g.busy[m]--; g.busy[m] == 0 {
				delete(g.busy, m)
			}
		}
		g.mu.Unlock()
	}
}

func failAll(ws []*saleWork) {
	for _, w := range ws {
		w.done <- ErrClosed
	}
}

// commitGroup commits what it can of the group set-wise and runs the rest
// alone, answering every sale. It returns once the group's transaction has
// ended. On SQLite the answers follow from another goroutine once the WAL
// is synced, so that the next group runs while the disk syncs this one.
func (s *Sales) commitGroup(group []*saleWork) {
	var alone []*saleWork
	answers := make(map[*saleWork]error, len(group))
	// The group's statements run under a context of their own: one till
	// giving up must not fail the others' sales.
	ctx := context.WithoutCancel(group[0].ctx)
	fn := func(tx *Tx) error {
		bufs, solo, err := s.runGroup(ctx, tx, group, answers)
		if err != nil {
			return err
		}
		alone = solo
		if len(bufs) == 0 {
			return nil
		}
		return flushGroup(ctx, tx, bufs)
	}
	finish := func(err error) {
		g := &s.db.saleGroups
		if err != nil {
			slog.Warn("store: sale group failed, committing its sales one by one", "sales", len(group), "err", err)
			clear(answers)
			alone = group
		} else {
			g.groups.Add(1)
			g.grouped.Add(int64(len(group) - len(alone)))
		}
		g.alone.Add(int64(len(alone)))
		for w, err := range answers {
			w.done <- err
		}
		for _, w := range alone {
			w.done <- s.Write(w.ctx, w.fn)
		}
	}
	if s.db.sale != nil {
		solo, err := s.commitGroupPG(ctx, group, answers)
		alone = solo
		finish(err)
		return
	}
	executed, done, err := s.db.submitGrouped(ctx, fn)
	if err != nil {
		finish(err)
		return
	}
	<-executed
	g := &s.db.saleGroups
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		finish(<-done)
	}()
}

// memberState is what a group read of a member: its balance (locked) and
// tier row, and its activity in the tier window of its sale's hint.
type memberState struct {
	balance int64
	tier    sales.MemberTierRow
	act     tier.Activity
	hasAct  bool
}

// runGroup (SQLite) locks the members, reads what the sales will read,
// and runs each sale against a buffer (see runBuffers).
func (s *Sales) runGroup(ctx context.Context, tx *Tx, group []*saleWork, answers map[*saleWork]error) ([]*bufTx, []*saleWork, error) {
	ids := groupMembers(group)
	states, err := lockMembers(ctx, tx, ids)
	if err != nil {
		return nil, nil, err
	}
	if err := readActivity(ctx, tx, group, states); err != nil {
		return nil, nil, err
	}
	pool, taken, err := reserveGroupIDs(ctx, tx, group)
	if err != nil {
		return nil, nil, err
	}
	return runBuffers(tx, group, states, pool, taken, answers)
}

// groupMembers lists the members of the group's sales in id order, the
// order in which every writer of balances locks them, so that groups never
// deadlock.
func groupMembers(group []*saleWork) []int64 {
	var ids []int64
	for _, w := range group {
		if w.hint.MemberID != 0 {
			ids = append(ids, w.hint.MemberID)
		}
	}
	slices.Sort(ids)
	return ids
}

// runBuffers runs each sale of the group against a buffer, given what the
// group read: the members' states, the ids reserved and the receipts
// taken. It returns the buffers of the sales that succeeded and the sales
// to run alone; the answers of sales that failed go into answers.
func runBuffers(tx *Tx, group []*saleWork, states map[int64]*memberState, pool *groupIDs, taken []bool,
	answers map[*saleWork]error) ([]*bufTx, []*saleWork, error) {
	st := &salesTx{tx}
	var bufs []*bufTx
	var alone []*saleWork
	receipts := map[receiptKey]bool{}
	for i, w := range group {
		if taken[i] {
			// A repeat: the caller answers it from the stored sale.
			answers[w] = sales.ErrDuplicate
			continue
		}
		var ms *memberState
		if m := w.hint.MemberID; m != 0 {
			if ms = states[m]; ms == nil {
				// Unknown or merged: the usual transaction answers it.
				alone = append(alone, w)
				continue
			}
		}
		b := &bufTx{salesTx: st, work: w, member: ms, ids: pool}
		mark := pool.mark()
		err := runBuffered(w, b)
		switch {
		case err == nil && b.sale != nil && receipts[b.key()]:
			// The same receipt twice in a group: the second is a
			// repeat, answered once the first is committed.
			pool.reset(mark)
			alone = append(alone, w)
		case err == nil:
			if b.sale != nil {
				receipts[b.key()] = true
			}
			bufs = append(bufs, b)
			answers[w] = nil // once the group commits
		case errors.Is(err, errAlone):
			pool.reset(mark)
			alone = append(alone, w)
		default:
			pool.reset(mark)
			if _, ok := linli.AsError(err); !ok {
				// Not the sale's own fault, and the server may have
				// aborted the transaction: the whole group runs alone.
				return nil, nil, err
			}
			answers[w] = err
		}
	}
	return bufs, alone, nil
}

func runBuffered(w *saleWork, b *bufTx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: sale panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return w.fn(b)
}

// lockMembers (SQLite) makes sure each member has a balance row and reads
// balance and tier; SQLite's one writer excludes every other writer
// already. Members unknown or merged are left out.
func lockMembers(ctx context.Context, tx *Tx, ids []int64) (map[int64]*memberState, error) {
	states := make(map[int64]*memberState, len(ids))
	if len(ids) == 0 {
		return states, nil
	}
	read := func(ids []int64) (int, error) {
		in, args := idList(ids)
		rows, err := tx.Query(ctx, memberStateQuery+`WHERE p.member_id `+in, args...)
		if err != nil {
			return 0, fmt.Errorf("store: read members: %w", err)
		}
		defer rows.Close()
		return scanMemberStates(rows, states)
	}
	found, err := read(ids)
	if err != nil || found == len(ids) {
		return states, err
	}
	// First sales of members: create their balance rows.
	var missing []int64
	for _, id := range ids {
		if states[id] == nil {
			missing = append(missing, id)
		}
	}
	in, args := idList(missing)
	if _, err := tx.Exec(ctx, `INSERT INTO member_points (member_id, balance, updated_at)
		SELECT id, 0, ? FROM members WHERE id `+in+` AND status <> 'merged' ORDER BY id
		ON CONFLICT (member_id) DO NOTHING`, append([]any{Millis(time.Now())}, args...)...); err != nil {
		return nil, fmt.Errorf("store: balance rows: %w", err)
	}
	_, err = read(missing)
	return states, err
}

// memberStateQuery reads members' balances and tiers; the caller adds the
// WHERE clause.
const memberStateQuery = `SELECT p.member_id, p.balance, t.tier, t.since, t.reviewed_at
	FROM member_points p JOIN members m ON m.id = p.member_id AND m.status <> 'merged'
	LEFT JOIN member_tiers t ON t.member_id = p.member_id
	`

// rowScanner is what both *sql.Rows and pgx.Rows offer.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanMemberStates adds the rows of memberStateQuery to states and
// returns how many there were.
func scanMemberStates(rows rowScanner, states map[int64]*memberState) (int, error) {
	n := 0
	for rows.Next() {
		var id, bal int64
		var code sql.NullString
		var since, reviewed sql.NullInt64
		if err := rows.Scan(&id, &bal, &code, &since, &reviewed); err != nil {
			return n, err
		}
		ms := &memberState{balance: bal}
		if code.Valid {
			ms.tier = sales.MemberTierRow{Code: code.String, Since: timeOrZero(since.Int64),
				ReviewedAt: timeOrZero(reviewed.Int64), Stored: true}
		}
		states[id] = ms
		n++
	}
	return n, rows.Err()
}

// idList is "IN (…)" for ids (SQLite), padded (see padded).
func idList(ids []int64) (string, []any) {
	args := make([]any, padded(len(ids)))
	for i := range args {
		args[i] = ids[min(i, len(ids)-1)]
	}
	return "IN (" + placeholders(len(args)) + ")", args
}

// padded is the length a list of n items is padded to, repeating its last
// item (which changes no answer of the statements here): a power of two,
// so that the group's statements on SQLite have a few texts, which stay
// prepared on the writer. A text for every group size was prepared afresh
// most of the time, a tenth of the committer's work.
func padded(n int) int { return 1 << bits.Len(uint(n-1)) }

// insertPadded inserts rows in statements of power-of-two sizes, for the
// same reason as padded.
func insertPadded(ctx context.Context, tx *Tx, table, cols string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(1<<(bits.Len(uint(len(rows)))-1), 256)
		if err := tx.InsertRows(ctx, table, cols, rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// readActivity (SQLite) reads, in one statement, each member's activity
// in the tier window its sale's hint names (see tierActivity).
func readActivity(ctx context.Context, tx *Tx, group []*saleWork, states map[int64]*memberState) error {
	ids, from, to := groupWindows(group, states)
	if len(ids) == 0 {
		return nil
	}
	var args []any
	for i := range padded(len(ids)) {
		k := min(i, len(ids)-1)
		args = append(args, ids[k], from[k], to[k])
	}
	rows, err := tx.Query(ctx, `SELECT w.member_id,
			(SELECT COALESCE(SUM(amount_fen - refunded_fen), 0) FROM sales
				WHERE member_id = w.member_id AND sold_at > w.f AND sold_at <= w.t AND status <> 'voided'),
			(SELECT COUNT(*) FROM sales
				WHERE member_id = w.member_id AND sold_at > w.f AND sold_at <= w.t AND status = 'completed'),
			(SELECT COALESCE(SUM(delta), 0) FROM points_entries
				WHERE member_id = w.member_id AND kind IN ('earn', 'refund_reversal') AND at > w.f AND at <= w.t)
			FROM (SELECT column1 AS member_id, column2 AS f, column3 AS t FROM (VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(args)/3), ", ")+`)) AS w`, args...)
	if err != nil {
		return fmt.Errorf("store: tier windows: %w", err)
	}
	defer rows.Close()
	return scanActivity(rows, states)
}

// groupWindows lists the tier windows the group's sales read, for the
// members in states (all of them when states is nil).
func groupWindows(group []*saleWork, states map[int64]*memberState) (ids, from, to []int64) {
	for _, w := range group {
		h := w.hint
		if h.MemberID != 0 && (states == nil || states[h.MemberID] != nil) && !h.ActivityTo.IsZero() {
			ids, from, to = append(ids, h.MemberID), append(from, Millis(h.ActivityFrom)), append(to, Millis(h.ActivityTo))
		}
	}
	return ids, from, to
}

// scanActivity adds the rows of a tier windows query (member, spend,
// visits, points) to the members' states; rows of members not in states
// are left out.
func scanActivity(rows rowScanner, states map[int64]*memberState) error {
	for rows.Next() {
		var id int64
		var a tier.Activity
		if err := rows.Scan(&id, &a.SpendFen, &a.Visits, &a.Points); err != nil {
			return err
		}
		if ms := states[id]; ms != nil {
			ms.act, ms.hasAct = a, true
		}
	}
	return rows.Err()
}

// idPool holds ids reserved from the identity sequences, or counts of
// ids handed out.
type idPool struct {
	sales, entries, lots []int64
}

type poolMark struct{ sales, entries, lots int }

// reserveGroupIDs (SQLite) reserves ids for the group's sales — each
// writes one sale, at most two entries (an earning and a redemption) and
// one lot — and finds which of the receipts their hints name are taken
// already (taken[i] for group[i]).
func reserveGroupIDs(ctx context.Context, tx *Tx, group []*saleWork) (*groupIDs, []bool, error) {
	n := len(group)
	g := &groupIDs{}
	var err error
	for _, r := range []struct {
		table string
		ids   *[]int64
		n     int
	}{{"sales", &g.spare.sales, n}, {"points_entries", &g.spare.entries, 2 * n}, {"points_lots", &g.spare.lots, n}} {
		if *r.ids, err = tx.ReserveIDs(ctx, r.table, r.n); err != nil {
			return nil, nil, err
		}
	}
	taken := make([]bool, n)
	rc := groupReceipts(group)
	if len(rc.at) == 0 {
		return g, taken, nil
	}
	var args []any
	for i := range padded(len(rc.at)) {
		k := min(i, len(rc.at)-1)
		args = append(args, rc.stores[k], rc.terminals[k], rc.receipts[k], k)
	}
	found, err := column[int](tx.Query(ctx, `SELECT r.column4 FROM (VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", len(args)/4), ", ")+`) AS r
		JOIN sales s ON s.store_id = r.column1 AND s.terminal = r.column2 AND s.receipt_no = r.column3`, args...))
	if err != nil {
		return nil, nil, fmt.Errorf("store: find receipts: %w", err)
	}
	for _, k := range found {
		taken[rc.at[k]] = true
	}
	return g, taken, nil
}

// receiptCols are the receipts a group's hints name, as columns; at[k] is
// the group index of the k-th.
type receiptCols struct {
	stores              []int64
	terminals, receipts []string
	at                  []int
}

func groupReceipts(group []*saleWork) receiptCols {
	var r receiptCols
	for i, w := range group {
		if h := w.hint; h.Receipt != "" {
			r.stores, r.terminals, r.receipts = append(r.stores, h.StoreID), append(r.terminals, h.Terminal), append(r.receipts, h.Receipt)
			r.at = append(r.at, i)
		}
	}
	return r
}

// groupIDs is the reserve of a group: spare ids not yet handed out, and
// for each kind how many were.
type groupIDs struct {
	spare idPool
	used  poolMark
}

func (g *groupIDs) mark() poolMark { return g.used }

func (g *groupIDs) reset(m poolMark) { g.used = m }

func (g *groupIDs) take(kind *[]int64, used *int) (int64, error) {
	if *used >= len(*kind) {
		return 0, errAlone
	}
	id := (*kind)[*used]
	*used++
	return id, nil
}

// errAlone sends a sale out of its group to run alone.
var errAlone = errors.New("store: sale runs alone")

// bufTx is a sale's transaction inside a group: reads of the member come
// from the group's reads, writes are recorded for the group's statement.
// Other reads go to the group's transaction.
type bufTx struct {
	*salesTx
	work   *saleWork
	member *memberState
	ids    *groupIDs

	sale    *bufSale
	entries []*sales.Entry
	lots    []bufLot
	takes   []bufTake
	delta   int64 // to the member's balance
	deltaAt int64
	after   []func() error // tier writes, run after the group's rows
}

type bufSale struct {
	sale     sales.Sale
	hash     []byte
	response string
	created  int64
}

type bufLot struct {
	id, member, entry, points, earned int64
	expires                           *int64
}

type bufTake struct{ entry, lot, points int64 }

var _ sales.Tx = (*bufTx)(nil)

func (b *bufTx) key() receiptKey {
	s := &b.sale.sale
	return receiptKey{s.StoreID, s.Terminal, s.Receipt}
}

func (b *bufTx) own(memberID int64) bool {
	return b.member != nil && memberID == b.work.hint.MemberID
}

func (b *bufTx) LockMember(ctx context.Context, memberID int64, at time.Time) (int64, int64, error) {
	if !b.own(memberID) {
		return 0, 0, errAlone
	}
	return memberID, b.member.balance, nil
}

func (b *bufTx) MemberTier(ctx context.Context, memberID int64) (sales.MemberTierRow, error) {
	if !b.own(memberID) {
		return sales.MemberTierRow{}, errAlone
	}
	return b.member.tier, nil
}

// TierActivity is the group's read of the window plus this sale's own
// writes, which are not in the database yet.
func (b *bufTx) TierActivity(ctx context.Context, memberID int64, from, to time.Time) (tier.Activity, error) {
	if !b.own(memberID) {
		return tier.Activity{}, errAlone
	}
	h := b.work.hint
	var a tier.Activity
	if b.member.hasAct && from.Equal(h.ActivityFrom) && to.Equal(h.ActivityTo) {
		a = b.member.act
	} else {
		var err error
		if a, err = tierActivity(ctx, b.tx, memberID, from, to); err != nil {
			return a, err
		}
	}
	f, t := Millis(from), Millis(to)
	if s := b.sale; s != nil && s.sale.MemberID == memberID && s.sale.Status != sales.StatusVoided {
		if at := Millis(s.sale.SoldAt); at > f && at <= t {
			a.SpendFen += s.sale.AmountFen - s.sale.RefundedFen
			if s.sale.Status == sales.StatusCompleted {
				a.Visits++
			}
		}
	}
	for _, e := range b.entries {
		if at := Millis(e.At); e.MemberID == memberID && (e.Kind == "earn" || e.Kind == "refund_reversal") && at > f && at <= t {
			a.Points += e.Delta
		}
	}
	return a, nil
}

func (b *bufTx) InsertSale(ctx context.Context, s *sales.Sale, hash []byte, response string, at time.Time) (int64, error) {
	if b.sale != nil || (s.MemberID != 0 && !b.own(s.MemberID)) {
		return 0, errAlone
	}
	id, err := b.ids.take(&b.ids.spare.sales, &b.ids.used.sales)
	if err != nil {
		return 0, err
	}
	b.sale = &bufSale{sale: *s, hash: hash, response: response, created: Millis(at)}
	b.sale.sale.ID = id
	b.work.key = b.key()
	return id, nil
}

func (b *bufTx) AddEntry(ctx context.Context, e *sales.Entry) (int64, error) {
	if !b.own(e.MemberID) {
		return 0, errAlone
	}
	id, err := b.ids.take(&b.ids.spare.entries, &b.ids.used.entries)
	if err != nil {
		return 0, err
	}
	c := *e
	c.ID = id
	b.entries = append(b.entries, &c)
	b.delta += e.Delta
	b.deltaAt = Millis(e.At)
	return id, nil
}

func (b *bufTx) OpenLot(ctx context.Context, memberID, entryID, points int64, earnedAt, expiresAt time.Time) (int64, error) {
	if !b.own(memberID) {
		return 0, errAlone
	}
	id, err := b.ids.take(&b.ids.spare.lots, &b.ids.used.lots)
	if err != nil {
		return 0, err
	}
	l := bufLot{id: id, member: memberID, entry: entryID, points: points, earned: Millis(earnedAt)}
	if !expiresAt.IsZero() {
		exp := Millis(expiresAt)
		l.expires = &exp
	}
	b.lots = append(b.lots, l)
	return id, nil
}

func (b *bufTx) Credit(ctx context.Context, e *sales.Entry, expiresAt time.Time) (int64, error) {
	id, err := b.AddEntry(ctx, e)
	if err != nil {
		return 0, err
	}
	if _, err := b.OpenLot(ctx, e.MemberID, id, e.Delta, e.At, expiresAt); err != nil {
		return 0, err
	}
	return id, nil
}

func (b *bufTx) Take(ctx context.Context, entryID int64, takes []loyalty.Take) error {
	for _, k := range takes {
		b.takes = append(b.takes, bufTake{entryID, k.LotID, k.Points})
	}
	return nil
}

func (b *bufTx) SetMemberTier(ctx context.Context, memberID int64, code string, since, reviewedAt time.Time) error {
	b.after = append(b.after, func() error { return b.salesTx.SetMemberTier(ctx, memberID, code, since, reviewedAt) })
	return nil
}

func (b *bufTx) AddTierChange(ctx context.Context, c *sales.TierChange) error {
	b.after = append(b.after, func() error { return b.salesTx.AddTierChange(ctx, c) })
	return nil
}

// The rest of sales.Tx is not a sale's: a caller that uses it inside a
// group runs alone.

func (b *bufTx) SaleMember(context.Context, int64) (int64, bool, error) { return 0, false, errAlone }
func (b *bufTx) LockSale(context.Context, int64) (*sales.Sale, error)   { return nil, errAlone }
func (b *bufTx) SaveRefunded(context.Context, *sales.Sale) error        { return errAlone }
func (b *bufTx) InsertRefund(context.Context, *sales.RefundRow) (int64, error) {
	return 0, errAlone
}
func (b *bufTx) SetRefund(context.Context, *sales.Refund, string) error { return errAlone }
func (b *bufTx) PutSetting(context.Context, string, string) error       { return errAlone }
func (b *bufTx) Audit(context.Context, time.Time, linli.Actor, string, string, int64, string) error {
	return errAlone
}

// groupRows are the rows a group writes, table by table, each row's
// values in the order of the table's column list below. nil is NULL.
type groupRows struct {
	sales, lines, pays, entries, lots, takes, balances [][]any
}

const (
	groupSaleCols = `id, store_id, terminal, receipt_no, request_hash, member_id, cashier, channel, pickup_status,
	sold_at, amount_fen, discount_fen, points_earned, points_redeemed, status, created_at, response`
	groupEntryCols = `id, member_id, delta, kind, source, source_id, rule, operator, reason, at`
	groupLotCols   = `id, member_id, entry_id, points, remaining, earned_at, expires_at`
	groupTakeCols  = `entry_id, lot_id, points`
)

func collectRows(bufs []*bufTx) *groupRows {
	g := &groupRows{}
	for _, b := range bufs {
		if bs := b.sale; bs != nil {
			s := &bs.sale
			g.sales = append(g.sales, []any{s.ID, s.StoreID, s.Terminal, s.Receipt, bs.hash, nullID(s.MemberID), s.Cashier,
				s.Channel, s.PickupStatus, Millis(s.SoldAt), s.AmountFen, s.DiscountFen, s.PointsEarned, s.PointsRedeemed,
				s.Status, bs.created, bs.response})
			for _, l := range s.Lines {
				g.lines = append(g.lines, []any{s.ID, int64(l.LineNo), nullID(l.ProductID), l.Product, l.Name, l.Category,
					l.Unit, l.Quantity, l.UnitPriceFen, l.DiscountFen, l.AmountFen, l.Points})
			}
			for i, p := range s.Payments {
				g.pays = append(g.pays, []any{s.ID, int64(i + 1), p.Method, p.AmountFen, p.Points})
			}
		}
		for _, e := range b.entries {
			g.entries = append(g.entries, []any{e.ID, e.MemberID, e.Delta, e.Kind, e.Source, e.SourceID, e.Rule, e.Operator,
				e.Reason, Millis(e.At)})
		}
		for _, l := range b.lots {
			var exp any
			if l.expires != nil {
				exp = *l.expires
			}
			g.lots = append(g.lots, []any{l.id, l.member, l.entry, l.points, l.points, l.earned, exp})
		}
		for _, k := range b.takes {
			g.takes = append(g.takes, []any{k.entry, k.lot, k.points})
		}
		if len(b.entries) > 0 {
			g.balances = append(g.balances, []any{b.delta, b.deltaAt, b.work.hint.MemberID})
		}
	}
	return g
}

// column i of rows as a typed array for PostgreSQL; nil values (NULL)
// become nil pointers when T is a pointer type.
func arrayOf[T any](rows [][]any, i int) []T {
	out := make([]T, len(rows))
	for r, row := range rows {
		switch v := row[i].(type) {
		case nil:
		case T:
			out[r] = v
		default:
			if p, ok := any(&out[r]).(**int64); ok {
				x := v.(int64)
				*p = &x
			}
		}
	}
	return out
}

// flushGroup writes every buffered sale of the group — on PostgreSQL in one
// statement, on SQLite with one multi-row INSERT per table — then the rare
// tier changes.
// flushGroup (SQLite) writes the group's rows, then the tier changes.
func flushGroup(ctx context.Context, tx *Tx, bufs []*bufTx) error {
	if err := flushSQLite(ctx, tx, collectRows(bufs)); err != nil {
		return fmt.Errorf("store: write sale group: %w", err)
	}
	return runAfter(bufs)
}

// runAfter runs the writes the sales left for after the group's rows
// (tier changes).
func runAfter(bufs []*bufTx) error {
	for _, b := range bufs {
		for _, f := range b.after {
			if err := f(); err != nil {
				return fmt.Errorf("store: sale group tiers: %w", err)
			}
		}
	}
	return nil
}

func flushSQLite(ctx context.Context, tx *Tx, g *groupRows) error {
	for _, t := range []struct {
		table, cols string
		rows        [][]any
	}{
		{"sales", groupSaleCols, g.sales}, {"sale_lines", lineInsertCols, g.lines}, {"sale_payments", payInsertCols, g.pays},
		{"points_entries", groupEntryCols, g.entries}, {"points_lots", groupLotCols, g.lots}, {"points_takes", groupTakeCols, g.takes},
	} {
		if err := insertPadded(ctx, tx, t.table, t.cols, t.rows); err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
	}
	for _, k := range g.takes {
		res, err := tx.Exec(ctx, `UPDATE points_lots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?`, k[2], k[1], k[2])
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("lot %d holds less than %d points", k[1], k[2])
		}
	}
	for _, b := range g.balances {
		res, err := tx.Exec(ctx, `UPDATE member_points SET balance = balance + ?, updated_at = ? WHERE member_id = ?`, b...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("member %d has no balance row", b[2])
		}
	}
	return nil
}
