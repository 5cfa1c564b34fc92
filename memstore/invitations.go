package memstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Invitation implements store.Tx.
func (t *tx) Invitation(ctx context.Context, id ID) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	return t.o.invitation(id)
}

func (o *org) invitation(id ID) (store.Invitation, error) {
	inv, ok := o.invs[id]
	if !ok {
		return store.Invitation{}, fmt.Errorf("invitation %v: %w", id, store.ErrNotFound)
	}
	return copyInvitation(*inv), nil
}

func copyInvitation(inv store.Invitation) store.Invitation {
	inv.Sealed = slices.Clone(inv.Sealed)
	inv.Stale = slices.Clone(inv.Stale)
	return inv
}

// InvitationByHash implements store.Tx.
func (t *tx) InvitationByHash(ctx context.Context, hash [32]byte) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	id, ok := t.o.byHash[hash]
	if !ok {
		return store.Invitation{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return t.o.invitation(id)
}

// InvitationByHash implements store.Store.
func (s *Store) InvitationByHash(ctx context.Context, hash [32]byte) (store.Invitation, error) {
	orgID, err := s.InvitationOrg(ctx, hash)
	if err != nil {
		return store.Invitation{}, err
	}
	var inv store.Invitation
	err = s.readOrg(orgID, func(o *org) error {
		id, ok := o.byHash[hash]
		if !ok {
			return fmt.Errorf("invitation token: %w", store.ErrNotFound)
		}
		inv, err = o.invitation(id)
		return err
	})
	return inv, err
}

// PendingInvitation implements store.Tx.
func (t *tx) PendingInvitation(ctx context.Context, kind store.InvitationKind, email string) (store.Invitation, error) {
	if err := live(ctx); err != nil {
		return store.Invitation{}, err
	}
	id, ok := t.o.pending[pendingKey{kind, email}]
	if !ok {
		return store.Invitation{}, fmt.Errorf("pending invitation for %s: %w", email, store.ErrNotFound)
	}
	return t.o.invitation(id)
}

// PutInvitation implements store.Tx.
func (t *tx) PutInvitation(ctx context.Context, inv store.Invitation) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if inv.Org != o.rec.ID || inv.ID == uuid.Nil {
		return fmt.Errorf("%w: invitation does not belong to organisation %v", store.ErrInvalid, o.rec.ID)
	}
	if inv.Status == store.Pending {
		if id, ok := o.pending[pendingKey{inv.Kind, inv.Email}]; ok && id != inv.ID {
			return fmt.Errorf("%w: %s", store.ErrAlreadyInvited, inv.Email)
		}
	}
	if id, ok := o.byHash[inv.TokenHash]; ok && id != inv.ID || !ok && t.s.tokenTaken(inv.TokenHash) {
		return fmt.Errorf("%w: invitation token hash exists", store.ErrConflict)
	}
	c := copyInvitation(inv)
	if err := store.RestateInvitation(t.s.env.Policy, t.s.env.Policy, &c); err != nil {
		return fmt.Errorf("%w: invitation %v: %w", store.ErrInvalid, inv.ID, err)
	}
	prev := o.invs[inv.ID]
	if prev != nil {
		o.unsetInvitation(prev)
		t.touchHash(prev.TokenHash)
	}
	o.setInvitation(&c)
	t.touchHash(c.TokenHash)
	t.undo = append(t.undo, func() {
		o.unsetInvitation(&c)
		if prev != nil {
			o.setInvitation(prev)
		}
	})
	return nil
}

func (s *Store) tokenTaken(h [32]byte) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.tokens[h]
	return ok
}

func (o *org) setInvitation(inv *store.Invitation) {
	o.invs[inv.ID] = inv
	o.invOrder.add(inv.ID)
	o.byHash[inv.TokenHash] = inv.ID
	if inv.Status == store.Pending {
		o.pendingOrder.add(inv.ID)
		o.pending[pendingKey{inv.Kind, inv.Email}] = inv.ID
		o.pendingRoles[inv.Role]++
		if inv.Kind == store.ForMember {
			o.seatsDue.add(expiry{inv.Expires, inv.ID})
		}
	}
}

func (o *org) unsetInvitation(inv *store.Invitation) {
	delete(o.invs, inv.ID)
	o.invOrder.remove(inv.ID)
	delete(o.byHash, inv.TokenHash)
	if k := (pendingKey{inv.Kind, inv.Email}); o.pending[k] == inv.ID {
		delete(o.pending, k)
	}
	if inv.Status != store.Pending {
		return
	}
	o.pendingOrder.remove(inv.ID)
	if o.pendingRoles[inv.Role]--; o.pendingRoles[inv.Role] == 0 {
		delete(o.pendingRoles, inv.Role)
	}
	if inv.Kind == store.ForMember {
		o.seatsDue.remove(expiry{inv.Expires, inv.ID})
	}
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
	return pageIndex(s, orgID, p, func(o *org) *idSet {
		if f.Status == store.Pending { // the pending ones alone, for the pending list
			return &o.pendingOrder
		}
		return &o.invOrder
	}, func(o *org, id ID) (store.Invitation, bool) {
		inv := o.invs[id]
		if f.Status != 0 && inv.Status != f.Status || f.Kind != 0 && inv.Kind != f.Kind {
			return store.Invitation{}, false
		}
		return copyInvitation(*inv), true
	})
}

// InvitationOrg implements store.Store.
func (s *Store) InvitationOrg(ctx context.Context, hash [32]byte) (ID, error) {
	s.mu.RLock()
	id, ok := s.tokens[hash]
	ok = ok && !s.goneOrg(id)
	s.mu.RUnlock()
	if !ok {
		return ID{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return id, nil
}

// PendingInvitation implements store.Store.
func (s *Store) PendingInvitation(ctx context.Context, orgID ID, kind store.InvitationKind, email string) (store.Invitation, error) {
	if err := rule.CheckNormalEmail(email); err != nil {
		return store.Invitation{}, err
	}
	var inv store.Invitation
	err := s.readOrg(orgID, func(o *org) error {
		id, ok := o.pending[pendingKey{kind, email}]
		if !ok {
			return fmt.Errorf("pending invitation for %s: %w", email, store.ErrNotFound)
		}
		var err error
		inv, err = o.invitation(id)
		return err
	})
	return inv, err
}
