package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rosterhq/roster/store"
)

// The change feed on a SQL database.
//
// A unit of work cannot number its events for the feed when it writes them:
// on PostgreSQL and MySQL a number taken before COMMIT may commit after a
// higher one, and a reader that had already passed it would never see its
// event. So events are written without a position (pos IS NULL), and the
// feed places them after they committed: each read of the feed first runs
// place, which, holding the feed's row lock, gives the committed events
// that have none the next positions, in (organisation, Seq) order. An
// event still uncommitted is invisible to place and gets a later position
// once it commits; a rolled-back one never gets any. Positions are given
// without gaps, so Feed can tell a pruned stretch from an empty one.
//
// Per-organisation order holds: units of work on one organisation take its
// row lock in turn, so one commits before the next writes, and any read
// that sees the later's events sees the earlier's; place orders by Seq.
//
// Writers pay nothing for the feed but one more index entry per event;
// readers pay for placing, once per batch of events.

// maxPlace is the most events one round of placing gives positions to: at
// least a page of the feed, so that a read that returns less than a full
// page has placed everything that had committed when it began.
const maxPlace = store.MaxPageSize

const eventCols = `org, seq, id, at, action, actor, target, object, before_state, after_state, pos`

// Feed implements store.Store.
func (s *Store) Feed(ctx context.Context, after int64, limit int) ([]store.Event, error) {
	if after < 0 {
		return nil, fmt.Errorf("%w: feed position %d", store.ErrInvalid, after)
	}
	if err := s.place(ctx); err != nil {
		return nil, err
	}
	// The limit written out, as pageTail writes it: a follower polls
	// with this statement, planned once.
	rows, err := s.reader().QueryContext(ctx, s.sql(`SELECT `+eventCols+` FROM {p}events WHERE pos > ? ORDER BY pos LIMIT `+
		strconv.Itoa(store.Page{Limit: limit}.Size())), after)
	if err != nil {
		return nil, err
	}
	evs, err := collect(rows, scanEvent)
	if err != nil || len(evs) > 0 && evs[0].Pos == after+1 {
		return evs, err
	}
	// Positions have no gaps: a first event after after+1, or none, may
	// mean that Prune deleted what came after after.
	var horizon int64
	if err := s.reader().QueryRowContext(ctx, s.sql(`SELECT horizon FROM {p}feed WHERE id = 1`)).Scan(&horizon); err != nil {
		return nil, err
	}
	if after < horizon {
		return nil, &store.PrunedError{After: after, Earliest: horizon + 1}
	}
	return evs, nil
}

// feedEnd returns the feed's last position, having placed what committed.
func (s *Store) feedEnd(ctx context.Context) (int64, error) {
	if err := s.place(ctx); err != nil {
		return 0, err
	}
	var placed int64
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT placed FROM {p}feed WHERE id = 1`)).Scan(&placed)
	return placed, err
}

// place gives the committed events without a position the next ones, if
// there are any.
func (s *Store) place(ctx context.Context) error {
	var one int
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT 1 FROM {p}events WHERE pos IS NULL LIMIT 1`)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.feedTx(ctx, func(q queryer, placed, _ int64) (int64, error) {
		rows, err := q.QueryContext(ctx, s.sql(`SELECT org, seq FROM {p}events WHERE pos IS NULL ORDER BY org, seq LIMIT ?`), maxPlace)
		if err != nil {
			return 0, err
		}
		type run struct {
			org        ID
			first, end int64 // seq in [first, end)
		}
		var runs []run
		for rows.Next() {
			var org ID
			var seq int64
			if err := rows.Scan(&org, &seq); err != nil {
				rows.Close()
				return 0, err
			}
			if n := len(runs); n > 0 && runs[n-1].org == org && runs[n-1].end == seq {
				runs[n-1].end++
			} else {
				runs = append(runs, run{org: org, first: seq, end: seq + 1})
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return 0, err
		}
		if len(runs) == 0 {
			return placed, nil
		}
		// One statement gives every run its positions. Each event is named
		// by its key, so that MySQL locks the rows it changes and no gap
		// after them, where a unit of work still running may be appending.
		var set, where strings.Builder
		var setArgs, whereArgs []any
		for i, r := range runs {
			set.WriteString(` WHEN org = ? AND seq >= ? AND seq < ? THEN seq + ?`)
			setArgs = append(setArgs, s.f.id(r.org), r.first, r.end, placed-r.first+1)
			if i > 0 {
				where.WriteString(` OR `)
			}
			where.WriteString(`(org = ? AND seq IN (` + strings.Repeat(", ?", int(r.end-r.first))[2:] + `))`)
			whereArgs = append(whereArgs, s.f.id(r.org))
			for seq := r.first; seq < r.end; seq++ {
				whereArgs = append(whereArgs, seq)
			}
			placed += r.end - r.first
		}
		if _, err := q.ExecContext(ctx, s.sql(`UPDATE {p}events SET pos = CASE`+set.String()+` END WHERE `+where.String()),
			append(setArgs, whereArgs...)...); err != nil {
			return 0, err
		}
		return placed, nil
	})
}

