package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Member implements store.Tx.
func (t *tx) Member(ctx context.Context, id ID) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	m, err := t.o.member(id)
	m.At(t.now)
	return m, err
}

func (o *org) member(id ID) (store.Member, error) {
	m, ok := o.members[id]
	if !ok {
		return store.Member{}, fmt.Errorf("member %v: %w", id, store.ErrNotFound)
	}
	return cloneMember(m), nil
}

// MemberByUser implements store.Tx.
func (t *tx) MemberByUser(ctx context.Context, user string) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	m, ok := t.o.byUser[user]
	if !ok {
		return store.Member{}, fmt.Errorf("user %q: %w", user, store.ErrNotFound)
	}
	c := cloneMember(m)
	c.At(t.now)
	return c, nil
}

// MemberByEmail implements store.Tx.
func (t *tx) MemberByEmail(ctx context.Context, email string) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	id, ok := t.o.byEmail[email]
	if !ok {
		return store.Member{}, fmt.Errorf("e-mail %q: %w", email, store.ErrNotFound)
	}
	m, err := t.o.member(id)
	m.At(t.now)
	return m, err
}

// MemberByUserOrEmail implements store.Tx.
func (t *tx) MemberByUserOrEmail(ctx context.Context, user, email string) (store.Member, error) {
	if m, err := t.MemberByUser(ctx, user); err == nil || ctx.Err() != nil {
		return m, err
	}
	return t.MemberByEmail(ctx, email)
}

// Owner implements store.Tx.
func (t *tx) Owner(ctx context.Context) (store.Member, error) {
	if err := live(ctx); err != nil {
		return store.Member{}, err
	}
	m, err := t.o.member(t.o.owner)
	m.At(t.now)
	return m, err
}

// PutMember implements store.Tx.
func (t *tx) PutMember(ctx context.Context, m store.Member) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if m.Org != o.rec.ID || m.ID == uuid.Nil {
		return fmt.Errorf("%w: member %v does not belong to organisation %v", store.ErrInvalid, m.ID, o.rec.ID)
	}
	if other, ok := o.byUser[m.UserID]; ok && other.ID != m.ID {
		return fmt.Errorf("%w: user %q", store.ErrAlreadyMember, m.UserID)
	}
	if id, ok := o.byEmail[m.Email]; ok && id != m.ID {
		return fmt.Errorf("%w: e-mail %q", store.ErrAlreadyMember, m.Email)
	}
	p := t.s.env.Policy
	// What a store that keeps names would read back (store.StaleName).
	if err := store.RestateMember(p, p, &m); err != nil {
		return fmt.Errorf("%w: member %v: %w", store.ErrInvalid, m.ID, err)
	}
	if m.Kind == store.Staff && p.IsOwner(m.Role) && o.owner != uuid.Nil && o.owner != m.ID {
		return fmt.Errorf("%w: organisation %v has an owner", store.ErrConflict, o.rec.ID)
	}
	o.resolve(p, &m)
	prev := o.members[m.ID]
	if prev != nil {
		o.unindexMember(prev)
		t.touchUser(prev.UserID)
	}
	o.setMember(&m)
	t.touchUser(m.UserID)
	t.undo = append(t.undo, func() {
		if prev == nil {
			o.unsetMember(o.members[m.ID])
			return
		}
		o.unindexMember(o.members[m.ID])
		o.setMember(prev)
	})
	return nil
}

func (o *org) resolve(p *access.Policy, m *store.Member) {
	store.Resolve(p, m, o.roles[m.Role].Perms)
}

func (o *org) setMember(m *store.Member) {
	o.members[m.ID] = m
	o.byUser[m.UserID] = m
	o.byEmail[m.Email] = m.ID
	o.order.add(m.ID)
	if m.IsOwner() {
		o.owner = m.ID
	}
	if m.Kind == store.Staff {
		o.staff++
	}
	o.holders[m.Role]++
	addTo(o.byRole, m.Role, m.ID)
	addTo(o.byStatus, m.Status, m.ID)
	addTo(o.byKind, m.Kind, m.ID)
}

func (o *org) unsetMember(m *store.Member) {
	o.unindexMember(m)
	o.order.remove(m.ID)
}

// unindexMember is unsetMember but for the order of IDs, which a member
// replaced by its next version keeps.
func (o *org) unindexMember(m *store.Member) {
	delete(o.members, m.ID)
	delete(o.byUser, m.UserID)
	delete(o.byEmail, m.Email)
	if o.owner == m.ID {
		o.owner = uuid.Nil
	}
	if m.Kind == store.Staff {
		o.staff--
	}
	if o.holders[m.Role]--; o.holders[m.Role] == 0 {
		delete(o.holders, m.Role)
	}
	removeFrom(o.byRole, m.Role, m.ID)
	removeFrom(o.byStatus, m.Status, m.ID)
	removeFrom(o.byKind, m.Kind, m.ID)
}

