package pgxv5

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/rosterhq/roster/sqlstore"
	"github.com/rosterhq/roster/store"
)

// InTx returns a Store whose every read and unit of work runs inside the
// host's transaction tx: s.InHostTx(Tx(tx)). s must be a PostgreSQL store
// on the database of tx; on another dialect, or with a nil tx, every call
// of the returned Store fails with store.ErrInvalid. The returned Store
// must not be used after tx ends.
func InTx(s *sqlstore.Store, tx pgx.Tx) *sqlstore.Store {
	if d := s.Dialect(); d != sqlstore.Postgres {
		return s.InHostTx(refused{fmt.Errorf("%w: pgxv5.InTx: a pgx.Tx is a PostgreSQL transaction, and the store's dialect is %v", store.ErrInvalid, d)})
	}
	if tx == nil {
		return s.InHostTx(refused{fmt.Errorf("%w: pgxv5.InTx: nil pgx.Tx", store.ErrInvalid)})
	}
	return s.InHostTx(Tx(tx))
}

// AdvanceTx moves the feed cursor name to pos in the host's transaction tx,
// as sqlstore.Store.AdvanceTx does in a *sql.Tx: a consumer that writes
// what it made of a batch of events advances its cursor with it, all or
// nothing.
func AdvanceTx(ctx context.Context, s *sqlstore.Store, tx pgx.Tx, name string, pos int64) error {
	if d := s.Dialect(); d != sqlstore.Postgres {
		return fmt.Errorf("%w: pgxv5.AdvanceTx: a pgx.Tx is a PostgreSQL transaction, and the store's dialect is %v", store.ErrInvalid, d)
	}
	if tx == nil {
		return fmt.Errorf("%w: pgxv5.AdvanceTx: nil pgx.Tx", store.ErrInvalid)
	}
	return s.AdvanceHostTx(ctx, Tx(tx), name, pos)
}

// Tx adapts tx to sqlstore.HostTx, for sqlstore.Store.InHostTx and
// AdvanceHostTx. Statements run with tx's own query execution mode (the
// pool's default_query_exec_mode).
func Tx(tx pgx.Tx) sqlstore.HostTx { return host{tx} }

type host struct{ tx pgx.Tx }

func (h host) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tag, err := h.tx.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

func (h host) QueryContext(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	r, err := h.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

func (h host) QueryRowContext(ctx context.Context, query string, args ...any) sqlstore.Row {
	return h.tx.QueryRow(ctx, query, args...) // its Scan's pgx.ErrNoRows is sql.ErrNoRows to errors.Is
}

// result is the rows a statement affected.
type result int64

var errNoInsertID = errors.New("pgxv5: PostgreSQL has no last insert ID: use RETURNING")

func (r result) LastInsertId() (int64, error) { return 0, errNoInsertID }
func (r result) RowsAffected() (int64, error) { return int64(r), nil }

// rows are pgx.Rows as sqlstore.Rows: Close reports nothing, since pgx
// reports the rows' error through Err.
type rows struct{ r pgx.Rows }

func (r rows) Next() bool             { return r.r.Next() }
func (r rows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r rows) Err() error             { return r.r.Err() }
func (r rows) Close() error           { r.r.Close(); return nil }

// refused is a HostTx whose every statement fails with err.
type refused struct{ err error }

func (f refused) ExecContext(context.Context, string, ...any) (sql.Result, error) { return nil, f.err }
func (f refused) QueryContext(context.Context, string, ...any) (sqlstore.Rows, error) {
	return nil, f.err
}
func (f refused) QueryRowContext(context.Context, string, ...any) sqlstore.Row { return errRow{f.err} }

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

var _ sqlstore.HostTx = host{}
