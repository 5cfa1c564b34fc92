package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/rosterhq/roster/store"
)

// A Dialect is the SQL database a Store runs on.
type Dialect uint8

// The dialects.
const (
	// Postgres is PostgreSQL 12 or later, through any database/sql driver
	// (github.com/jackc/pgx/v5/stdlib in roster's tests).
	Postgres Dialect = iota + 1
	// SQLite is SQLite 3.35 or later (modernc.org/sqlite in roster's
	// tests). Open it with the DSN that SQLiteDSN returns.
	SQLite
	// MySQL is MySQL 8 or MariaDB 10.5 and later
	// (github.com/go-sql-driver/mysql in roster's tests).
	MySQL
)

func (d Dialect) String() string {
	if f := d.flavor(); f != nil {
		return f.name
	}
	return "dialect(" + strconv.Itoa(int(d)) + ")"
}

// SQLiteDSN returns the DSN that roster expects of an SQLite database at
// path, for modernc.org/sqlite: write-ahead logging, a busy timeout so that
// writers wait for each other instead of failing, foreign keys on, and
// immediate transactions so that a unit of work takes the write lock when it
// begins.
//
//	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN("roster.db"))
func SQLiteDSN(path string) string {
	// The path is a URI's: '%', '?' and '#' would end or change it.
	path = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Rebind turns the ? placeholders of q into $1, $2, … for PostgreSQL, and
// returns q unchanged for the other dialects. A ? in a string literal, a
// quoted identifier or a comment is left as it is; PostgreSQL's ? operators
// (jsonb's ?, ?| and ?&) cannot be told from a placeholder, so write them
// as their functions (jsonb_exists and the like).
func (d Dialect) Rebind(q string) string {
	if f := d.flavor(); f != nil {
		return f.rebind(q)
	}
	return q
}

// A flavor is all that the store's statements and its engine need to know
// of a dialect, as values and functions: New picks the dialect's flavor
// once and the Store keeps it, so that the rest of the package asks the
// flavor instead of branching on the dialect.
type flavor struct {
	dialect Dialect
	// name is the dialect's name, and the folder of its migrations.
	name string

	// rebind turns the ? placeholders of a query into the dialect's.
	rebind func(q string) string
	// id encodes an ID as the dialect stores it.
	id func(id store.ID) any
	// uniqueViolation reports whether a non-nil err is a unique-constraint
	// violation; isUnique wraps it.
	uniqueViolation func(err error) bool
	// violated returns how the database names the unique constraint or
	// index that the unique violation err broke, or "" when err does not
	// say: the constraint's name on PostgreSQL, the key's on MySQL (less
	// its table's), the table-qualified columns on SQLite.
	violated func(err error) string
	// named returns what violated returns for the store's unique index
	// index, with the table prefix prefix (see uniqueIndexes).
	named func(prefix, index string) string
	// retryable reports whether a non-nil err is a deadlock or serialisation
	// failure after which the whole unit of work may be run again;
	// isRetryable wraps it.
	retryable func(err error) bool

	// The unit of work.

	// isolation is the level a unit of work's transaction begins at
	// (sql.LevelDefault: the database's).
	isolation sql.IsolationLevel
	// oneWriter is set where the database allows one writer at a time:
	// the units of work of one Store then take turns on its mutex, which
	// costs less than the database's busy handler, which sleeps and
	// retries.
	oneWriter bool
	// hostCheck, if set, refuses a host's transaction (InTx) whose
	// isolation level the rules cannot run at; it runs once per Store
	// from InTx, in the first unit of work.
	hostCheck func(ctx context.Context, q queryer) error
	// hostReads, if set, is the locking clause that every read of a unit
	// of work in a host's transaction gets (see lockingReads), so that it
	// reads the latest committed rows whatever the host's isolation level.
	hostReads string
	// forUpdate is the clause that locks the rows a SELECT reads.
	forUpdate string
	// tokenJoin is set where lockByToken reads the invitation in the
	// statement that locks its organisation, a join that ends in
	// tokenLock; else it locks the organisation first and the invitation
	// is read on its own after.
	tokenJoin bool
	tokenLock string
	// clocked is the statement that reads cols and the database's clock,
	// in microseconds since the Unix epoch, first, from the locking query
	// SELECT cols rest, as the clock stands once the lock is taken (not
	// when the statement began, before it waited for the lock); clockNow
	// reads the clock alone. Both are nil or empty where the database has
	// no clock of its own (SQLite runs on the host, and its clock is the
	// host's).
	clocked  func(cols, rest string) string
	clockNow string
	// holdsWrites is set where a unit of work holds its writes of
	// members, invitations and audit events and sends them in a row as one
	// statement (batch.go).
	holdsWrites bool

	// Writes.

	// upsert inserts a row of a table or replaces the one with the same
	// key, if it is the same organisation's (write.go).
	upsert func(t *tx, ctx context.Context, table string, key, cols []string, vals []any) error
	// rowsFound is set where an UPDATE's RowsAffected counts the rows its
	// WHERE found, not just those it changed.
	rowsFound bool
	// seqInInsert is set where an audit event's insert can number the
	// event itself, after the log's last, and return the number; else a
	// unit of work reads the last number in a statement of its own first.
	seqInInsert bool
	// open is the condition that a row is open (a pending invitation, an
	// open request: status 1) with key col = ?, in the form a prepared
	// statement's generic plan can serve from the table's one-open index:
	// where that index is partial (WHERE status = 1) the status must be a
	// literal, not a parameter; else the index is on gen, a generated
	// column that holds col while the row is open.
	open func(col, gen string) string
	// anyOpen is the condition that a row is open, whatever its key, in
	// the same form as open.
	anyOpen func(gen string) string

	// cursorUpsert ends the insert of a feed cursor: on a conflict with
	// the cursor's name, the greater position and the new time.
	cursorUpsert string

	// Migrations.

	// begin is the statement that begins a migration's transaction.
	begin string
	// migrationLock takes the lock named name on conn that makes concurrent
	// migrations take turns, and returns how to release it.
	migrationLock func(ctx context.Context, conn *sql.Conn, name string) (func(), error)
	// reapplied, if set, reports whether a migration statement's err says
	// that the statement had been applied already: where DDL commits as it
	// goes (MySQL), a migration cut short before its record is run again.
	reapplied func(err error) bool
	// tableExists counts the tables named by its one argument (0 or 1).
	tableExists string
}

// flavorPostgres is PostgreSQL's flavor.
var flavorPostgres = flavor{
	dialect:         Postgres,
	name:            "postgres",
	rebind:          dollars,
	id:              func(id store.ID) any { return id.String() }, // the UUID type takes the text form
	uniqueViolation: func(err error) bool { return sqlState(err, "23505") },
	violated:        pgConstraint,
	named:           func(prefix, index string) string { return prefix + index },
	retryable:       func(err error) bool { return sqlState(err, "40001", "40P01") },
	hostCheck:       pgHostLevel,
	forUpdate:       " FOR UPDATE",
	// The invitation's row is locked too, after the organisation's.
	tokenJoin: true,
	tokenLock: " FOR UPDATE OF o, i",
	// In the select list of the locking query, clock_timestamp() would
	// be read before the lock is waited for: the locked rows are
	// materialised first.
	clocked: func(cols, rest string) string {
		return `WITH l AS MATERIALIZED (SELECT ` + cols + ` ` + rest + `) SELECT ` + pgClock + `, l.* FROM l`
	},
	clockNow:      `SELECT ` + pgClock,
	holdsWrites:   true,
	upsert:        (*tx).upsertOnConflict,
	rowsFound:     true,
	seqInInsert:   true,
	open:          openByStatus,
	anyOpen:       anyOpenByStatus,
	cursorUpsert:  `ON CONFLICT (name) DO UPDATE SET pos = GREATEST({p}cursors.pos, excluded.pos), updated = excluded.updated`,
	begin:         "BEGIN",
	migrationLock: advisoryLock,
	tableExists:   `SELECT COUNT(*) FROM (SELECT to_regclass($1) AS t) r WHERE t IS NOT NULL`,
}

// flavorSQLite is SQLite's flavor.
var flavorSQLite = flavor{
	dialect:         SQLite,
	name:            "sqlite",
	rebind:          unchanged,
	id:              idBytes,
	uniqueViolation: sqliteUnique,
	violated:        sqliteColumns,
	named:           sqliteNamed,
	retryable:       sqliteBusy,
	oneWriter:       true,
	// No row locks: an immediate transaction locks the whole database
	// when it begins.
	forUpdate: "",
	tokenJoin: true,
	tokenLock: "",
	upsert:    (*tx).upsertOnConflict,
	rowsFound: true,
	// Each statement sees every append committed before the lock was
	// taken.
	seqInInsert: true,
	open:        openByStatus,
	anyOpen:     anyOpenByStatus,
	// The immediate transaction is the migration lock.
	cursorUpsert:  `ON CONFLICT (name) DO UPDATE SET pos = MAX({p}cursors.pos, excluded.pos), updated = excluded.updated`,
	begin:         "BEGIN IMMEDIATE",
	migrationLock: func(context.Context, *sql.Conn, string) (func(), error) { return func() {}, nil },
	tableExists:   `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`,
}

// flavorMySQL is the flavor of MySQL and MariaDB.
var flavorMySQL = flavor{
	dialect:         MySQL,
	name:            "mysql",
	rebind:          unchanged,
	id:              idBytes,
	uniqueViolation: func(err error) bool { return containsAny(err.Error(), "Error 1062", "Duplicate entry") },
	violated:        mysqlKey,
	named:           func(prefix, index string) string { return prefix + index },
	retryable:       func(err error) bool { return containsAny(err.Error(), "Error 1213", "Error 1205") },
	// Each statement sees what committed before it, as on PostgreSQL; the
	// organisation's row lock serialises the rest.
	isolation: sql.LevelReadCommitted,
	// A host's transaction may be at REPEATABLE READ, the default: its
	// plain reads would see the snapshot of its first read, and locking
	// reads see the latest committed rows. (MariaDB cannot tell reliably
	// which level a transaction runs at, so the clause is always added.)
	hostReads: " LOCK IN SHARE MODE",
	forUpdate: " FOR UPDATE",
	// A join would lock the invitation's row first, in the opposite order
	// to every other unit of work.
	tokenJoin: false,
	// UTC_TIMESTAMP(6) is the time the statement began, before it waited
	// for the lock; SYSDATE(6) the time it is evaluated, after the row is
	// locked, but in the session's time zone: their difference moves the
	// former on to the latter.
	clocked:  func(cols, rest string) string { return `SELECT ` + mysqlClock + `, ` + cols + ` ` + rest },
	clockNow: `SELECT ` + mysqlClock,
	// ON DUPLICATE KEY UPDATE would also fire on the table's other unique
	// keys.
	upsert: (*tx).insertThenUpdate,
	// MySQL counts the rows changed, not the rows found.
	rowsFound:     false,
	seqInInsert:   false,
	open:          func(_, gen string) string { return gen + " = ?" },
	anyOpen:       func(gen string) string { return gen + " IS NOT NULL" },
	cursorUpsert:  `ON DUPLICATE KEY UPDATE pos = GREATEST(pos, VALUES(pos)), updated = VALUES(updated)`,
	begin:         "BEGIN",
	migrationLock: getLock,
	// 1060: duplicate column name; 1061: duplicate key name.
	reapplied:   func(err error) bool { return containsAny(err.Error(), "Error 1060", "Error 1061") },
	tableExists: `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`,
}

// pgClock and mysqlClock are the database's clock in microseconds since the
// Unix epoch, as flavor.clocked reads it.
const (
	pgClock    = `floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`
	mysqlClock = `TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) + TIMESTAMPDIFF(MICROSECOND, NOW(6), SYSDATE(6))`
)

// flavors are the dialects' flavors, by Dialect.
var flavors = [...]*flavor{Postgres: &flavorPostgres, SQLite: &flavorSQLite, MySQL: &flavorMySQL}

// flavor returns d's flavor, or nil for an unknown dialect.
func (d Dialect) flavor() *flavor {
	if int(d) < len(flavors) {
		return flavors[d]
	}
	return nil
}

// isUnique reports whether err is a unique-constraint violation, and how
// the database names the constraint (see flavor.violated).
func (f *flavor) isUnique(err error) (string, bool) {
	if err == nil || !f.uniqueViolation(err) {
		return "", false
	}
	return f.violated(err), true
}

// isRetryable reports whether err is a deadlock or serialisation failure
// after which the whole unit of work may be run again.
func (f *flavor) isRetryable(err error) bool { return err != nil && f.retryable(err) }

// uniqueIndexes are the unique indexes that a write's violation is mapped
// by, less the table prefix, each with its table and columns (which are
// all that SQLite's message names).
var uniqueIndexes = map[string]struct {
	table string
	cols  []string
}{
	"members_one_owner":       {"members", []string{"org"}},
	"invitations_one_pending": {"invitations", []string{"org", "kind", "email"}},
}

// unique maps a unique violation of a write to the store's sentinel: the
// sentinel of the index in byIndex (named less the table prefix, as in
// uniqueIndexes) that the database names exactly, else otherwise. The
// message names the record, not the database's tables, since hosts may
// show it.
func (s *Store) unique(err error, what string, byIndex map[string]error, otherwise error) error {
	name, ok := s.f.isUnique(err)
	if !ok {
		return err
	}
	sentinel := otherwise
	for index, e := range byIndex {
		if name != "" && name == s.f.named(s.prefix, index) {
			sentinel = e
			break
		}
	}
	return fmt.Errorf("%w: %s (refused by a unique constraint of the database)", sentinel, what)
}

// pgConstraint is flavor.violated on PostgreSQL: the driver's field for
// the constraint's name (pgx's ConstraintName, lib/pq's Constraint), else
// the name that the message quotes.
func pgConstraint(err error) string {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		v := reflect.ValueOf(st)
		for v.Kind() == reflect.Pointer && !v.IsNil() {
			v = v.Elem()
		}
		if v.Kind() == reflect.Struct {
			for _, field := range []string{"ConstraintName", "Constraint"} {
				if fv := v.FieldByName(field); fv.IsValid() && fv.Kind() == reflect.String && fv.String() != "" {
					return fv.String()
				}
			}
		}
	}
	msg := err.Error()
	const mark = `unique constraint "`
	i := strings.Index(msg, mark)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(mark):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

// mysqlKey is flavor.violated on MySQL and MariaDB: the key that the
// message names last ("… for key 'name'", MySQL 8: 'table.name'), less its
// table.
func mysqlKey(err error) string {
	msg := err.Error()
	const mark = " for key '"
	i := strings.LastIndex(msg, mark)
	if i < 0 {
		return ""
	}
	key := strings.TrimSuffix(msg[i+len(mark):], "'")
	if strings.ContainsRune(key, '\'') {
		return ""
	}
	if j := strings.LastIndexByte(key, '.'); j >= 0 {
		key = key[j+1:] // table names hold no '.': the prefix has none
	}
	return key
}

// sqliteColumns is flavor.violated on SQLite: the columns that the message
// names ("UNIQUE constraint failed: t.a, t.b"), less the driver's code in
// parentheses after them.
func sqliteColumns(err error) string {
	msg := err.Error()
	const mark = "UNIQUE constraint failed: "
	i := strings.Index(msg, mark)
	if i < 0 {
		return ""
	}
	cols := msg[i+len(mark):]
	if j := strings.Index(cols, " ("); j >= 0 {
		cols = cols[:j]
	}
	return strings.TrimSpace(cols)
}

// sqliteNamed is flavor.named on SQLite: the index's columns as
// sqliteColumns returns them.
func sqliteNamed(prefix, index string) string {
	ix, ok := uniqueIndexes[index]
	if !ok {
		return ""
	}
	cols := make([]string, len(ix.cols))
	for i, c := range ix.cols {
		cols[i] = prefix + ix.table + "." + c
	}
	return strings.Join(cols, ", ")
}

// dollars turns the ? placeholders of q into $1, $2, …: those of the
// statement itself, not a ? in a string literal ('…' with ” inside, E'…'
// with backslash escapes, $tag$…$tag$), a quoted identifier ("…", and
// MySQL's `…`) or a comment (-- to the end of the line, /* … */, nested as
// PostgreSQL nests them).
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); {
		c := q[i]
		end := i + 1
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
			continue
		case c == '\'':
			backslash := i > 0 && (q[i-1] == 'E' || q[i-1] == 'e') && (i == 1 || !isWordByte(q[i-2]))
			end = quoted(q, i, '\'', backslash)
		case c == '"' || c == '`':
			end = quoted(q, i, c, false)
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end = lineComment(q, i)
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end = blockComment(q, i)
		case c == '$' && (i == 0 || !isWordByte(q[i-1])):
			if tag, ok := dollarTag(q[i:]); ok {
				if k := strings.Index(q[i+len(tag):], tag); k >= 0 {
					end = i + len(tag) + k + len(tag)
				} else {
					end = len(q)
				}
			}
		}
		b.WriteString(q[i:end])
		i = end
	}
	return b.String()
}

