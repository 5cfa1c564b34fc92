package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"github.com/rosterhq/roster/store"
)

// HostTx is the host's transaction as a Store bound to it (InHostTx) uses
// it: the three methods of *sql.Tx that run a statement, with the rows as
// interfaces, so that a transaction of another API than database/sql can
// carry the rules. The module github.com/rosterhq/roster/sqlstore/pgxv5
// adapts a pgx.Tx; a *sql.Tx needs no adapter (InTx).
//
// A HostTx is a transaction already begun, on the store's database and
// dialect, used by one goroutine at a time. Each method runs one statement,
// in the dialect's text with its placeholders, and reports the database's
// error as the driver gives it, so that the store can recognise a unique
// violation, a deadlock or a serialisation failure (for PostgreSQL, an
// error with a SQLState method, as pgx's *pgconn.PgError and lib/pq's
// *pq.Error have).
type HostTx interface {
	// ExecContext runs a statement that returns no rows.
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	// QueryContext runs a statement and returns its rows, which the store
	// closes before its next statement.
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRowContext runs a statement for at most one row: its error, if
	// any, comes with Scan, which returns an error that errors.Is
	// sql.ErrNoRows when there is no row.
	QueryRowContext(ctx context.Context, query string, args ...any) Row
}

// Rows are the rows of a query, as *sql.Rows has them.
type Rows interface {
	// Next moves to the next row, and reports false when there is none or
	// an error ended the rows (Err).
	Next() bool
	// Scan copies the current row's columns into dest.
	Scan(dest ...any) error
	// Err is the error that ended the rows, if any.
	Err() error
	// Close releases the rows; it is idempotent.
	Close() error
}

// Row is the result of QueryRowContext, as *sql.Row has it.
type Row interface {
	// Scan copies the row's columns into dest, or returns the query's
	// error, or one that errors.Is sql.ErrNoRows when there is no row.
	Scan(dest ...any) error
}

// InHostTx is InTx for a transaction of another API than database/sql,
// through its adapter (for pgx, github.com/rosterhq/roster/sqlstore/pgxv5):
// every read and unit of work of the returned Store runs inside h, each
// unit of work as a savepoint, with the guarantees and the limits that
// InTx documents. h must be a transaction on the store's database. The
// returned Store must not be used after h ends. A nil h returns s.
func (s *Store) InHostTx(h HostTx) *Store {
	if h == nil {
		return s
	}
	c := *s
	c.host, c.other = h, nil
	if _, ok := h.(sqlHost); !ok {
		c.other = h
	}
	c.hostChecked = new(atomic.Bool)
	return &c
}

// AdvanceHostTx is AdvanceTx in a host's transaction of another API than
// database/sql, through its adapter (see InHostTx). A nil h is
// store.ErrInvalid.
func (s *Store) AdvanceHostTx(ctx context.Context, h HostTx, name string, pos int64) error {
	if h == nil {
		return fmt.Errorf("%w: AdvanceHostTx: no transaction", store.ErrInvalid)
	}
	b := s.InHostTx(h)
	return b.advanceIn(ctx, b.hostConn(h, ""), name, pos)
}

// sqlHost is a *sql.Tx as a HostTx.
type sqlHost struct{ tx *sql.Tx }

func (h sqlHost) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return h.tx.ExecContext(ctx, query, args...)
}

func (h sqlHost) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := h.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err // not a nil *sql.Rows in a non-nil Rows
	}
	return rows, nil
}

func (h sqlHost) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	return h.tx.QueryRowContext(ctx, query, args...)
}

// hostConn returns the queryer of the host's transaction h, s's own,
// whose statements are named for rule: a *sql.Tx (InTx) gets the store's
// prepared statements, any other HostTx (s.other) its statements as they
// are.
func (s *Store) hostConn(h HostTx, rule string) conn {
	if sh, ok := h.(sqlHost); ok {
		return conn{s: s, tx: sh.tx, rule: rule}
	}
	return conn{s: s, rule: rule}
}