// addTo adds id to the set of k in sets.
func addTo[K comparable](sets map[K]*idSet, k K, id ID) {
	set := sets[k]
	if set == nil {
		set = new(idSet)
		sets[k] = set
	}
	set.add(id)
}

// removeFrom removes id from the set of k in sets, and the set once empty.
func removeFrom[K comparable](sets map[K]*idSet, k K, id ID) {
	if set := sets[k]; set != nil {
		if set.remove(id); set.len() == 0 {
			delete(sets, k)
		}
	}
}

// DeleteMember implements store.Tx.
func (t *tx) DeleteMember(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.members[id]
	if !ok {
		return fmt.Errorf("member %v: %w", id, store.ErrNotFound)
	}
	for _, kid := range slices.Clone(o.memberKeys[id]) { // its keys alone
		t.deleteKey(o.keys[kid])
	}
	o.unsetMember(prev)
	t.touchUser(prev.UserID)
	t.undo = append(t.undo, func() { o.setMember(prev) })
	return nil
}

// Seats implements store.Tx.
func (t *tx) Seats(ctx context.Context) (int, error) {
	now := t.now
	if err := live(ctx); err != nil {
		return 0, err
	}
	// The staff counter, and the pending invitations for staff less
	// those past their expiry (Invitation.Open): a prefix of seatsDue.
	due := &t.o.seatsDue
	return t.o.staff + due.len() - due.prefix(func(e expiry) bool { return !now.Before(e.at) }), nil
}

// Member implements store.Store.
func (s *Store) Member(ctx context.Context, orgID, id ID) (store.Member, error) {
	var m store.Member
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		m, err = o.member(id)
		return err
	})
	s.at(&m)
	return m, err
}

// at settles m's grant at the time of a read outside a unit of work.
func (s *Store) at(m *store.Member) {
	if !m.Until.IsZero() {
		m.At(s.env.Time())
	}
}

// MemberByUser implements store.Store. It is the lookup of every request:
// one map lookup under a read lock, and a copy of the resolved member.
func (s *Store) MemberByUser(ctx context.Context, orgID ID, user string) (store.Member, error) {
	if e := s.byOrgUser.get(orgID, user); e != nil {
		m := e.m // an exact match of a stored, valid user ID
		s.at(&m)
		m.Stale = slices.Clone(m.Stale)
		return m, nil
	}
	// Validated on a miss only: the answer is the same on every store
	// (ErrInvalid), at no cost on the request path's hits.
	if err := rule.CheckUserID(user); err != nil {
		return store.Member{}, err
	}
	return store.Member{}, fmt.Errorf("user %q in organisation %v: %w", user, orgID, store.ErrNotFound)
}

// Members implements store.Store. A filtered page reads the members of
// the filter's role, else status, else kind, in order, as a SQL store reads
// an index: not the whole organisation, unless the filter matches few of
// the index's members.
func (s *Store) Members(ctx context.Context, orgID ID, f store.Filter, p store.Page) ([]store.Member, string, error) {
	if err := rule.CheckFilter(f); err != nil {
		return nil, "", err
	}
	return pageIndex(s, orgID, p, func(o *org) *idSet {
		switch {
		case f.Role != "":
			return o.byRole[f.Role]
		case f.Status != 0:
			return o.byStatus[f.Status]
		case f.Kind != 0:
			return o.byKind[f.Kind]
		}
		return &o.order
	}, func(o *org, id ID) (store.Member, bool) {
		m := cloneMember(o.members[id])
		s.at(&m)
		return m, f.Match(&m)
	})
}

// UserOrgs implements store.Store: each membership with its organisation
// read under the organisation's lock, so that the two agree.
func (s *Store) UserOrgs(ctx context.Context, user string, p store.Page) ([]store.Membership, string, error) {
	if err := rule.CheckUserID(user); err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	ids := slices.SortedFunc(maps.Keys(s.users[user]), compareID)
	s.mu.RUnlock()
	return page(ids, p, func(id ID) (store.Membership, bool) {
		var ms store.Membership
		err := s.readOrg(id, func(o *org) error {
			m, ok := o.byUser[user]
			if !ok {
				return store.ErrNotFound
			}
			c := cloneMember(m)
			s.at(&c)
			ms = store.Membership{Member: c, Org: o.rec}
			return nil
		})
		return ms, err == nil
	})
}

// MemberByEmail implements store.Store.
func (s *Store) MemberByEmail(ctx context.Context, orgID ID, email string) (store.Member, error) {
	if err := rule.CheckNormalEmail(email); err != nil {
		return store.Member{}, err
	}
	var m store.Member
	err := s.readOrg(orgID, func(o *org) error {
		id, ok := o.byEmail[email]
		if !ok {
			return fmt.Errorf("e-mail %q: %w", email, store.ErrNotFound)
		}
		var err error
		m, err = o.member(id)
		return err
	})
	s.at(&m)
	return m, err
}

// cloneMember copies m, sharing nothing of it that a caller could change.
func cloneMember(m *store.Member) store.Member {
	c := *m
	c.Stale = slices.Clone(c.Stale)
	return c
}