// quoted returns the end of the quoted text that starts at q[i], the
// quote: a doubled quote stands for itself, and with backslash so does an
// escaped character. Unterminated, it runs to the end of q.
func quoted(q string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// lineComment returns the end of the comment "--…" that starts at i: past
// its newline, or the end of q.
func lineComment(q string, i int) int {
	if k := strings.IndexByte(q[i:], '\n'); k >= 0 {
		return i + k + 1
	}
	return len(q)
}

// blockComment returns the end of the comment that starts at q[i], "/*",
// counting nested comments.
func blockComment(q string, i int) int {
	depth := 0
	for j := i; j+1 < len(q); j++ {
		switch q[j : j+2] {
		case "/*":
			depth++
			j++
		case "*/":
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(q)
}

// dollarTag returns the $tag$ that opens a dollar-quoted string at the
// start of q, if one does.
func dollarTag(q string) (string, bool) {
	for j := 1; j < len(q); j++ {
		switch {
		case q[j] == '$':
			return q[:j+1], true
		case !isWordByte(q[j]) || j == 1 && q[j] >= '0' && q[j] <= '9':
			return "", false
		}
	}
	return "", false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func unchanged(q string) string { return q }

// idBytes is an ID as 16 bytes.
func idBytes(id store.ID) any { return id[:] }

// openByStatus is flavor.open where the one-open index is partial.
func openByStatus(col, _ string) string { return col + " = ? AND status = 1" }

// anyOpenByStatus is flavor.anyOpen where the one-open index is partial.
func anyOpenByStatus(string) string { return "status = 1" }

// sqlState reports whether err carries one of the SQLSTATE codes.
func sqlState(err error, codes ...string) bool {
	var st interface{ SQLState() string }
	if !errors.As(err, &st) {
		return false
	}
	for _, c := range codes {
		if st.SQLState() == c {
			return true
		}
	}
	return false
}

// serverSaid reports whether err is the database's own answer (an SQLSTATE,
// a MySQL or SQLite error code), as opposed to a broken connection after
// which the outcome of a COMMIT is unknown.
func (f *flavor) serverSaid(err error) bool {
	var st interface{ SQLState() string }
	var code interface{ Code() int }
	var number interface{ Number() uint16 }
	if errors.As(err, &st) || errors.As(err, &code) || errors.As(err, &number) {
		return true
	}
	// database/sql's own: the transaction was already over.
	return errors.Is(err, sql.ErrTxDone) || strings.Contains(err.Error(), "commit unexpectedly resulted in rollback")
}

// sqliteCode is the SQLite result code err carries, if any.
func sqliteCode(err error) (int, bool) {
	var c interface{ Code() int }
	if errors.As(err, &c) {
		return c.Code(), true
	}
	return 0, false
}

// sqliteUnique recognises SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY, or their
// message.
func sqliteUnique(err error) bool {
	if c, ok := sqliteCode(err); ok && (c == 2067 || c == 1555) {
		return true
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// sqliteBusy recognises SQLITE_BUSY and its extended codes.
func sqliteBusy(err error) bool {
	c, ok := sqliteCode(err)
	return ok && c&0xff == 5
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// advisoryLock takes PostgreSQL's advisory lock name on conn.
func advisoryLock(ctx context.Context, conn *sql.Conn, name string) (func(), error) {
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return nil, err
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, name)
	}, nil
}

// getLock takes MySQL's named lock name on conn, waiting up to a minute.
func getLock(ctx context.Context, conn *sql.Conn, name string) (func(), error) {
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, 60)`, name).Scan(&got); err != nil {
		return nil, err
	}
	if got.Int64 != 1 {
		return nil, fmt.Errorf("sqlstore: another process holds the migration lock %q", name)
	}
	return func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(?)`, name) }, nil
}

// pgHostLevel is flavor.hostCheck on PostgreSQL: the host's transaction
// must not be REPEATABLE READ, where its snapshot, taken at its first
// statement, would hide rows that units of work committed after it, under
// the organisation's row lock as well.
func pgHostLevel(ctx context.Context, q queryer) error {
	var level string
	if err := q.QueryRowContext(ctx, `SELECT current_setting('transaction_isolation')`).Scan(&level); err != nil {
		return err
	}
	if level == "repeatable read" {
		return fmt.Errorf("%w: sqlstore.InTx: the host's transaction is REPEATABLE READ, where the rules would decide on a snapshot older than the organisation's lock; begin it READ COMMITTED or SERIALIZABLE", store.ErrInvalid)
	}
	return nil
}

// lockingReads is the queryer of a unit of work in a host's transaction
// where the flavor has hostReads: each SELECT and each of its subqueries
// gets the locking clause, unless the statement locks already (FOR UPDATE).
type lockingReads struct{ c conn }

func (l lockingReads) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return l.c.ExecContext(ctx, query, args...)
}

func (l lockingReads) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	return l.c.QueryContext(ctx, l.c.s.locking(query), args...)
}

