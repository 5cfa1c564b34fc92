package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/internal/bell"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// ID is member.ID.
type ID = store.ID

var (
	_ store.Store           = (*Store)(nil)
	_ store.TokenUpdater    = (*Store)(nil)
	_ store.PrincipalReader = (*Store)(nil)
)

// Options tune a Store.
type Options struct {
	// Prefix is prepended to every table name, so that roster can live in
	// the host's database beside its own tables: letters, digits and
	// underscores, at most 32 bytes. Empty means "roster_". To keep the
	// tables in a PostgreSQL schema of their own, set the connection's
	// search_path.
	Prefix string
	// Cache, if set, switches on the request cache: see CacheOptions.
	Cache *CacheOptions
	// NoPrepare sends every statement unprepared, for PostgreSQL behind
	// PgBouncer in transaction pooling, where a statement prepared on one
	// server connection is unknown on the next. Open the pool so that the
	// driver prepares nothing either (pgx: default_query_exec_mode=exec in
	// the DSN), and run Migrate on a direct connection, as migration
	// tools need one (its lock is the session's).
	NoPrepare bool
	// Clock says where a unit of work takes its time from (store.Tx.Now),
	// by which the rules judge expiry and seats and stamp what they
	// write. The zero value, DefaultClock, is the database's clock unless
	// Env.Now is set.
	Clock Clock
}

// A Clock says where a Store's units of work take their time from.
//
// Several processes sharing one database must decide by one clock: with
// each its own, two hosts two minutes apart would disagree on whether an
// invitation has expired, and one could accept an invitation that the
// other had judged expired, or count a seat the other had freed. The
// database's clock is read in the statement that locks the organisation,
// once the lock is taken, so that the units of work on an organisation get
// their times in the order in which they hold it. SQLite has no clock of
// its own: it runs in the host, whose clock is also every other process's
// on the same machine, and a Store on SQLite reads Env.Now (time.Now by
// default) whatever Clock says.
//
// Identifiers come from Env.Now with any Clock. What runs outside a unit of
// work and judges expiry (the expiry that ListPending shows) reads the
// units of work's clock through Store.Now.
type Clock uint8

// The clocks.
const (
	// DefaultClock is DatabaseClock if Env.Now is nil, and HostClock if
	// Env.Now is set, as tests set it to a fake clock. A host whose
	// processes share a database leaves Env.Now nil, or sets
	// DatabaseClock.
	DefaultClock Clock = iota
	// DatabaseClock is the database's clock, whatever Env.Now says.
	DatabaseClock
	// HostClock is Env.Now.
	HostClock
)

// queryer is where the store sends a statement: the pool or a
// transaction, of database/sql or of the host's API (HostTx).
type queryer = HostTx

// Store is roster's Store on a SQL database. It is safe for concurrent use
// by many goroutines and many processes sharing one database: every rule
// runs in a database transaction that holds the organisation's row lock (an
// immediate transaction on SQLite).
type Store struct {
	db   *sql.DB
	host HostTx // set on a Store bound to the host's transaction
	// other is host when it is not a *sql.Tx (InHostTx): every statement
	// goes to it as it is.
	other HostTx
	// hostChecked is set once the host's transaction passed the flavor's
	// hostCheck (a Store from InTx).
	hostChecked *atomic.Bool
	f           *flavor // the dialect's
	env         *store.Env
	prefix      string
	// dbClock is set where units of work read the database's clock.
	dbClock bool
	queries *sync.Map // query text → dialect text
	texts   *sync.Map // table or updateKey → dialect text of a write
	stmts   *sync.Map // dialect text → *sql.Stmt, prepared on db
	// preparing holds the statements being prepared in the background.
	preparing *sync.Map
	noPrepare bool    // Options.NoPrepare
	opts      Options // as New got them, for Reopen
	points    *atomic.Int64
	// writer serialises this process's units of work where the flavor
	// allows one writer at a time (SQLite): waiting on a mutex costs less
	// than SQLite's busy handler, which sleeps and retries. Units of work
	// of other processes (or other pools) still meet in the busy handler,
	// whose wait a deadline ends too (beginWaiting).
	writer chan struct{}
	// bell rings when a unit of work of this Store commits events.
	bell *bell.Bell
	// cache is the request cache, if Options.Cache switched it on.
	cache *cache
	// purgeHook, which tests set, runs at the end of each batch of Purge
	// that found an organisation to purge, with the rows it deleted,
	// before the batch commits.
	purgeHook func(ctx context.Context, deleted int)
}

