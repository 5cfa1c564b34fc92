package memstore

import (
	"context"
	"time"

	"github.com/rosterhq/roster/store"
)

var _ store.Tx = (*tx)(nil)

// tx is a unit of work on one organisation, whose lock it holds. It writes
// in place and records how to undo each write; the cross-organisation
// indexes of the Store are brought up to date when it commits.
type tx struct {
	s    *Store
	o    *org
	ctx  context.Context
	now  time.Time // the unit of work's time
	undo []func()

	users  map[string]bool   // users whose membership of o changed
	hashes map[[32]byte]bool // invitation token hashes that changed
	khash  map[[32]byte]bool // key hashes that changed

	appended  []*store.Event // events of this unit of work, for the feed
	rewritten []*store.Event // events it rewrote (Erase), for the feed
	unit      *store.Unit    // the Observer's record, if the store has one

	ptouched     map[ID]bool // partnerships that changed
	rolesChanged bool        // custom roles changed: partnership levels may have
}

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo, t.appended, t.rewritten = nil, nil, nil
}

// applyIndexes brings the Store's indexes in line with o; s.mu must be held.
func (t *tx) applyIndexes() {
	s, o, id := t.s, t.o, t.o.rec.ID
	if t.rolesChanged {
		// Members of an edited role were re-resolved into new records.
		for u := range o.byUser {
			t.touchUser(u)
		}
	}
	if o.deleted && !o.gone.Load() {
		// The tombstone commits: readers of the indexes pass the
		// organisation's entries by from now, and Purge removes them.
		o.gone.Store(true)
		s.dead = append(s.dead, o)
	}
	s.byOrgUser.apply(id, &o.gone, t.users, o.byUser)
	for u := range t.users {
		if _, ok := o.byUser[u]; ok {
			if s.users[u] == nil {
				s.users[u] = make(map[ID]struct{})
			}
			s.users[u][id] = struct{}{}
		} else if orgs := s.users[u]; orgs != nil {
			delete(orgs, id)
			if len(orgs) == 0 {
				delete(s.users, u)
			}
		}
	}
	for h := range t.hashes {
		if _, ok := o.byHash[h]; ok {
			s.tokens[h] = id
		} else if s.tokens[h] == id {
			delete(s.tokens, h)
		}
	}
	for h := range t.khash {
		if t.keyByHash(h) {
			s.keys[h] = id
		} else if s.keys[h] == id {
			delete(s.keys, h)
		}
	}
	for pid := range t.ptouched {
		if old, ok := s.partners[pid]; ok {
			delete(s.pairs, [2]ID{old.ps.Org, old.ps.Partner})
			delete(s.partners, pid)
		}
	}
	if t.rolesChanged {
		for pid := range o.partners {
			t.touchPartner(pid)
		}
	}
	for pid := range t.ptouched {
		if ps, ok := o.partners[pid]; ok {
			e := partnerEntry{ps: ps}
			perms := o.roles[ps.Level].Perms
			for i, st := range []store.Status{store.Inactive, store.Active} {
				e.grants[i] = store.ResolvePartner(s.env.Policy, &ps, &store.Member{Status: st, Kind: store.Staff}, perms) // for whom it reaches
			}
			s.partners[pid] = e
			s.pairs[[2]ID{ps.Org, ps.Partner}] = pid
		}
	}
}

func (t *tx) touchUser(u string) {
	if t.users == nil {
		t.users = make(map[string]bool)
	}
	t.users[u] = true
}

func (t *tx) touchHash(h [32]byte) {
	if t.hashes == nil {
		t.hashes = make(map[[32]byte]bool)
	}
	t.hashes[h] = true
}

func (t *tx) touchKey(h [32]byte) {
	if t.khash == nil {
		t.khash = make(map[[32]byte]bool)
	}
	t.khash[h] = true
}

func (t *tx) touchPartner(id ID) {
	if t.ptouched == nil {
		t.ptouched = make(map[ID]bool)
	}
	t.ptouched[id] = true
}

func live(ctx context.Context) error { return ctx.Err() }

// NoteActor implements store.ActorNoter.
func (t *tx) NoteActor(id ID) {
	if t.unit != nil && t.unit.Actor == (ID{}) {
		t.unit.Actor = id
	}
}

// Env implements store.Tx.
func (t *tx) Env() *store.Env { return t.s.env }

// Now implements store.Tx: Env's clock, read when the unit of work had
// locked its organisations.
func (t *tx) Now() time.Time { return t.now }