func (l lockingReads) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	return l.c.QueryRowContext(ctx, l.c.s.locking(query), args...)
}

// locking returns query, a statement in the dialect's text, with the
// flavor's hostReads clause after each SELECT of it.
func (s *Store) locking(query string) string {
	key := "\x00locking\x00" + query
	if q, ok := s.queries.Load(key); ok {
		return q.(string)
	}
	q := lockEachSelect(query, s.f.hostReads)
	s.queries.Store(key, q)
	return q
}

// lockEachSelect adds clause at the end of q, a SELECT, and of each of its
// subqueries, "(SELECT …)". A statement that is not a SELECT, or that locks
// with FOR UPDATE already, is returned as it is. String literals, quoted
// identifiers and comments are skipped.
func lockEachSelect(q, clause string) string {
	if !hasWordPrefix(strings.TrimSpace(q), "SELECT") || strings.Contains(strings.ToUpper(q), "FOR UPDATE") {
		return q
	}
	var b strings.Builder
	var subquery []bool // per open parenthesis: does it open a SELECT?
	for i := 0; i < len(q); {
		c := q[i]
		end := i + 1
		switch {
		case c == '\'' || c == '"' || c == '`':
			end = quoted(q, i, c, c == '\'')
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end = lineComment(q, i)
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end = blockComment(q, i)
		case c == '(':
			subquery = append(subquery, hasWordPrefix(strings.TrimSpace(q[i+1:]), "SELECT"))
		case c == ')' && len(subquery) > 0:
			if subquery[len(subquery)-1] {
				b.WriteString(clause)
			}
			subquery = subquery[:len(subquery)-1]
		}
		b.WriteString(q[i:end])
		i = end
	}
	b.WriteString(clause)
	return b.String()
}

// hasWordPrefix reports whether s starts with the keyword word, in any
// case, as a whole word.
func hasWordPrefix(s, word string) bool {
	return len(s) >= len(word) && strings.EqualFold(s[:len(word)], word) && (len(s) == len(word) || !isWordByte(s[len(word)]))
}
