package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

var _ store.Reopener = (*Store)(nil)

// Reopen implements store.Reopener: it moves every organisation, event and
// cursor of s into a new Store that runs the rules with env, reading each
// record as a store that keeps names would read it back under env's policy
// (store.StaleName): a permission or role renamed with an alias resolves,
// a dropped one grants nothing and is kept. s must not be used after, and
// no unit of work may run on it meanwhile.
func (s *Store) Reopen(env store.Env) (store.Store, error) {
	n, err := New(env)
	if err != nil {
		return nil, err
	}
	from, to := s.env.Policy, n.env.Policy
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, o := range s.orgs {
		if err := o.lock(context.Background()); err != nil {
			return nil, err
		}
		err := o.restate(from, to)
		o.unlock()
		if err != nil {
			return nil, fmt.Errorf("memstore: organisation %v: %w", id, err)
		}
	}
	s.feed.mu.Lock()
	n.feed.events, n.feed.horizon, n.feed.cursors = s.feed.events, s.feed.horizon, s.feed.cursors
	s.feed.mu.Unlock()
	n.orgs, n.users, n.tokens, n.keys = s.orgs, s.users, s.tokens, s.keys
	n.dead = s.dead // the deleted organisations Purge has yet to empty
	for id, o := range n.orgs {
		if o.deleted {
			continue
		}
		users := make(map[string]bool, len(o.byUser))
		for u := range o.byUser {
			users[u] = true
		}
		n.byOrgUser.apply(id, &o.gone, users, o.byUser)
		t := &tx{s: n, o: o}
		for pid := range o.partners {
			t.touchPartner(pid)
		}
		t.applyIndexes()
	}
	return n, nil
}

// restate reads every record of o, kept under from, anew under to, and
// resolves its members again.
func (o *org) restate(from, to *access.Policy) error {
	for name, r := range o.roles {
		if err := store.RestateRole(from, to, &r); err != nil {
			return err
		}
		o.roles[name] = r
	}
	members := make([]*store.Member, 0, len(o.members))
	for _, m := range o.members {
		members = append(members, m)
	}
	for _, m := range members {
		c := *m
		if err := store.RestateMember(from, to, &c); err != nil {
			return err
		}
		o.resolve(to, &c)
		o.unindexMember(m)
		o.setMember(&c)
	}
	for _, inv := range slices.Collect(maps.Values(o.invs)) {
		c := copyInvitation(*inv)
		if err := store.RestateInvitation(from, to, &c); err != nil {
			return err
		}
		o.unsetInvitation(inv) // its indexes by role, under the name restated
		o.setInvitation(&c)
	}
	for id, r := range o.reqs {
		c := *r
		if err := store.RestateRequest(from, to, &c); err != nil {
			return err
		}
		o.reqs[id] = &c
	}
	for id, ps := range o.partners {
		if err := store.RestatePartnership(from, to, &ps); err != nil {
			return err
		}
		o.partners[id] = ps
	}
	for id, k := range o.keys {
		k = cloneKey(k)
		if err := store.RestateKey(from, to, &k); err != nil {
			return err
		}
		o.keys[id] = k
	}
	return nil
}
