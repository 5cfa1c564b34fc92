package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/rosterhq/roster/store"
)

// Org implements store.Tx.
func (t *tx) Org(ctx context.Context) (store.Org, error) {
	if err := live(ctx); err != nil {
		return store.Org{}, err
	}
	return t.o.rec, nil
}

// PutOrg implements store.Tx.
func (t *tx) PutOrg(ctx context.Context, rec store.Org) error {
	if err := live(ctx); err != nil {
		return err
	}
	if rec.ID != t.o.rec.ID {
		return fmt.Errorf("%w: PutOrg cannot change the organisation's ID", store.ErrInvalid)
	}
	prev := t.o.rec
	t.o.rec = rec
	t.undo = append(t.undo, func() { t.o.rec = prev })
	return nil
}

// DeleteOrg implements store.Tx: the tombstone alone, whatever the
// organisation's size. Readers under the organisation's lock see it at
// once; the readers of the Store's indexes when it commits (org.gone).
// Purge removes the records.
func (t *tx) DeleteOrg(ctx context.Context) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	o.deleted = true
	t.undo = append(t.undo, func() { o.deleted = false })
	return nil
}

// Purge implements store.Store: it removes the records of deleted
// organisations, with their entries in the Store's indexes, up to limit,
// holding the Store's lock for that many removals at most and the dead
// organisation's own lock, which no unit of work holds for long.
func (s *Store) Purge(ctx context.Context, limit int) (int, error) {
	if limit < 1 {
		return 0, fmt.Errorf("%w: purge limit %d", store.ErrInvalid, limit)
	}
	n := 0
	for n < limit {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		s.mu.RLock()
		var o *org
		if len(s.dead) > 0 {
			o = s.dead[0]
		}
		s.mu.RUnlock()
		if o == nil {
			return n, nil
		}
		// The organisation's lock, then the Store's, as a unit of work
		// takes them.
		if err := o.lock(ctx); err != nil {
			return n, err
		}
		s.mu.Lock()
		k, done := s.purgeSome(o, limit-n)
		n += k
		if done {
			if i := slices.Index(s.dead, o); i >= 0 {
				s.dead = slices.Delete(s.dead, i, i+1)
			}
		}
		s.mu.Unlock()
		o.unlock()
	}
	return n, nil
}

// purgeSome removes up to max records of the dead organisation o, and
// reports how many and whether none is left; both locks must be held.
func (s *Store) purgeSome(o *org, max int) (int, bool) {
	id, n := o.rec.ID, 0
	users := make(map[string]bool)
	for mid, m := range o.members {
		if n == max {
			break
		}
		delete(o.members, mid)
		delete(o.byUser, m.UserID)
		delete(o.byEmail, m.Email)
		users[m.UserID] = true
		if orgs := s.users[m.UserID]; orgs != nil {
			if delete(orgs, id); len(orgs) == 0 {
				delete(s.users, m.UserID)
			}
		}
		n++
	}
	s.byOrgUser.apply(id, &o.gone, users, o.byUser) // forgets them
	for kid, k := range o.keys {
		if n == max {
			break
		}
		delete(o.keys, kid)
		if s.keys[k.Hash] == id {
			delete(s.keys, k.Hash)
		}
		n++
	}
	for iid, inv := range o.invs {
		if n == max {
			break
		}
		delete(o.invs, iid)
		if s.tokens[inv.TokenHash] == id {
			delete(s.tokens, inv.TokenHash)
		}
		n++
	}
	for pid, ps := range o.partners {
		if n == max {
			break
		}
		delete(o.partners, pid)
		if _, ok := s.partners[pid]; ok {
			delete(s.partners, pid)
			delete(s.pairs, [2]ID{ps.Org, ps.Partner})
		}
		n++
	}
	n += purgeMap(o.reqs, max-n)
	n += purgeMap(o.roles, max-n)
	n += purgeMap(o.tries, max-n)
	if o.code != nil && n < max {
		o.code = nil
		n++
	}
	if len(o.members)+len(o.keys)+len(o.invs)+len(o.partners)+len(o.reqs)+len(o.roles)+len(o.tries) > 0 || o.code != nil {
		return n, false
	}
	// Nothing left: the indexes of what was removed go too.
	o.orgData = orgData{deleted: true, rec: o.rec}
	return n, true
}

// purgeMap deletes up to max entries of m and returns how many.
func purgeMap[K comparable, V any](m map[K]V, max int) int {
	n := 0
	for k := range m {
		if n == max {
			break
		}
		delete(m, k)
		n++
	}
	return n
}

// Org implements store.Store.
func (s *Store) Org(ctx context.Context, id ID) (store.Org, error) {
	var rec store.Org
	err := s.readOrg(id, func(o *org) error { rec = o.rec; return nil })
	return rec, err
}
