package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/rosterhq/roster/store"
)

// On PostgreSQL a unit of work holds back its writes of members,
// invitations and audit events until its next statement or its end, and
// sends those in a row as one statement, a WITH of data-modifying
// statements: an accept's three writes cost one round trip instead of three.
// Writes to the same table never share a statement: their rows would be
// checked against each other in no set order, and a transfer's demotion
// must precede the promotion. Any other statement of the unit of work
// sends the held writes first, so it sees them. A held write that fails
// fails the unit of work with the write's own error (statements after it
// fail too, in the aborted transaction).

// A write is one held statement.
type write struct {
	table string
	// build returns the statement, in the store's query form ({p}, ?
	// placeholders), ending in RETURNING … AS n, and its arguments. It
	// runs when the write is sent, after the writes before it are done.
	build func() (string, []any)
	// done takes the n the statement returned (ok false: no row) and
	// returns the write's error, if any.
	done func(n int64, ok bool) error
	// fail maps a unique violation this write caused to its sentinel.
	fail func(error) error
}

// batch is the writes held for a unit of work, shared by its transactions
// (two for UpdatePair), and the error that ended it.
type batch struct {
	pending []write
	err     error
}

// flushing is a tx's queryer on PostgreSQL: it sends the held writes
// before any other statement.
type flushing struct{ t *tx }

func (f flushing) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := f.t.flush(ctx); err != nil {
		return nil, err
	}
	return f.t.raw.ExecContext(ctx, query, args...)
}

func (f flushing) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	if err := f.t.flush(ctx); err != nil {
		return nil, err
	}
	return f.t.raw.QueryContext(ctx, query, args...)
}

// QueryRowContext does not return the flush's error in its Row; the
// statement then fails in the aborted transaction, and the unit of work
// returns the flush's error, which it keeps.
func (f flushing) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	_ = f.t.flush(ctx)
	return f.t.raw.QueryRowContext(ctx, query, args...)
}

// hold adds w to the unit of work's held writes.
func (t *tx) hold(w write) error {
	if t.b.err != nil {
		return t.b.err
	}
	t.b.pending = append(t.b.pending, w)
	return nil
}

// flush sends the held writes, in statements of writes to distinct tables,
// and returns the first error of the unit of work's writes, now or before.
func (t *tx) flush(ctx context.Context) error {
	b := t.b
	if b == nil {
		return nil
	}
	pending := b.pending
	b.pending = nil
	for b.err == nil && len(pending) > 0 {
		n := 1
		for n < len(pending) && !touches(pending[:n], pending[n].table) {
			n++
		}
		b.err = t.send(ctx, pending[:n])
		pending = pending[n:]
	}
	return b.err
}

func touches(ws []write, table string) bool {
	for _, w := range ws {
		if w.table == table {
			return true
		}
	}
	return false
}

// send runs ws as one statement.
func (t *tx) send(ctx context.Context, ws []write) error {
	var q strings.Builder
	var args []any
	q.WriteString("WITH ")
	for i, w := range ws {
		text, a := w.build()
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("w" + strconv.Itoa(i) + " AS (" + text + ")")
		args = append(args, a...)
	}
	q.WriteString(" SELECT ")
	for i := range ws {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(SELECT n FROM w" + strconv.Itoa(i) + ")")
	}
	ns := make([]sql.NullInt64, len(ws))
	dest := make([]any, len(ws))
	for i := range ns {
		dest[i] = &ns[i]
	}
	if err := t.raw.QueryRowContext(ctx, t.s.sql(q.String()), args...).Scan(dest...); err != nil {
		if name, dup := t.s.f.isUnique(err); dup {
			if len(ws) == 1 {
				return ws[0].fail(err)
			}
			// PostgreSQL names each of a table's constraints after the
			// table.
			for _, w := range ws {
				if strings.HasPrefix(name, t.s.prefix+w.table+"_") {
					return w.fail(err)
				}
			}
		}
		return err
	}
	for i, w := range ws {
		if err := w.done(ns[i].Int64, ns[i].Valid); err != nil {
			return err
		}
	}
	return nil
}

// rowWrite is the write of vals, a row of table whose first two columns are
// id and org: an upsert, or, over old (the row as this unit of work read or
// wrote it), an update of the columns that changed. ok is false when
// nothing changed. Either way the row must be the organisation's.
func (t *tx) rowWrite(table string, cols []string, vals, old []any, fail func(error) error) (w write, ok bool) {
	text, args := t.s.upsertText(table, []string{"id"}, cols), vals
	if old != nil {
		if text, args, ok = t.s.updateOf(table, cols, vals, old); !ok {
			return write{}, false
		}
	}
	return write{
		table: table,
		build: func() (string, []any) { return text + " RETURNING 1 AS n", args },
		done: func(_ int64, ok bool) error {
			if !ok {
				return fmt.Errorf("%w: %s: the row belongs to another organisation or is gone", store.ErrConflict, table)
			}
			return nil
		},
		fail: fail,
	}, true
}
