// Package pgxv5 runs roster's rules inside a pgx.Tx (github.com/jackc/pgx/v5),
// as sqlstore.Store.InTx runs them inside a *sql.Tx: a membership change
// commits or rolls back with the host's own writes in the same transaction.
//
// It is a module of its own, github.com/rosterhq/roster/sqlstore/pgxv5, so
// that hosts that do not use pgx do not depend on it.
//
// The store itself runs on the host's pgxpool through database/sql, with
// pgx's stdlib package; the rules then run in the host's pgx.Tx through
// InTx:
//
//	pool, err := pgxpool.New(ctx, dsn)
//	db := stdlib.OpenDBFromPool(pool) // a *sql.DB on the same pool
//	s, err := sqlstore.New(db, sqlstore.Postgres, store.Env{Policy: policy}, sqlstore.Options{})
//
//	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//		if _, err := tx.Exec(ctx, `INSERT INTO projects …`); err != nil {
//			return err
//		}
//		_, err := member.ChangeRole(ctx, pgxv5.InTx(s, tx), org, actor, target, "admin")
//		return err // an error rolls back both
//	})
//
// Everything that sqlstore.Store.InTx documents holds: each unit of work is
// a savepoint of tx, so that a refused rule leaves the host's earlier
// writes in place; the rules read the latest committed rows, and a tx
// begun REPEATABLE READ is refused with store.ErrInvalid (begin it READ
// COMMITTED, pgx's default, or SERIALIZABLE); a deadlock or serialisation
// failure is store.ErrConflict, after which the host rolls tx back and
// runs it again. A unique violation, a deadlock or a serialisation failure
// reaches the store as pgx's *pgconn.PgError, as it does through stdlib,
// and is mapped to the same sentinel errors.
//
// The store's request cache and the feed's followers learn of what a unit
// of work in tx wrote when they next read the feed, not at once: the host,
// not the store, commits tx.
//
// Behind PgBouncer in transaction pooling, open the pool with
// default_query_exec_mode=exec (or simple_protocol) and set
// sqlstore.Options.NoPrepare, as sqlstore documents.
package pgxv5
