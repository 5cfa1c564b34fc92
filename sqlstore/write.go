package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/store"
)

// The write engine: how a record's row goes to the database, whatever the
// record (the record files give its table, columns and values). A row this
// unit of work has read or written is updated in the columns that changed
// alone (updateOf); any other row is upserted, and must not be another
// organisation's (upsert, in the flavor's way). Where the flavor holds
// writes, both are held and sent together (batch.go).

// upsert inserts a row or replaces the one with the same key, in the
// flavor's way.
func (t *tx) upsert(ctx context.Context, table string, key []string, cols []string, vals []any) error {
	return t.s.f.upsert(t, ctx, table, key, cols, vals)
}

// upsertOnConflict is upsert in one statement, upsertText.
func (t *tx) upsertOnConflict(ctx context.Context, table string, key []string, cols []string, vals []any) error {
	res, err := t.q.ExecContext(ctx, t.s.sql(t.s.upsertText(table, key, cols)), vals...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: %s belongs to another organisation", store.ErrConflict, table)
	}
	return nil
}

// upsertText is the statement that inserts a row of table or replaces the
// one with the same key, if it is the same organisation's: else it changes
// no row. In the store's query form, built once.
func (s *Store) upsertText(table string, key, cols []string) string {
	if q, ok := s.texts.Load(table); ok {
		return q.(string)
	}
	var set []string
	for _, c := range cols {
		if !contains(key, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	q, _ := s.texts.LoadOrStore(table, `INSERT INTO {p}`+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks(len(cols))+`)
		ON CONFLICT (`+strings.Join(key, ", ")+`) DO UPDATE SET `+strings.Join(set, ", ")+`
		WHERE {p}`+table+`.org = excluded.org`)
	return q.(string)
}

// insertThenUpdate is upsert where an insert's conflict clause (MySQL's
// ON DUPLICATE KEY UPDATE) would also fire on the table's other unique
// keys: insert, and update only when the primary key exists.
func (t *tx) insertThenUpdate(ctx context.Context, table string, key []string, cols []string, vals []any) error {
	_, err := t.exec(ctx, `INSERT INTO {p}`+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+marks(len(cols))+`)`, vals...)
	if name, dup := t.s.f.isUnique(err); !dup || name != "PRIMARY" {
		return err
	}
	var set []string
	var args []any
	for i, c := range cols {
		if !contains(key, c) {
			set = append(set, c+" = ?")
			args = append(args, vals[i])
		}
	}
	var where []string
	for _, k := range key {
		where = append(where, k+" = ?")
		args = append(args, vals[indexOf(cols, k)])
	}
	where = append(where, "org = ?")
	args = append(args, vals[indexOf(cols, "org")])
	if _, err = t.exec(ctx, `UPDATE {p}`+table+` SET `+strings.Join(set, ", ")+` WHERE `+strings.Join(where, " AND "), args...); err != nil {
		return err
	}
	// The row exists: it must be this organisation's.
	var n int
	err = t.q.QueryRowContext(ctx, t.s.sql(`SELECT COUNT(*) FROM {p}`+table+` WHERE `+strings.Join(where, " AND ")), args[len(set):]...).Scan(&n)
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: %s belongs to another organisation", store.ErrConflict, table)
	}
	return err
}

// update writes vals, a row of table whose first two columns are id and
// org, over old, the same row as this unit of work read or wrote it: only
// the columns that differ, so that the database touches only the indexes on
// them (SQLite rewrites every index on a column an UPDATE sets, changed or
// not). Nothing differing, it writes nothing.
func (t *tx) update(ctx context.Context, table string, cols []string, vals, old []any) error {
	text, args, ok := t.s.updateOf(table, cols, vals, old)
	if !ok {
		return nil
	}
	res, err := t.q.ExecContext(ctx, t.s.sql(text), args...)
	if err != nil {
		return err
	}
	if !t.s.f.rowsFound {
		return nil // the count is of the rows changed, not of the rows found
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("%w: %s: the row read in this unit of work is gone", store.ErrConflict, table)
	}
	return nil
}

// updateKey names the text of an update of some columns of a table.
type updateKey struct {
	table   string
	changed uint64
}

// updateOf is the update of the columns of vals that differ from old, two
// rows of table whose first two columns are id and org, and its arguments;
// ok is false when no column differs.
func (s *Store) updateOf(table string, cols []string, vals, old []any) (text string, args []any, ok bool) {
	var changed uint64
	for i := 2; i < len(cols); i++ {
		if !same(vals[i], old[i]) {
			changed |= 1 << i
		}
	}
	if changed == 0 {
		return "", nil, false
	}
	args = make([]any, 0, len(cols))
	for i, v := range vals {
		if changed&(1<<i) != 0 {
			args = append(args, v)
		}
	}
	return s.updateText(table, cols, changed), append(args, vals[0], vals[1]), true
}

// updateText is the statement that sets the columns of table whose bits
// are set in changed, of the row with an id and org, in the store's query
// form.
func (s *Store) updateText(table string, cols []string, changed uint64) string {
	k := updateKey{table, changed}
	if q, ok := s.texts.Load(k); ok {
		return q.(string)
	}
	var set []string
	for i, c := range cols {
		if changed&(1<<i) != 0 {
			set = append(set, c+" = ?")
		}
	}
	q, _ := s.texts.LoadOrStore(k, `UPDATE {p}`+table+` SET `+strings.Join(set, ", ")+` WHERE id = ? AND org = ?`)
	return q.(string)
}

// same reports whether two column values are equal.
func same(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	return a == b
}

// putKnown writes v, the record with id, to table, over the row as this
// unit of work last read or wrote it (seen) if it did, and records v as
// that row. values gives a record's columns as the database stores them;
// fail maps the write's unique violations.
func putKnown[T any](ctx context.Context, t *tx, seen *map[ID]T, id ID, v T, table string, cols []string,
	values func(*T) ([]any, error), fail func(error) error) error {
	vals, err := values(&v)
	if err != nil {
		return err
	}
	var was []any
	if old, ok := (*seen)[id]; ok {
		if was, err = values(&old); err != nil {
			return err
		}
	}
	delete(*seen, id)
	if err := t.putRow(ctx, table, cols, vals, was, fail); err != nil {
		return fail(err)
	}
	remember(seen, id, v)
	return nil
}

// putRow writes vals, a row of table keyed by its id, over was (the row as
// this unit of work read or wrote it, or nil): held on PostgreSQL, else sent
// at once; for a known row, only the columns that changed. fail maps the
// write's unique violations.
func (t *tx) putRow(ctx context.Context, table string, cols []string, vals, was []any, fail func(error) error) error {
	switch {
	case t.b != nil:
		if w, ok := t.rowWrite(table, cols, vals, was, fail); ok {
			return t.hold(w)
		}
		return nil
	case was != nil:
		return t.update(ctx, table, cols, vals, was)
	default:
		return t.upsert(ctx, table, []string{"id"}, cols, vals)
	}
}

// deleted turns a DELETE's result into ErrNotFound when it deleted nothing.
func (t *tx) deleted(res sql.Result, err error) func(what string) error {
	return func(what string) error {
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%s: %w", what, store.ErrNotFound)
		}
		return nil
	}
}

func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func contains(xs []string, x string) bool { return indexOf(xs, x) >= 0 }

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}
