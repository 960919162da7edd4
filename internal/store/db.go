// Package store keeps Linli's data in SQLite (one file, the default) or
// PostgreSQL. It owns the schema and its migrations, and implements the small
// storage interfaces that the domain packages declare. Dialect differences
// live here and nowhere else.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database engine.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a handle on the database: one writer and a pool of readers on
// SQLite (SQLite allows a single writer; queuing in Go is cheaper than
// SQLITE_BUSY retries), one shared pool on PostgreSQL.
type DB struct {
	Dialect Dialect
	W       *sql.DB // writes (and reads inside write transactions)
	R       *sql.DB // reads
	Path    string  // SQLite file, empty for PostgreSQL

	// sale holds the connections of the sale committers on PostgreSQL
	// (see salegroup.go and openPostgres); nil on SQLite.
	sale *sql.DB

	mu     sync.Mutex
	stmts  map[string]*sql.Stmt // writer statements kept prepared across transactions (SQLite)
	rstmts sync.Map             // reader statements, query → *sql.Stmt (SQLite)
	nread  int                  // how many rstmts holds, under mu
	closed bool

	group      committer  // group commit (SQLite), see group.go
	saleGroups saleGroups // sales in groups (PostgreSQL), see salegroup.go
	walMu      sync.Mutex
	wal        *os.File    // the SQLite WAL, kept open to sync it
	walInfo    os.FileInfo // of wal when opened, to notice a new file
}

// maxCachedStmts bounds the writer's statement cache; statements beyond it
// are prepared per transaction.
const maxCachedStmts = 256

// cachedStmt returns q prepared on the writer if an earlier transaction
// has used it. The writer pool has one connection, so a cached statement is
// parsed once for the life of the process; a 500-row INSERT costs
// milliseconds to parse, which adds up over a large import.
func (d *DB) cachedStmt(q string) *sql.Stmt {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stmts[q]
}

// cacheStmts prepares on the writer the statements a finished transaction
// used. It runs after commit: preparing needs the writer's one connection,
// which the transaction held.
func (d *DB) cacheStmts(ctx context.Context, qs []string) {
	for _, q := range qs {
		d.mu.Lock()
		_, have := d.stmts[q]
		full := len(d.stmts) >= maxCachedStmts
		d.mu.Unlock()
		if have || full {
			continue
		}
		st, err := d.W.PrepareContext(ctx, q)
		if err != nil {
			continue // the next transaction prepares it for itself
		}
		d.mu.Lock()
		if _, raced := d.stmts[q]; raced || d.closed {
			st.Close()
		} else {
			if d.stmts == nil {
				d.stmts = map[string]*sql.Stmt{}
			}
			d.stmts[q] = st
		}
		d.mu.Unlock()
	}
}

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "linli.db"

// Options tunes Open.
type Options struct {
	// ReadOnly opens only readers (for `linli stats` beside a running server).
	ReadOnly bool
	// Readers is the size of the SQLite reader pool; default 4.
	Readers int
}

// Open connects to PostgreSQL when url starts with postgres:// or
// postgresql://, and otherwise opens (creating it if needed) the SQLite file
// in dataDir. It does not migrate; see Migrate and CheckSchema.
func Open(ctx context.Context, dataDir, url string, opt Options) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return openPostgres(ctx, url)
	}
	if url != "" {
		return nil, fmt.Errorf("store: unsupported database URL %q (use postgres://… or leave empty for SQLite)", redact(url))
	}
	return openSQLite(ctx, dataDir, opt)
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect to postgres %s: %w", redact(url), err)
	}
	sale, err := openSaleConns(url)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &DB{Dialect: Postgres, W: db, R: db, sale: sale}, nil
}

// openSaleConns opens the sale committers' own connections, one each and
// kept open. Their few statements run thousands of times a minute with
// arrays of varying length as parameters, and the server planned most
// executions afresh (it keeps custom plans when the generic plan's estimate
// looks worse, as with arrays it does): a fifth of its CPU per sale. Every
// one of them reads by key, so on these connections the generic plan serves
// from the first execution and a sequential scan is never chosen — a
// generic plan made while a new store's tables were still small would
// otherwise scan them whole for as long as the connection lived. The shared
// pool, whose reports depend on their parameters, keeps the server's
// choice.
func openSaleConns(raw string) (*sql.DB, error) {
	u, err := neturl.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("store: postgres URL: %w", err)
	}
	q := u.Query()
	// Sent as run-time parameters when the connection starts.
	q.Set("plan_cache_mode", "force_generic_plan")
	q.Set("enable_seqscan", "off")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(saleCommitters)
	db.SetMaxIdleConns(saleCommitters)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

