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
	return t.o.member(id)
}

func (o *org) member(id ID) (store.Member, error) {
	m, ok := o.members[id]
	if !ok {
		return store.Member{}, fmt.Errorf("member %v: %w", id, store.ErrNotFound)
	}
	return *m, nil
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
	return *m, nil
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
	return t.o.member(id)
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
	return t.o.member(t.o.owner)
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
	if i, found := slices.BinarySearchFunc(o.order, m.ID, compareID); !found {
		o.order = slices.Insert(o.order, i, m.ID)
	}
	if m.IsOwner() {
		o.owner = m.ID
	}
	if m.Kind == store.Staff {
		o.staff++
	}
	o.holders[m.Role]++
}

func (o *org) unsetMember(m *store.Member) {
	o.unindexMember(m)
	if i, found := slices.BinarySearchFunc(o.order, m.ID, compareID); found {
		o.order = slices.Delete(o.order, i, i+1)
	}
}

// unindexMember is unsetMember but for the order of IDs, which a member
// replaced by its next version keeps: deleting from and inserting into it
// would move every later ID, a cost in the organisation's size.
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
	for _, k := range o.keys {
		if k.Member == id {
			t.deleteKey(k)
		}
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
	n := t.o.staff
	for k, id := range t.o.pending {
		if k.kind == store.ForMember && t.o.invs[id].Open(now) {
			n++
		}
	}
	return n, nil
}

// Member implements store.Store.
func (s *Store) Member(ctx context.Context, orgID, id ID) (store.Member, error) {
	var m store.Member
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		m, err = o.member(id)
		return err
	})
	return m, err
}

// MemberByUser implements store.Store. It is the lookup of every request:
// one map lookup under a read lock, and a copy of the resolved member.
func (s *Store) MemberByUser(ctx context.Context, orgID ID, user string) (store.Member, error) {
	if e := s.byOrgUser.get(orgID, user); e != nil {
		return e.m, nil // an exact match of a stored, valid user ID
	}
	// Validated on a miss only: the answer is the same on every store
	// (ErrInvalid), at no cost on the request path's hits.
	if err := rule.CheckUserID(user); err != nil {
		return store.Member{}, err
	}
	return store.Member{}, fmt.Errorf("user %q in organisation %v: %w", user, orgID, store.ErrNotFound)
}

// Members implements store.Store.
func (s *Store) Members(ctx context.Context, orgID ID, f store.Filter, p store.Page) ([]store.Member, string, error) {
	if err := rule.CheckFilter(f); err != nil {
		return nil, "", err
	}
	return pageOf(s, orgID, p, func(o *org) []ID { return o.order }, func(o *org, id ID) (store.Member, bool) {
		m := o.members[id]
		return *m, f.Match(m)
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
			ms = store.Membership{Member: *m, Org: o.rec}
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
	return m, err
}
