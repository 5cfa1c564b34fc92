package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// returns q unchanged for the other dialects.
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

	// Migrations.

	// begin is the statement that begins a migration's transaction.
	begin string
	// migrationLock takes the lock named name on conn that makes concurrent
	// migrations take turns, and returns how to release it.
	migrationLock func(ctx context.Context, conn *sql.Conn, name string) (func(), error)
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
	retryable:       func(err error) bool { return sqlState(err, "40001", "40P01") },
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
	retryable:       func(err error) bool { return containsAny(err.Error(), "Error 1213", "Error 1205") },
	// Each statement sees what committed before it, as on PostgreSQL; the
	// organisation's row lock serialises the rest.
	isolation: sql.LevelReadCommitted,
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
	begin:         "BEGIN",
	migrationLock: getLock,
	tableExists:   `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`,
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

// isUnique reports whether err is a unique-constraint violation, and the
// text that names the constraint or its columns.
func (f *flavor) isUnique(err error) (string, bool) {
	if err == nil || !f.uniqueViolation(err) {
		return "", false
	}
	return err.Error(), true
}

// isRetryable reports whether err is a deadlock or serialisation failure
// after which the whole unit of work may be run again.
func (f *flavor) isRetryable(err error) bool { return err != nil && f.retryable(err) }

// unique maps a unique violation of a write to the store's sentinel, by the
// constraint it names. The message names the record, not the database's
// tables, since hosts may show it.
func (f *flavor) unique(err error, what string, byName map[string]error, otherwise error) error {
	msg, ok := f.isUnique(err)
	if !ok {
		return err
	}
	for name, sentinel := range byName {
		if strings.Contains(msg, name) {
			return fmt.Errorf("%w: %s (refused by a unique constraint of the database)", sentinel, what)
		}
	}
	return fmt.Errorf("%w: %s (refused by a unique constraint of the database)", otherwise, what)
}

// dollars turns the ? placeholders of q into $1, $2, ….
func dollars(q string) string {
	var b strings.Builder
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
