package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
)

// Org implements member.Reader.
func (s *Store) Org(ctx context.Context, id ID) (member.Org, error) {
	var rec member.Org
	err := s.readOrg(id, func(o *org) error { rec = o.rec; return nil })
	return rec, err
}

// Member implements member.Reader.
func (s *Store) Member(ctx context.Context, orgID, id ID) (member.Member, error) {
	var m member.Member
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		m, err = o.member(id)
		return err
	})
	return m, err
}

// MemberByUser implements member.Reader. It is the lookup of every request:
// one map lookup under a read lock, and a copy of the resolved member.
func (s *Store) MemberByUser(ctx context.Context, orgID ID, user string) (member.Member, error) {
	if e := s.byOrgUser.get(orgID, user); e != nil {
		return e.m, nil
	}
	return member.Member{}, fmt.Errorf("user %q in organisation %v: %w", user, orgID, member.ErrNotFound)
}

// Members implements member.Reader.
func (s *Store) Members(ctx context.Context, orgID ID, f member.Filter, p member.Page) ([]member.Member, string, error) {
	if _, err := member.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []member.Member
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		out, next, err = page(o.order, p, func(id ID) (member.Member, bool) {
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

// UserOrgs implements member.Reader.
func (s *Store) UserOrgs(ctx context.Context, user string) ([]member.Member, error) {
	s.mu.RLock()
	ids := slices.SortedFunc(maps.Keys(s.users[user]), compareID)
	s.mu.RUnlock()
	var out []member.Member
	for _, id := range ids {
		m, err := s.MemberByUser(ctx, id, user)
		if err == nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// Roles implements member.Reader.
func (s *Store) Roles(ctx context.Context, orgID ID) ([]member.Role, error) {
	var out []member.Role
	err := s.readOrg(orgID, func(o *org) error {
		out = slices.SortedFunc(maps.Values(o.roles), func(a, b member.Role) int { return strings.Compare(a.Name, b.Name) })
		return nil
	})
	return out, notFoundIsEmpty(err)
}

// Keys implements member.Reader.
func (s *Store) Keys(ctx context.Context, orgID, memberID ID) ([]member.Key, error) {
	var out []member.Key
	err := s.readOrg(orgID, func(o *org) error {
		for _, k := range o.keys {
			if k.Member == memberID {
				out = append(out, k)
			}
		}
		slices.SortFunc(out, func(a, b member.Key) int { return compareID(a.ID, b.ID) })
		return nil
	})
	return out, notFoundIsEmpty(err)
}

// KeyByHash implements member.Reader.
func (s *Store) KeyByHash(ctx context.Context, hash [32]byte) (member.Key, error) {
	s.mu.RLock()
	orgID, ok := s.keys[hash]
	s.mu.RUnlock()
	var k member.Key
	err := fmt.Errorf("key: %w", member.ErrNotFound)
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

// Events implements member.Reader.
func (s *Store) Events(ctx context.Context, orgID ID, after int64, limit int) ([]member.Event, error) {
	o, ok := s.lookup(orgID)
	if !ok {
		return nil, nil
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if after < 0 {
		after = 0
	}
	n := member.Page{Limit: limit}.Size()
	var out []member.Event
	for i := after; i < int64(len(o.events)) && len(out) < n; i++ {
		out = append(out, copyEvent(o.events[i]))
	}
	return out, nil
}

// Invitation implements invite.Reader.
func (s *Store) Invitation(ctx context.Context, orgID, id ID) (invite.Invitation, error) {
	var inv invite.Invitation
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		inv, err = o.invitation(id)
		return err
	})
	return inv, err
}

// Invitations implements invite.Reader.
func (s *Store) Invitations(ctx context.Context, orgID ID, f invite.InvitationFilter, p member.Page) ([]invite.Invitation, string, error) {
	if _, err := member.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []invite.Invitation
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		ids := slices.SortedFunc(maps.Keys(o.invs), compareID)
		var err error
		out, next, err = page(ids, p, func(id ID) (invite.Invitation, bool) {
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

// InvitationOrg implements invite.Reader.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	s.mu.RLock()
	id, ok := s.tokens[hash]
	s.mu.RUnlock()
	if !ok {
		return ID{}, fmt.Errorf("invitation token: %w", member.ErrNotFound)
	}
	return id, nil
}

// Request implements invite.Reader.
func (s *Store) Request(ctx context.Context, orgID, id ID) (invite.Request, error) {
	var r invite.Request
	err := s.readOrg(orgID, func(o *org) error {
		c, ok := o.reqs[id]
		if !ok {
			return fmt.Errorf("request %v: %w", id, member.ErrNotFound)
		}
		r = *c
		return nil
	})
	return r, err
}

// Requests implements invite.Reader.
func (s *Store) Requests(ctx context.Context, orgID ID, st invite.RequestStatus, p member.Page) ([]invite.Request, string, error) {
	if _, err := member.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []invite.Request
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		ids := slices.SortedFunc(maps.Keys(o.reqs), compareID)
		var err error
		out, next, err = page(ids, p, func(id ID) (invite.Request, bool) {
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

// Partnership implements invite.Reader.
func (s *Store) Partnership(ctx context.Context, orgID, id ID) (invite.Partnership, error) {
	s.mu.RLock()
	e, ok := s.partners[id]
	s.mu.RUnlock()
	if !ok || e.ps.Org != orgID && e.ps.Partner != orgID {
		return invite.Partnership{}, fmt.Errorf("partnership %v: %w", id, member.ErrNotFound)
	}
	return e.ps, nil
}

// Partnerships implements invite.Reader.
func (s *Store) Partnerships(ctx context.Context, orgID ID) ([]invite.Partnership, error) {
	s.mu.RLock()
	var out []invite.Partnership
	for _, e := range s.partners {
		if e.ps.Org == orgID || e.ps.Partner == orgID {
			out = append(out, e.ps)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b invite.Partnership) int { return compareID(a.ID, b.ID) })
	return out, nil
}

// Principal implements invite.Reader: the member index, else one read of
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
			if e.m.Status == member.Active {
				return best.grants[1], nil
			}
			return best.grants[0], nil
		}
	}
	return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, orgID, member.ErrNotFound)
}
