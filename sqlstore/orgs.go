package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/store"
)

// orgCols are the columns of an organisation's row that lockBy reads, of
// the table named o.
const orgCols = `o.id, o.name, o.seat_limit, o.pending_owner, o.created, o.updated, o.deleted`

// orgRow receives orgCols.
type orgRow struct{ created, updated, deleted int64 }

func (r *orgRow) dest(o *store.Org) []any {
	return []any{&o.ID, &o.Name, &o.SeatLimit, &o.PendingOwner, &r.created, &r.updated, &r.deleted}
}

// finish completes o from the row scanned with err: a missing or deleted
// organisation is store.ErrNotFound.
func (r *orgRow) finish(o *store.Org, err error) error {
	if errors.Is(err, sql.ErrNoRows) || err == nil && r.deleted != 0 {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	o.Created, o.Updated = fromMicros(r.created), fromMicros(r.updated)
	return nil
}

func (t *tx) insertOrg(ctx context.Context) error {
	o := &t.org
	if o.Created.IsZero() {
		o.Created = t.now
	}
	if o.Updated.IsZero() {
		o.Updated = t.now
	}
	_, err := t.exec(ctx, `INSERT INTO {p}orgs (id, name, seat_limit, pending_owner, created, updated, deleted) VALUES (?, ?, ?, ?, ?, ?, 0)`,
		t.id(o.ID), o.Name, o.SeatLimit, t.id(o.PendingOwner), micros(o.Created), micros(o.Updated))
	return t.s.unique(err, "organisation "+o.ID.String(), nil, store.ErrConflict)
}

// Org implements store.Tx.
func (t *tx) Org(ctx context.Context) (store.Org, error) {
	if err := ctx.Err(); err != nil {
		return store.Org{}, err
	}
	return t.org, nil
}

// PutOrg implements store.Tx.
func (t *tx) PutOrg(ctx context.Context, o store.Org) error {
	if o.ID != t.org.ID {
		return fmt.Errorf("%w: PutOrg cannot change the organisation's ID", store.ErrInvalid)
	}
	_, err := t.exec(ctx, `UPDATE {p}orgs SET name = ?, seat_limit = ?, pending_owner = ?, created = ?, updated = ? WHERE id = ?`,
		o.Name, o.SeatLimit, t.id(o.PendingOwner), micros(o.Created), micros(o.Updated), t.id(o.ID))
	if err == nil {
		t.org = o
	}
	return err
}

// DeleteOrg implements store.Tx: the tombstone and an entry in the purge
// queue, two rows whatever the organisation's size. The reads outside a
// unit of work pass its records by (liveOrg) until Purge removes them.
func (t *tx) DeleteOrg(ctx context.Context) error {
	if t.tombstoned {
		return nil
	}
	t.members, t.invs = nil, nil
	id := t.id(t.org.ID)
	if _, err := t.exec(ctx, `UPDATE {p}orgs SET deleted = ? WHERE id = ?`, micros(t.now), id); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO {p}purges (org, deleted) VALUES (?, ?)`, id, micros(t.now))
	t.tombstoned = err == nil
	return err
}

// liveOrg is the condition that the organisation of the row that row names
// (an alias, or a table as {p}name) is not deleted: the reads outside a
// unit of work add it, and pass a deleted organisation's records by until
// Purge removes them. It reads the organisation's row by its key.
func liveOrg(row string) string {
	return ` AND EXISTS (SELECT 1 FROM {p}orgs lo WHERE lo.id = ` + row + `.org AND lo.deleted = 0)`
}

// Org implements store.Store.
func (s *Store) Org(ctx context.Context, id ID) (store.Org, error) {
	var o store.Org
	var created, updated int64
	err := s.reader().QueryRowContext(ctx, s.sql(`SELECT id, name, seat_limit, pending_owner, created, updated FROM {p}orgs WHERE id = ? AND deleted = 0`),
		s.f.id(id)).Scan(&o.ID, &o.Name, &o.SeatLimit, &o.PendingOwner, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Org{}, fmt.Errorf("organisation %v: %w", id, store.ErrNotFound)
	}
	o.Created, o.Updated = fromMicros(created), fromMicros(updated)
	return o, err
}