// checkPrefix returns the table prefix that prefix (Options.Prefix) means,
// or ErrInvalid.
func checkPrefix(prefix string) (string, error) {
	if prefix == "" {
		prefix = "roster_"
	}
	if len(prefix) > 32 || prefix[0] >= '0' && prefix[0] <= '9' || strings.ContainsFunc(prefix, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) {
		return "", fmt.Errorf("%w: table prefix %q: use letters, digits and underscores, not a digit first", store.ErrInvalid, prefix)
	}
	return prefix, nil
}

// New returns a Store on db, which must be open on a database of dialect d.
// It does not touch the database: call Migrate before first use. sqlstore
// imports no driver; the host opens db with the driver of its choice.
func New(db *sql.DB, d Dialect, env store.Env, opts Options) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil *sql.DB", store.ErrInvalid)
	}
	f := d.flavor()
	if f == nil {
		return nil, fmt.Errorf("%w: unknown dialect %v", store.ErrInvalid, d)
	}
	prefix, err := checkPrefix(opts.Prefix)
	if err != nil {
		return nil, err
	}
	if opts.Clock > HostClock {
		return nil, fmt.Errorf("%w: unknown clock %d", store.ErrInvalid, opts.Clock)
	}
	dbClock := f.clocked != nil && (opts.Clock == DatabaseClock || opts.Clock == DefaultClock && env.Now == nil)
	e, err := env.Init()
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, f: f, env: e, prefix: prefix, dbClock: dbClock, queries: new(sync.Map), texts: new(sync.Map), stmts: new(sync.Map),
		preparing: new(sync.Map), points: new(atomic.Int64), writer: make(chan struct{}, 1), bell: new(bell.Bell), noPrepare: opts.NoPrepare, opts: opts}
	if opts.Cache != nil {
		s.cache = newCache(s, opts.Cache)
	}
	return s, nil
}

// Close stops the request cache's follower and releases the statements the
// store prepared. It does not close the *sql.DB, which belongs to the host.
func (s *Store) Close() error {
	if s.cache != nil {
		s.cache.close()
	}
	var errs []error
	s.stmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		s.stmts.Delete(k)
		return true
	})
	return errors.Join(errs...)
}

// conn runs the store's statements on the pool, or in a transaction, each
// statement prepared once per store (and by database/sql once per
// connection), so that the database parses and plans it once.
type conn struct {
	s  *Store
	tx *sql.Tx // nil: the pool, or s.other
	// rule names the rule whose unit of work this is, to put in each
	// statement's context (store.WithRule) for a driver's tracer; "" for
	// none.
	rule string
}

// named returns ctx naming c's rule, if it has one and ctx does not.
func (c conn) named(ctx context.Context) context.Context {
	if c.rule == "" || store.RuleOf(ctx) != "" {
		return ctx
	}
	return store.WithRule(ctx, c.rule)
}

// stmt returns the prepared statement for query (in the dialect's text),
// or nil, in which case the query runs unprepared. Outside a transaction a
// missing statement is prepared on the pool at once. Inside one it is
// prepared in the background instead: preparing on the pool needs a second
// connection, which a unit of work holding the pool's last one would wait
// for forever.
func (c conn) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.s.noPrepare {
		return nil
	}
	v, ok := c.s.stmts.Load(query)
	if !ok {
		if c.tx != nil {
			c.s.prepareLater(query)
			return nil
		}
		st, err := c.s.db.PrepareContext(ctx, query)
		if err != nil {
			return nil
		}
		if v, ok = c.s.stmts.LoadOrStore(query, st); ok {
			st.Close()
		}
	}
	st := v.(*sql.Stmt)
	if c.tx != nil {
		st = c.tx.StmtContext(ctx, st)
	}
	return st
}

// prepareLater prepares query on the pool in the background, once.
func (s *Store) prepareLater(query string) {
	if _, busy := s.preparing.LoadOrStore(query, true); busy {
		return
	}
	go func() {
		defer s.preparing.Delete(query)
		st, err := s.db.PrepareContext(context.Background(), query)
		if err != nil {
			return
		}
		if _, loaded := s.stmts.LoadOrStore(query, st); loaded {
			st.Close()
		}
	}()
}

