package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Partnership implements store.Tx.
func (t *tx) Partnership(ctx context.Context, id ID) (store.Partnership, error) {
	if err := live(ctx); err != nil {
		return store.Partnership{}, err
	}
	ps, ok := t.o.partners[id]
	if !ok {
		return store.Partnership{}, fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	ps.Stale = slices.Clone(ps.Stale)
	return ps, nil
}

// PartnershipWith implements store.Tx.
func (t *tx) PartnershipWith(ctx context.Context, partner ID) (store.Partnership, error) {
	if err := live(ctx); err != nil {
		return store.Partnership{}, err
	}
	id, ok := t.o.byPartner[partner]
	if !ok {
		return store.Partnership{}, fmt.Errorf("partnership with %v: %w", partner, store.ErrNotFound)
	}
	return t.o.partners[id], nil
}

// PutPartnership implements store.Tx.
func (t *tx) PutPartnership(ctx context.Context, ps store.Partnership) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if ps.Org != o.rec.ID || ps.ID == uuid.Nil || ps.Partner == o.rec.ID {
		return fmt.Errorf("%w: partnership does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if id, ok := o.byPartner[ps.Partner]; ok && id != ps.ID {
		return fmt.Errorf("%w: a partnership with %v exists", store.ErrExists, ps.Partner)
	}
	if err := store.RestatePartnership(t.s.env.Policy, t.s.env.Policy, &ps); err != nil {
		return fmt.Errorf("%w: partnership %v: %w", store.ErrInvalid, ps.ID, err)
	}
	prev, had := o.partners[ps.ID]
	if had {
		delete(o.byPartner, prev.Partner)
	}
	o.partners[ps.ID] = ps
	o.byPartner[ps.Partner] = ps.ID
	t.touchPartner(ps.ID)
	t.undo = append(t.undo, func() {
		delete(o.partners, ps.ID)
		delete(o.byPartner, ps.Partner)
		if had {
			o.partners[ps.ID] = prev
			o.byPartner[prev.Partner] = ps.ID
		}
	})
	return nil
}

// DeletePartnership implements store.Tx.
func (t *tx) DeletePartnership(ctx context.Context, id ID) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.partners[id]
	if !ok {
		return fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	delete(o.partners, id)
	delete(o.byPartner, prev.Partner)
	t.touchPartner(id)
	t.undo = append(t.undo, func() {
		o.partners[id] = prev
		o.byPartner[prev.Partner] = id
	})
	return nil
}

// Partnership implements store.Store.
func (s *Store) Partnership(ctx context.Context, orgID, id ID) (store.Partnership, error) {
	s.mu.RLock()
	e, ok := s.partners[id]
	ok = ok && !s.goneOrg(e.ps.Org)
	s.mu.RUnlock()
	if !ok || e.ps.Org != orgID && e.ps.Partner != orgID {
		return store.Partnership{}, fmt.Errorf("partnership %v: %w", id, store.ErrNotFound)
	}
	ps := e.ps
	ps.Stale = slices.Clone(ps.Stale)
	return ps, nil
}

// Partnerships implements store.Store.
func (s *Store) Partnerships(ctx context.Context, orgID ID, p store.Page) ([]store.Partnership, string, error) {
	if _, err := rule.ParseCursor(p.After); err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	found := make(map[ID]store.Partnership)
	for id, e := range s.partners {
		if (e.ps.Org == orgID || e.ps.Partner == orgID) && !s.goneOrg(e.ps.Org) {
			found[id] = e.ps
		}
	}
	s.mu.RUnlock()
	return page(slices.SortedFunc(maps.Keys(found), compareID), p, func(id ID) (store.Partnership, bool) {
		ps, ok := found[id]
		ps.Stale = slices.Clone(ps.Stale)
		return ps, ok
	})
}

// Principal implements store.PrincipalReader: the member index, else one read of
// the partnership index and one of the member index for the user's
// membership in the partner organisation, without allocating.
func (s *Store) Principal(ctx context.Context, orgID ID, user string) (access.Grant, error) {
	if e := s.byOrgUser.get(orgID, user); e != nil {
		if e.m.Until.IsZero() {
			return e.grant, nil
		}
		return e.grant.At(s.env.Time()), nil
	}
	s.mu.RLock()
	var best partnerEntry
	var bestActive, found bool
	users := s.users[user]
	if s.goneOrg(orgID) {
		users = nil // its partnerships went with it
	}
	var bestUntil time.Time
	for b := range users {
		pid, ok := s.pairs[[2]ID{orgID, b}]
		if !ok || found && compareID(b, best.ps.Partner) >= 0 {
			continue
		}
		// A partnership reaches the partner's staff, its outside
		// collaborators only by the granting organisation's opt-in; the
		// index passes a deleted organisation's members by.
		if e := s.byOrgUser.get(b, user); e != nil && s.partners[pid].ps.Reaches(&e.m) {
			best, bestActive, found = s.partners[pid], e.m.Status == store.Active, true
			bestUntil = e.m.Until
		}
	}
	s.mu.RUnlock()
	if found {
		g := best.grants[0]
		if bestActive {
			g = best.grants[1]
		}
		// The partnership's end, or the partner member's own, whichever
		// comes first, judged now.
		if !best.ps.Until.IsZero() || !bestUntil.IsZero() {
			g = g.LimitUntil(bestUntil).At(s.env.Time())
		}
		return g, nil
	}
	if err := rule.CheckUserID(user); err != nil {
		return access.Grant{}, err
	}
	return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, orgID, store.ErrNotFound)
}

// goneOrg reports whether the organisation id is deleted, its deletion
// committed; s.mu must be held.
func (s *Store) goneOrg(id ID) bool {
	o, ok := s.orgs[id]
	return ok && o.gone.Load()
}