func openSQLite(ctx context.Context, dataDir string, opt Options) (*DB, error) {
	if dataDir == "" {
		return nil, errors.New("store: no data directory")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create data dir: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFile)
	// busy_timeout first so that the pragmas after it wait instead of failing.
	// The writer commits with synchronous=NORMAL and the store syncs the WAL
	// before it acknowledges a commit, so that an acknowledged write is on
	// disk even after a power cut, as with FULL, while the sync overlaps
	// the next group of writes (see group.go and docs/ARCHITECTURE.md).
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_pragma=cache_size(-131072)"
	d := &DB{Dialect: SQLite, Path: path}
	readers := opt.Readers
	if readers <= 0 {
		readers = 4
	}
	if !opt.ReadOnly {
		w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=wal_autocheckpoint(8192)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		d.W = w
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: no database at %s (run `linli migrate` or `linli serve` first): %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	d.R = r
	if d.W == nil {
		d.W = r // read-only handle: writes fail with "attempt to write a readonly database"
	}
	return d, nil
}

// OpenConnections counts the connections open in every pool.
func (d *DB) OpenConnections() int {
	n := d.W.Stats().OpenConnections
	if d.R != d.W {
		n += d.R.Stats().OpenConnections
	}
	if d.sale != nil {
		n += d.sale.Stats().OpenConnections
	}
	return n
}

// Close closes both pools.
func (d *DB) Close() error {
	d.mu.Lock()
	for _, st := range d.stmts {
		st.Close()
	}
	d.rstmts.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	d.rstmts.Clear()
	d.stmts, d.closed = nil, true
	d.mu.Unlock()
	d.group.stop()
	d.saleGroups.stop()
	err := d.W.Close()
	if d.sale != nil {
		err = errors.Join(err, d.sale.Close())
	}
	if d.R != d.W {
		err = errors.Join(err, d.R.Close())
	}
	// Last: closing a descriptor drops the process's POSIX locks on the
	// file, which must not happen under an open SQLite connection.
	d.walMu.Lock()
	if d.wal != nil {
		d.wal.Close()
		d.wal = nil
	}
	d.walMu.Unlock()
	return err
}

// Rebind turns ? placeholders into $1, $2 … for PostgreSQL. Queries are
// written once with ?; the statements never contain a literal question mark.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction with the dialect's placeholder style. On
// SQLite it keeps each statement it has run prepared until the transaction
// ends, so a batch parses every statement once instead of once per row
// (the driver would otherwise prepare and finalize on every call). pgx
// already caches prepared statements per connection.
type Tx struct {
	db    *DB
	tx    *sql.Tx
	conn  *sql.Conn // PostgreSQL: instead of tx, a transaction begun by hand on conn (sale groups)
	stmts map[string]*sql.Stmt
	fresh []string // statements prepared for this transaction alone
}

// querier is what both *sql.Tx and *sql.Conn offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pg is what PostgreSQL statements run on.
func (t *Tx) pg() querier {
	if t.conn != nil {
		return t.conn
	}
	return t.tx
}

func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if shared := t.db.cachedStmt(q); shared != nil {
		st = t.tx.StmtContext(ctx, shared)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q); err != nil {
			return nil, err
		}
		t.fresh = append(t.fresh, q)
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[q] = st
	return st, nil
}