// sqlQueryer is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type sqlQueryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (c conn) raw() sqlQueryer {
	if c.tx != nil {
		return c.tx
	}
	return c.s.db
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = c.named(ctx)
	if c.tx == nil && c.s.other != nil {
		return c.s.other.ExecContext(ctx, query, args...)
	}
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.raw().ExecContext(ctx, query, args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx = c.named(ctx)
	if c.tx == nil && c.s.other != nil {
		return c.s.other.QueryContext(ctx, query, args...)
	}
	var rows *sql.Rows
	var err error
	if st := c.stmt(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = c.raw().QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil Rows
	}
	return rows, nil
}

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	ctx = c.named(ctx)
	if c.tx == nil && c.s.other != nil {
		return c.s.other.QueryRowContext(ctx, query, args...)
	}
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.raw().QueryRowContext(ctx, query, args...)
}

// InTx returns a Store whose every read and unit of work runs inside the
// host's transaction tx, so that a membership change commits or rolls back
// together with the host's own writes:
//
//	tx, _ := db.BeginTx(ctx, nil)
//	defer tx.Rollback()
//	if _, err := createAccount(ctx, tx, …); err != nil { … }
//	if _, err := member.AddMember(ctx, roster.InTx(tx), org, admin, newMember); err != nil { … }
//	return tx.Commit()
//
// Each unit of work is a savepoint of tx: a refused rule rolls back to it
// and leaves the host's earlier writes in place.
//
// The rules decide on the latest committed rows at any isolation level the
// host begins tx at, or are refused. On MySQL and MariaDB every read of a
// unit of work in tx is a locking read (LOCK IN SHARE MODE), which reads
// the latest committed rows even at REPEATABLE READ, their default, where a
// plain read would see the snapshot of the host's first read (a seat taken
// meanwhile would go uncounted). On PostgreSQL, REPEATABLE READ has no such
// remedy (a row inserted after the snapshot stays unseen), and a unit of
// work in a transaction at that level fails with store.ErrInvalid: begin tx
// READ COMMITTED (the default) or SERIALIZABLE. A deadlock or serialisation
// failure fails the unit of work with store.ErrConflict; the host's
// transaction is then lost (MySQL rolls it back, PostgreSQL will not commit
// it at SERIALIZABLE), and the host runs it again. The returned Store must
// not be used after tx ends. On SQLite, begin tx with the DSN of SQLiteDSN,
// so that it takes the write lock at once. A transaction of another API
// than database/sql (pgx.Tx) goes through InHostTx.
func (s *Store) InTx(tx *sql.Tx) *Store {
	if tx == nil {
		return s
	}
	return s.InHostTx(sqlHost{tx})
}

// Env returns the store's environment.
func (s *Store) Env() *store.Env { return s.env }

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.f.dialect }

// Prefix returns the prefix of the store's table names.
func (s *Store) Prefix() string { return s.prefix }

// sql returns query with the table prefix and the dialect's placeholders.
func (s *Store) sql(query string) string {
	if q, ok := s.queries.Load(query); ok {
		return q.(string)
	}
	q := s.f.rebind(strings.ReplaceAll(query, "{p}", s.prefix))
	s.queries.Store(query, q)
	return q
}

// reader is where reads outside a unit of work go.
func (s *Store) reader() queryer {
	if s.host != nil {
		return s.hostConn(s.host, "")
	}
	return conn{s: s}
}

// Now implements store.NowReader: the database's clock where units of work
// read it (Options.Clock), one statement; else Env.Time.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	if !s.dbClock {
		return s.env.Time(), nil
	}
	var us int64
	if err := s.reader().QueryRowContext(ctx, s.f.clockNow).Scan(&us); err != nil {
		return time.Time{}, err
	}
	return fromMicros(us), nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, org ID, fn func(store.Tx) error) error {
	return s.run(ctx, []ID{org}, nil, func(txs []*tx) error { return fn(txs[0]) })
}

