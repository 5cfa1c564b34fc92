package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Org implements store.Store.
func (s *Store) Org(ctx context.Context, id ID) (store.Org, error) {
	var rec store.Org
	err := s.readOrg(id, func(o *org) error { rec = o.rec; return nil })
	return rec, err
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
		return e.m, nil
	}
	return store.Member{}, fmt.Errorf("user %q in organisation %v: %w", user, orgID, store.ErrNotFound)
}

// Members implements store.Store.
func (s *Store) Members(ctx context.Context, orgID ID, f store.Filter, p store.Page) ([]store.Member, string, error) {
	if _, err := rule.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []store.Member
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		out, next, err = page(o.order, p, func(id ID) (store.Member, bool) {
			m := o.members[id]
			return *m, f.Match(m)
		})
		return err
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// UserOrgs implements store.Store.
func (s *Store) UserOrgs(ctx context.Context, user string) ([]store.Member, error) {
	s.mu.RLock()
	ids := slices.SortedFunc(maps.Keys(s.users[user]), compareID)
	s.mu.RUnlock()
	var out []store.Member
	for _, id := range ids {
		m, err := s.MemberByUser(ctx, id, user)
		if err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// Roles implements store.Store.
func (s *Store) Roles(ctx context.Context, orgID ID) ([]store.Role, error) {
	var out []store.Role
	err := s.readOrg(orgID, func(o *org) error {
		out = slices.SortedFunc(maps.Values(o.roles), func(a, b store.Role) int { return strings.Compare(a.Name, b.Name) })
		return nil
	})
	return out, notFoundIsEmpty(err)
}

// Keys implements store.Store.
func (s *Store) Keys(ctx context.Context, orgID, memberID ID) ([]store.Key, error) {
	var out []store.Key
	err := s.readOrg(orgID, func(o *org) error {
		for _, k := range o.keys {
			if k.Member == memberID {
				out = append(out, k)
			}
		}
		slices.SortFunc(out, func(a, b store.Key) int { return compareID(a.ID, b.ID) })
		return nil
	})
	return out, notFoundIsEmpty(err)
}

// KeyByHash implements store.Store.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (store.Key, error) {
	s.mu.RLock()
	orgID, ok := s.keys[hash]
	s.mu.RUnlock()
	var k store.Key
	err := fmt.Errorf("key: %w", store.ErrNotFound)
	if ok {
		_ = s.readOrg(orgID, func(o *org) error {
			for _, c := range o.keys {
				if c.Hash == hash {
					k, err = c, nil
				}
			}
			return nil
		})
	}
	return k, err
}

// Events implements store.Store.
func (s *Store) Events(ctx context.Context, orgID ID, after int64, limit int) ([]store.Event, error) {
	o, ok := s.lookup(orgID)
	if !ok {
		return nil, nil
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if after < 0 {
		after = 0
	}
	n := store.Page{Limit: limit}.Size()
	var out []store.Event
	for i := after; i < int64(len(o.events)) && len(out) < n; i++ {
		out = append(out, copyEvent(o.events[i]))
	}
	return out, nil
}

// Invitation implements store.Store.
func (s *Store) Invitation(ctx context.Context, orgID, id ID) (store.Invitation, error) {
	var inv store.Invitation
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		inv, err = o.invitation(id)
		return err
	})
	return inv, err
}

// Invitations implements store.Store.
func (s *Store) Invitations(ctx context.Context, orgID ID, f store.InvitationFilter, p store.Page) ([]store.Invitation, string, error) {
	if _, err := rule.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []store.Invitation
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		ids := slices.SortedFunc(maps.Keys(o.invs), compareID)
		var err error
		out, next, err = page(ids, p, func(id ID) (store.Invitation, bool) {
			inv := o.invs[id]
			return copyInvitation(*inv), (f.Status == 0 || inv.Status == f.Status) && (f.Kind == 0 || inv.Kind == f.Kind)
		})
		return err
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// InvitationOrg implements store.Store.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	s.mu.RLock()
	id, ok := s.tokens[hash]
	s.mu.RUnlock()
	if !ok {
		return ID{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return id, nil
}

// Request implements store.Store.
func (s *Store) Request(ctx context.Context, orgID, id ID) (store.Request, error) {
	var r store.Request
	err := s.readOrg(orgID, func(o *org) error {
		c, ok := o.reqs[id]
		if !ok {
			return fmt.Errorf("request %v: %w", id, store.ErrNotFound)
		}
		r = *c
		return nil
	})
	return r, err
}

// Requests implements store.Store.
func (s *Store) Requests(ctx context.Context, orgID ID, st store.RequestStatus, p store.Page) ([]store.Request, string, error) {
	if _, err := rule.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []store.Request
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		ids := slices.SortedFunc(maps.Keys(o.reqs), compareID)
		var err error
		out, next, err = page(ids, p, func(id ID) (store.Request, bool) {
			r := o.reqs[id]
			return *r, st == 0 || r.Status == st
		})
		return err
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// Partnership implements store.Store.
func (s *Store) Partnership(ctx context.Context, orgID, id ID) (store.Partnership, error) {
	s.mu.RLock()
	e, ok := s.partners[id]
	s.mu.RUnlock()
	if !ok || e.ps.Org != orgID && e.ps.Partner != orgID {
		return store.Partnership{}, fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	return e.ps, nil
}

// Partnerships implements store.Store.
func (s *Store) Partnerships(ctx context.Context, orgID ID) ([]store.Partnership, error) {
	s.mu.RLock()
	var out []store.Partnership
	for _, e := range s.partners {
		if e.ps.Org == orgID || e.ps.Partner == orgID {
			out = append(out, e.ps)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Partnership) int { return compareID(a.ID, b.ID) })
	return out, nil
}

// Principal implements store.PrincipalReader: the member index, else one read of
// the partnership index and one of the member index for the user's
// membership in the partner organisation, without allocating.
func (s *Store) Principal(ctx context.Context, orgID ID, user string) (access.Grant, error) {
	if e := s.byOrgUser.get(orgID, user); e != nil {
		return e.grant, nil
	}
	s.mu.RLock()
	var best partnerEntry
	found := false
	for b := range s.users[user] {
		if pid, ok := s.pairs[[2]ID{orgID, b}]; ok && (!found || compareID(b, best.ps.Partner) < 0) {
			best, found = s.partners[pid], true
		}
	}
	s.mu.RUnlock()
	if found {
		// A deleted organisation's members have left the index.
		if e := s.byOrgUser.get(best.ps.Partner, user); e != nil {
			if e.m.Status == store.Active {
				return best.grants[1], nil
			}
			return best.grants[0], nil
		}
	}
	return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, orgID, store.ErrNotFound)
}
