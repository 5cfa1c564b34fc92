package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/rosterhq/roster/store"
)

var _ store.Tx = (*tx)(nil)

// tx is a unit of work on one organisation, inside a database transaction
// that holds the organisation's row lock.
type tx struct {
	s   *Store
	q   queryer // raw, or on PostgreSQL flushing{this tx}
	raw queryer // the database transaction
	b   *batch  // the held writes, on PostgreSQL
	org store.Org
	now time.Time // the unit of work's time
	seq int64     // the last sequence number of the audit log; -1 until read

	// The members and invitations read or written in this unit of work, as
	// the database holds them: writing one of them again updates only the
	// columns that changed, which touches fewer indexes than replacing the
	// row.
	members map[ID]store.Member
	invs    map[ID]store.Invitation
	// locked is the invitation that lockByToken read with the
	// organisation's lock, for UpdateByToken to hand its function.
	locked store.Invitation
	// appended is the events of this unit of work, for those told when it
	// commits.
	appended []*store.Event
	// unit is the Observer's record, if the store has one.
	unit *store.Unit
	// tombstoned is set once DeleteOrg wrote the tombstone, which a second
	// DeleteOrg of the unit of work leaves as it is.
	tombstoned bool
}

// NoteActor implements store.ActorNoter.
func (t *tx) NoteActor(id ID) {
	if t.unit != nil && t.unit.Actor == (ID{}) {
		t.unit.Actor = id
	}
}

// Env implements store.Tx.
func (t *tx) Env() *store.Env { return t.s.env }

// Now implements store.Tx: the database's clock, read with the lock of the
// organisation, or Env.Now, as the Store's Clock says.
func (t *tx) Now() time.Time { return t.now }

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, t.s.sql(query), args...)
}

func (t *tx) id(id ID) any { return t.s.f.id(id) }

// sawMember records m as read, when err is nil.
func (t *tx) sawMember(m store.Member, err error) (store.Member, error) {
	if err == nil {
		remember(&t.members, m.ID, m)
		m.At(t.now)
	}
	return m, err
}

// sawInvitation records i as read, when err is nil.
func (t *tx) sawInvitation(i store.Invitation, err error) (store.Invitation, error) {
	if err == nil {
		remember(&t.invs, i.ID, i)
	}
	return i, err
}

// remember records v as the row with id, as the database holds it.
func remember[T any](seen *map[ID]T, id ID, v T) {
	if *seen == nil {
		*seen = make(map[ID]T)
	}
	(*seen)[id] = v
}