// UpdateByToken implements store.TokenUpdater: on PostgreSQL and SQLite
// the organisation and the invitation are found and locked in one
// statement.
func (s *Store) UpdateByToken(ctx context.Context, hash [32]byte, fn func(store.Tx, store.Invitation) error) error {
	return s.run(ctx, nil, nil, func(txs []*tx) error {
		t := txs[0]
		inv, err := t.locked, error(nil)
		if inv.ID == uuid.Nil { // MySQL: read after the lock
			if inv, err = t.InvitationByHash(ctx, hash); err != nil {
				return err
			}
		}
		return fn(t, inv)
	}, hash[:])
}

// UpdatePair implements store.Store.
func (s *Store) UpdatePair(ctx context.Context, a, b ID, fn func(ta, tb store.Tx) error) error {
	if a == b {
		return fmt.Errorf("%w: a pair of organisations needs two", store.ErrInvalid)
	}
	return s.run(ctx, []ID{a, b}, nil, func(txs []*tx) error { return fn(txs[0], txs[1]) })
}

// InsertOrg implements store.Store.
func (s *Store) InsertOrg(ctx context.Context, o store.Org, fn func(store.Tx) error) error {
	return s.run(ctx, nil, &o, func(txs []*tx) error { return fn(txs[0]) })
}

// maxAttempts bounds how often a unit of work runs when the database
// reports a deadlock or serialisation failure.
const maxAttempts = 4

// run runs fn in one database transaction (a savepoint of the host's, for
// a Store from InTx) that first locks the organisations ids, in ID order,
// or first inserts the organisation created. It commits if fn returns nil
// and rolls back otherwise.
func (s *Store) run(ctx context.Context, ids []ID, created *store.Org, fn func([]*tx) error, token ...[]byte) error {
	orgs := ids
	if created != nil {
		orgs = []ID{created.ID}
	}
	ctx, u, done := rule.Observe(ctx, s.env, orgs...)
	for attempt := 1; ; attempt++ {
		var w work
		w.unit = u
		err := s.once(ctx, ids, created, fn, token, &w)
		if err == nil {
			s.committed(ctx, w.evs)
			if u != nil {
				for _, e := range w.evs {
					u.Events = append(u.Events, e.Type)
				}
			}
		}
		if !s.f.isRetryable(err) {
			return done(err)
		}
		if s.host != nil {
			return done(fmt.Errorf("%w: the database refused the unit of work as a deadlock or serialisation failure; roll back the host's transaction and run it again: %w", store.ErrConflict, err))
		}
		if attempt == maxAttempts {
			return done(fmt.Errorf("%w: the database refused the unit of work as a deadlock or serialisation failure %d times: %w", store.ErrConflict, attempt, err))
		}
	}
}

// work is what a unit of work's attempt hands back to run: the events it
// appended, and the Observer's record, which its units take note in.
type work struct {
	evs  []*store.Event
	unit *store.Unit
}

// committed tells whoever waits of the events of a unit of work that
// committed: the token of the context (store.Capture), and, unless the
// host's transaction has yet to commit them, the request cache, which
// drops what they changed, and the feed's followers.
func (s *Store) committed(ctx context.Context, evs []*store.Event) {
	if tok := store.Captured(ctx); tok != nil {
		for _, e := range evs {
			*tok = tok.Add(e.Org, e.Seq)
		}
	}
	if s.host != nil {
		return
	}
	if s.cache != nil && len(evs) > 0 {
		es := make([]store.Event, len(evs))
		for i, e := range evs {
			es[i] = *e
		}
		s.cache.apply(es)
	}
	s.bell.Ring()
}