// feedTx runs fn in a transaction that holds the feed's row lock, with the
// last position placed and the horizon, and stores the last position fn
// returns.
func (s *Store) feedTx(ctx context.Context, fn func(q queryer, placed, horizon int64) (int64, error)) (err error) {
	q, end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer func() { err = end(err) }()
	var placed, horizon int64
	if err := q.QueryRowContext(ctx, s.sql(`SELECT placed, horizon FROM {p}feed WHERE id = 1`+s.f.forUpdate)).Scan(&placed, &horizon); err != nil {
		return err
	}
	next, err := fn(q, placed, horizon)
	if err != nil || next == placed {
		return err
	}
	_, err = q.ExecContext(ctx, s.sql(`UPDATE {p}feed SET placed = ? WHERE id = 1`), next)
	return err
}

// Changes implements store.Store. Units of work of a Store bound to the
// host's transaction (InTx) do not ring it: the host commits them.
func (s *Store) Changes() <-chan struct{} { return s.bell.Wait() }

// Cursor implements store.Store.
func (s *Store) Cursor(ctx context.Context, name string) (int64, error) {
	if err := store.CheckCursor(name, 0); err != nil {
		return 0, err
	}
	var pos int64
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT pos FROM {p}cursors WHERE name = ?`), name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return pos, err
}

// Advance implements store.Store: one statement, in a transaction of its
// own where the flavor allows one writer at a time.
func (s *Store) Advance(ctx context.Context, name string, pos int64) (err error) {
	if err := store.CheckCursor(name, pos); err != nil {
		return err
	}
	q := s.reader()
	if s.f.oneWriter && s.host == nil {
		var end func(error) error
		if q, end, err = s.begin(ctx); err != nil {
			return err
		}
		defer func() { err = end(err) }()
	}
	return s.advance(ctx, q, name, pos)
}

// AdvanceTx is Advance in the host's transaction tx on the store's
// database: a consumer that writes what it made of a batch to the same
// database advances its cursor with it, all or nothing, and is handed each
// event exactly once. A nil tx is store.ErrInvalid.
func (s *Store) AdvanceTx(ctx context.Context, tx *sql.Tx, name string, pos int64) error {
	if tx == nil {
		return fmt.Errorf("%w: AdvanceTx: no transaction", store.ErrInvalid)
	}
	return s.advanceIn(ctx, conn{s: s, tx: tx}, name, pos)
}

// advanceIn is AdvanceTx in the host's transaction whose queryer is q.
func (s *Store) advanceIn(ctx context.Context, q queryer, name string, pos int64) error {
	if err := store.CheckCursor(name, pos); err != nil {
		return err
	}
	return s.advance(ctx, q, name, pos)
}

// advance moves the cursor forward, never back, creating it, in one
// statement.
func (s *Store) advance(ctx context.Context, q queryer, name string, pos int64) error {
	_, err := q.ExecContext(ctx, s.sql(`INSERT INTO {p}cursors (name, pos, updated) VALUES (?, ?, ?) `+s.f.cursorUpsert), name, pos, micros(s.env.Time()))
	return err
}

// Prune implements store.Store.
func (s *Store) Prune(ctx context.Context, before time.Time) (horizon int64, err error) {
	// Place first, so that the events of before are all placed.
	if err := s.place(ctx); err != nil {
		return 0, err
	}
	err = s.feedTx(ctx, func(q queryer, placed, h int64) (int64, error) {
		// The feed is in commit order, not quite in time order: prune up
		// to the first event of time before or later.
		var first sql.NullInt64
		if err := q.QueryRowContext(ctx, s.sql(`SELECT MIN(pos) FROM {p}events WHERE pos > ? AND at >= ?`), h, micros(before)).Scan(&first); err != nil {
			return 0, err
		}
		horizon = placed
		if first.Valid {
			horizon = first.Int64 - 1
		}
		if horizon > h {
			if _, err := q.ExecContext(ctx, s.sql(`DELETE FROM {p}events WHERE pos <= ?`), horizon); err != nil {
				return 0, err
			}
			if _, err := q.ExecContext(ctx, s.sql(`UPDATE {p}feed SET horizon = ? WHERE id = 1`), horizon); err != nil {
				return 0, err
			}
		}
		horizon = max(horizon, h)
		return placed, nil
	})
	return horizon, err
}