func (t *Tx) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if t.db.Dialect != SQLite {
		return t.pg().ExecContext(ctx, t.db.Rebind(q), args...)
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (t *Tx) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if t.db.Dialect != SQLite {
		return t.pg().QueryContext(ctx, t.db.Rebind(q), args...)
	}
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRow runs a query expected to return at most one row. A failure to
// prepare surfaces from Scan, as with database/sql.
func (t *Tx) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if t.db.Dialect == SQLite {
		if st, err := t.stmt(ctx, q); err == nil {
			return st.QueryRowContext(ctx, args...)
		}
	}
	return t.pg().QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// maxParams keeps multi-row statements under both engines' limits on bound
// parameters (SQLite 32,766; PostgreSQL 65,535).
const maxParams = 30000

// InsertRows inserts rows (each with one value per column in cols) into
// table with as few multi-row INSERT statements as the parameter limit
// allows.
func (t *Tx) InsertRows(ctx context.Context, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, min(500, maxParams/width))
	args := make([]any, 0, min(per, len(rows))*width)
	for len(rows) > 0 {
		n := min(per, len(rows))
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := t.Exec(ctx, insertRowsQuery(table, cols, width, n), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

type insertShape struct {
	table, cols string
	width, n    int
}

// insertRowsQueries keeps the multi-row INSERT texts: a till's sale builds
// the same two on every commit.
var insertRowsQueries sync.Map // insertShape → string

func insertRowsQuery(table, cols string, width, n int) string {
	k := insertShape{table, cols, width, n}
	if q, ok := insertRowsQueries.Load(k); ok {
		return q.(string)
	}
	one := "(" + placeholders(width) + ")"
	q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
	if n <= 64 || n&(n-1) == 0 { // batches of imports vary in size; keep only the repeating shapes
		insertRowsQueries.Store(k, q)
	}
	return q
}

// ReserveIDs hands out n fresh ids for table, so that a batch can be
// inserted with multi-row statements and still know its ids. On SQLite the
// write transaction holds the only write lock, so the ids above the current
// maximum are ours; on PostgreSQL they come from the identity sequence.
func (t *Tx) ReserveIDs(ctx context.Context, table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if t.db.Dialect == Postgres {
		ids, err := column[int64](t.Query(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n))
		if err != nil {
			return nil, fmt.Errorf("store: reserve ids: %w", err)
		}
		return ids, nil
	}
	var top int64
	if err := t.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
		return nil, fmt.Errorf("store: reserve ids: %w", err)
	}
	for i := range n {
		ids = append(ids, top+1+int64(i))
	}
	return ids, nil
}

// column reads a one-column result; it takes Query's two results directly.
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// placeholders returns "?, ?, …" for an IN list of n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// storeExists reports whether the chain store id exists.
func storeExists(ctx context.Context, db *DB, id int64) (bool, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM stores WHERE id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("store: find store %d: %w", id, err)
	}
	return n > 0, nil
}

// InsertID runs an INSERT and returns the new row's id: on SQLite from
// the connection's last rowid (every id column is the rowid), cheaper
// than stepping through a RETURNING row; on PostgreSQL with RETURNING id.
func (t *Tx) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	if t.db.Dialect == SQLite {
		res, err := t.Exec(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := t.QueryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// Write runs fn in one write transaction: committed, and on disk, when fn
// returns nil; rolled back otherwise. On SQLite the transaction starts IMMEDIATE, so two
// writers never deadlock on a lock upgrade.
func (d *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	sqlTx, err := d.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{db: d, tx: sqlTx}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	if len(tx.fresh) > 0 {
		d.cacheStmts(ctx, tx.fresh)
	}
	if err := d.syncWAL(); err != nil {
		return fmt.Errorf("store: sync: %w", err)
	}
	return nil
}

// Query reads through the reader pool.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.readStmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.R.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRow reads one row through the reader pool.
func (d *DB) QueryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.readStmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.R.QueryRowContext(ctx, d.Rebind(q), args...)
}

// readStmt returns q prepared on the SQLite reader pool, nil on PostgreSQL
// (pgx caches statements per connection itself) or when the cache is full
// or q does not prepare (the caller then runs it unprepared and reports
// the error). The SQLite driver would otherwise parse every query on every
// call, which on the till's hot path cost more than running it; database/sql
// prepares a cached statement once per reader connection.
func (d *DB) readStmt(ctx context.Context, q string) *sql.Stmt {
	if d.Dialect != SQLite {
		return nil
	}
	if st, ok := d.rstmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.rstmts.Load(q); ok {
		return st.(*sql.Stmt)
	}
	if d.closed || d.nread >= maxCachedStmts {
		return nil
	}
	st, err := d.R.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	d.rstmts.Store(q, st)
	d.nread++
	return st
}

// IsUnique reports whether err is a unique-constraint violation.
func IsUnique(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	// pgx: SQLSTATE 23505 unique_violation. Matching the text keeps this
	// package free of pgconn's error type.
	return strings.Contains(err.Error(), "SQLSTATE 23505")
}

// Millis converts a time to the stored form.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis converts the stored form back to UTC time.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":***" + url[at:]
	}
	return url
}

// Redact hides the password in a database URL for logs and `linli config`.
func Redact(url string) string { return redact(url) }