func (s *Store) once(ctx context.Context, ids []ID, created *store.Org, fn func([]*tx) error, token [][]byte, w *work) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	q, end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			// A panic in fn must not commit what fn wrote before it.
			_ = end(fmt.Errorf("sqlstore: unit of work panicked: %v", p))
			panic(p)
		}
		err = end(err)
	}()

	var txs []*tx
	if len(token) > 0 {
		t, err := s.lockByToken(ctx, q, token[0])
		if err != nil {
			return fmt.Errorf("invitation token: %w", err)
		}
		txs = []*tx{t}
	} else if created != nil {
		t := &tx{s: s, q: q, org: *created, now: s.env.Time()}
		if s.dbClock {
			var us int64
			if err := q.QueryRowContext(ctx, s.f.clockNow).Scan(&us); err != nil {
				return err
			}
			t.now = fromMicros(us)
		}
		if err := t.insertOrg(ctx); err != nil {
			return err
		}
		txs = []*tx{t}
	} else {
		txs = make([]*tx, len(ids))
		order := slices.Clone(ids)
		slices.SortFunc(order, compareID)
		for _, id := range order {
			t, err := s.lock(ctx, q, id)
			if err != nil {
				return err
			}
			txs[slices.Index(ids, id)] = t
		}
	}
	// The unit of work's time, the same for a pair: the database's, as
	// read with the last lock, or else the host's, once the locks are held.
	var now time.Time
	for _, t := range txs {
		if t.now.After(now) {
			now = t.now
		}
	}
	if now.IsZero() {
		now = s.env.Time()
	}
	var b *batch
	if s.f.holdsWrites {
		b = new(batch)
	}
	for _, t := range txs {
		t.now = now
		t.raw, t.q = q, q
		t.unit = w.unit
		if b != nil {
			t.b, t.q = b, flushing{t}
		}
	}
	if w.unit != nil && len(w.unit.Orgs) == 0 { // found by its token
		w.unit.Orgs = []ID{txs[0].org.ID}
	}
	err = fn(txs)
	if b != nil {
		// Held writes go out even when fn failed: one that fails came
		// before fn's error, and is the unit of work's.
		if ferr := txs[0].flush(ctx); ferr != nil {
			return ferr
		}
	}
	if err != nil {
		return err
	}
	for _, t := range txs {
		w.evs = append(w.evs, t.appended...)
	}
	return ctx.Err()
}

// begin starts a transaction, or a savepoint of the host's, and returns
// where to send statements and how to end it with the outcome.
func (s *Store) begin(ctx context.Context) (queryer, func(error) error, error) {
	if s.host != nil {
		name := fmt.Sprintf("roster_%d", s.points.Add(1))
		if _, err := s.host.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
			return nil, nil, err
		}
		var q queryer = s.hostConn(s.host, store.RuleOf(ctx))
		if !s.hostChecked.Load() && s.f.hostCheck != nil {
			if err := s.f.hostCheck(ctx, q); err != nil {
				_, _ = s.host.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name)
				return nil, nil, err
			}
			s.hostChecked.Store(true)
		}
		if s.f.hostReads != "" {
			q = lockingReads{s.hostConn(s.host, store.RuleOf(ctx))}
		}
		return q, func(err error) error {
			if err != nil {
				// The host's transaction may have been cancelled with ctx;
				// roll back with a context of its own.
				if _, rerr := s.host.ExecContext(context.WithoutCancel(ctx), "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
					return errors.Join(err, rerr)
				}
				return err
			}
			_, err = s.host.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
			return err
		}, nil
	}
	unlock := func() {}
	if s.f.oneWriter {
		// A deadline ends the wait for this process's writer.
		select {
		case s.writer <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		unlock = func() { <-s.writer }
	}
	// The transaction runs on a context of its own, cancelled with ctx
	// until COMMIT is sent and detached from it after: a context that
	// ends while COMMIT is in flight must not turn a commit into an error.
	txCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, cancel)
	var t *sql.Tx
	var err error
	if s.f.oneWriter {
		t, err = s.beginWaiting(ctx, txCtx, &unlock)
	} else {
		t, err = s.db.BeginTx(txCtx, &sql.TxOptions{Isolation: s.f.isolation})
	}
	if err != nil {
		stop()
		cancel()
		unlock()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, err
	}
	return conn{s: s, tx: t, rule: store.RuleOf(ctx)}, func(err error) error {
		defer unlock()
		defer cancel()
		if err != nil {
			_ = t.Rollback()
			return err
		}
		if !stop() { // ctx ended first: the transaction is rolled back
			_ = t.Rollback()
			return ctx.Err()
		}
		if err := t.Commit(); err != nil {
			if s.f.serverSaid(err) {
				return err // the database refused the commit: nothing committed
			}
			return fmt.Errorf("%w: commit: %w", store.ErrOutcomeUnknown, err)
		}
		return nil
	}, nil
}

