package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/store"
)

// scanEvent reads the row of an audit event.
func scanEvent(row scanner) (store.Event, error) {
	var e store.Event
	var at int64
	var typ, actor, target, before, after string
	var pos sql.NullInt64
	if err := row.Scan(&e.Org, &e.Seq, &e.ID, &at, &typ, &actor, &target, &e.Object, &before, &after, &pos); err != nil {
		return store.Event{}, err
	}
	e.Time, e.Type, e.Pos = fromMicros(at), store.EventType(typ), pos.Int64
	return e, errors.Join(parseJSON(actor, &e.Actor), parseJSON(target, &e.Target), parseJSON(before, &e.Before), parseJSON(after, &e.After))
}

// Append implements store.Tx. The sequence number is the last one
// plus one, read under the organisation's lock: in the same statement as the
// insert where the flavor allows (seqInInsert: PostgreSQL, SQLite, where a
// statement of its own sees every append committed before the lock was
// taken), or in a statement before it (MySQL); later appends of the unit of
// work count on. On PostgreSQL the insert is held with the unit of work's
// other writes, and e.Seq set when it is sent.
func (t *tx) Append(ctx context.Context, e *store.Event) error {
	t.appended = append(t.appended, e)
	args := []any{t.id(t.org.ID), t.id(e.ID), micros(e.Time), string(e.Type), jsonText(e.Actor), jsonText(e.Target),
		t.id(e.Object), jsonText(e.Before), jsonText(e.After)}
	fail := func(err error) error { return t.s.unique(err, "audit event", nil, store.ErrConflict) }
	if t.b != nil {
		return t.hold(write{
			table: "events",
			build: func() (string, []any) {
				q, a := t.eventInsert(args)
				return q + " RETURNING seq AS n", a
			},
			done: func(n int64, ok bool) error {
				if !ok {
					return fmt.Errorf("%w: the audit event was not stored", store.ErrConflict)
				}
				t.seq, e.Seq = n, n
				return nil
			},
			fail: fail,
		})
	}
	if t.seq < 0 && !t.s.f.seqInInsert {
		err := t.q.QueryRowContext(ctx, t.s.sql(`SELECT COALESCE(MAX(seq), 0) FROM {p}events WHERE org = ?`), t.id(t.org.ID)).Scan(&t.seq)
		if err != nil {
			return err
		}
	}
	q, a := t.eventInsert(args)
	if t.seq < 0 {
		if err := t.q.QueryRowContext(ctx, t.s.sql(q+" RETURNING seq"), a...).Scan(&t.seq); err != nil {
			return fail(err)
		}
	} else {
		if _, err := t.exec(ctx, q, a...); err != nil {
			return fail(err)
		}
		t.seq++
	}
	e.Seq = t.seq
	return nil
}

// eventInsert is the insert of an audit event whose columns but the
// sequence number are args, the organisation first: numbered in the
// statement, after the log's last event, while this unit of work does not
// know that number (t.seq < 0), else t.seq + 1.
func (t *tx) eventInsert(args []any) (string, []any) {
	const cols = `(org, seq, id, at, action, actor, target, object, before_state, after_state)`
	if t.seq < 0 {
		return `INSERT INTO {p}events ` + cols + `
			SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM {p}events WHERE org = ?`, append(args, t.id(t.org.ID))
	}
	return `INSERT INTO {p}events ` + cols + ` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{args[0], t.seq + 1}, args[1:]...)
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, org ID, after int64, limit int) ([]store.Event, error) {
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+eventCols+` FROM {p}events WHERE org = ?`+
		pageTail("seq", store.Page{Limit: limit}.Size())), s.f.id(org), after)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanEvent)
}
