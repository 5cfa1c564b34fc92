// Package sqlstore is roster's Store on database/sql: PostgreSQL, SQLite and
// MySQL/MariaDB, with the same behaviour as memstore (both pass
// store/storetest).
//
// It imports no driver. The host opens a *sql.DB with the driver of its
// choice, then:
//
//	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN("roster.db")) // modernc.org/sqlite
//	s, err := sqlstore.New(db, sqlstore.SQLite, store.Env{Policy: policy}, sqlstore.Options{})
//	err = s.Migrate(ctx)
//
// The schema is embedded, numbered SQL files per dialect, applied by Migrate
// one transaction each and recorded in a table; concurrent migrations take
// turns. Tables carry a prefix ("roster_" by default) so that roster can
// live in the host's database.
//
// Every unit of work is a database transaction that locks the
// organisation's row (SELECT … FOR UPDATE; an immediate transaction on
// SQLite), so that many processes sharing one database still apply the
// rules one at a time per organisation. The schema carries the invariants it
// can as constraints (one owner per organisation, one pending invitation per
// address, unique token and key hashes), mapped to the store's sentinel
// errors. InTx runs the rules inside the host's own transaction, each as a
// savepoint, on the latest committed rows whatever the transaction's
// isolation level (or refused with ErrInvalid: PostgreSQL's REPEATABLE
// READ; see InTx).
//
// A unit of work writes only the columns that changed of a row it has read.
// On PostgreSQL it also holds its writes of members, invitations and audit
// events and sends them as one statement with its next statement or at its
// end. An accept reads the invitation in the statement that locks its
// organisation, and so costs four round trips, begin and commit included. A
// held write that fails fails the unit of work with its own error.
//
// A unit of work's context cancels it until COMMIT is sent, and no longer:
// an error from a unit of work means that nothing of it committed, except
// store.ErrOutcomeUnknown, for a connection that broke during the commit.
// A deadline also ends the wait for a busy organisation, whether a unit of
// work of the same Store, of another Store or of another process holds it:
// on SQLite, whose busy handler does not heed a context, the abandoned
// BEGIN finishes in the background within the busy timeout and is rolled
// back.
//
// A unit of work's time (store.Tx.Now), by which the rules judge expiry
// and seats and stamp what they write, is the database's clock by default,
// read in the statement that locks the organisation once the lock is
// taken, so that processes whose clocks differ still decide alike; see
// Clock and Options.Clock. A host that sets Env.Now (a fake clock in tests)
// gets it instead, unless it asks for DatabaseClock.
//
// The change feed (Store.Feed) gives events their positions after they
// committed: each read of the feed first places, under the feed row's lock,
// the committed events that have none, so that a number taken before
// COMMIT can never be passed by a reader (feed.go). Durable cursors live in
// the cursors table; AdvanceTx moves one in the host's transaction.
//
// Deleting an organisation writes its tombstone (orgs.deleted) and queues
// it for Purge, two rows whatever its size; the reads outside a unit of
// work pass a deleted organisation's rows by from then. Purge deletes up to
// its limit of them in one transaction that locks the queue's entry and no
// live organisation, at READ COMMITTED on MySQL (no gap locks), so units of
// work on other organisations go on beside it; on SQLite they wait for one
// batch at most.
//
// Options.Cache switches on the request cache: the request path's answers
// kept in memory, dropped by following the feed, and never staler than
// CacheOptions.MaxStale (cache.go).
//
// With pgx, open the *sql.DB on the host's pgxpool with
// stdlib.OpenDBFromPool(pool) (github.com/jackc/pgx/v5/stdlib), and run the
// rules inside the host's pgx.Tx with the adapter of the module
// github.com/rosterhq/roster/sqlstore/pgxv5 (pgxv5.InTx), which
// InHostTx takes; a host that does not use pgx does not depend on it.
//
// SQLite is the embedded default for a host with one process: open it with
// SQLiteDSN (write-ahead log, busy timeout, foreign keys, immediate
// transactions).
package sqlstore