// beginWaiting begins a transaction on txCtx and returns when it has begun
// or when ctx ends, whichever comes first. SQLite's busy handler, in which
// BEGIN IMMEDIATE waits for another process's (or another pool's) write
// lock, does not heed the context, and would keep a caller waiting for the
// whole busy timeout past its deadline. A BEGIN that ctx abandons finishes
// in the background, within the busy timeout, and its transaction is rolled
// back at once; *unlock, the release of this store's writer, is called only
// then, so that this store's next unit of work does not start a second
// wait beside it, and is set to do nothing for the caller.
func (s *Store) beginWaiting(ctx, txCtx context.Context, unlock *func()) (*sql.Tx, error) {
	if ctx.Done() == nil { // ctx cannot end: wait in the busy handler
		return s.db.BeginTx(txCtx, &sql.TxOptions{Isolation: s.f.isolation})
	}
	type begun struct {
		t   *sql.Tx
		err error
	}
	ch := make(chan begun, 1)
	go func() {
		t, err := s.db.BeginTx(txCtx, &sql.TxOptions{Isolation: s.f.isolation})
		ch <- begun{t, err}
	}()
	select {
	case b := <-ch:
		return b.t, b.err
	case <-ctx.Done():
		release := *unlock
		*unlock = func() {}
		go func() {
			if b := <-ch; b.t != nil {
				_ = b.t.Rollback()
			}
			release()
		}()
		return nil, ctx.Err()
	}
}

// lock locks the organisation's row and reads it.
func (s *Store) lock(ctx context.Context, q queryer, id ID) (*tx, error) {
	t, err := s.lockBy(ctx, q, `?`, s.f.id(id))
	if err != nil {
		return nil, fmt.Errorf("organisation %v: %w", id, err)
	}
	return t, nil
}

// lockBy locks the row of the organisation whose ID the SQL expression
// which gives, and reads it.
func (s *Store) lockBy(ctx context.Context, q queryer, which string, arg any) (*tx, error) {
	t := &tx{s: s, q: q, seq: -1}
	var r orgRow
	var us int64
	query, dest := s.clocked(orgCols, `FROM {p}orgs o WHERE o.id = `+which+s.f.forUpdate, &us, r.dest(&t.org))
	err := q.QueryRowContext(ctx, s.sql(query), arg).Scan(dest...)
	if err := r.finish(&t.org, err); err != nil {
		return nil, err
	}
	if s.dbClock {
		t.now = fromMicros(us)
	}
	return t, nil
}

// lockByToken locks the organisation of the invitation whose token hash is
// hash and reads it. On PostgreSQL and SQLite the same statement reads the
// invitation, and on PostgreSQL locks its row too, after the
// organisation's: read without the lock, the invitation would be as it was
// before this transaction waited for the organisation, and another accept
// of the same token might have changed it meanwhile. InvitationByHash then
// needs no statement of its own. MySQL would lock the invitation's row
// first, in the opposite order to every other unit of work, and so reads it
// on its own after the lock.
func (s *Store) lockByToken(ctx context.Context, q queryer, hash []byte) (*tx, error) {
	if !s.f.tokenJoin {
		return s.lockBy(ctx, q, `(SELECT org FROM {p}invitations WHERE token_hash = ?)`, hash)
	}
	t := &tx{s: s, q: q, seq: -1}
	var r orgRow
	var us int64
	query, pre := s.clocked(orgCols+`, `+tokenInvitationCols, `FROM {p}orgs o JOIN {p}invitations i ON i.org = o.id WHERE i.token_hash = ?`+s.f.tokenLock, &us, r.dest(&t.org))
	inv, err := s.scanInvitation(prefixed{q.QueryRowContext(ctx, s.sql(query), hash), pre})
	if err := r.finish(&t.org, err); err != nil {
		return nil, err
	}
	if s.dbClock {
		t.now = fromMicros(us)
	}
	t.sawInvitation(inv, nil)
	t.locked = inv
	return t, nil
}

// clocked returns the locking query SELECT cols rest, which reads the
// columns into dest, or where the store reads the database's clock, the
// query that also reads the clock, once the lock is taken, into *us, and
// its destinations.
func (s *Store) clocked(cols, rest string, us *int64, dest []any) (string, []any) {
	if !s.dbClock {
		return `SELECT ` + cols + ` ` + rest, dest
	}
	return s.f.clocked(cols, rest), append([]any{us}, dest...)
}

func compareID(a, b ID) int { return strings.Compare(string(a[:]), string(b[:])) }
