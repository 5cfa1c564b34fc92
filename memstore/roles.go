package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// Role implements store.Tx.
func (t *tx) Role(ctx context.Context, name string) (store.Role, error) {
	if err := live(ctx); err != nil {
		return store.Role{}, err
	}
	r, ok := t.o.roles[name]
	if !ok {
		return store.Role{}, fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	r.Stale = slices.Clone(r.Stale)
	return r, nil
}

// PutRole implements store.Tx.
func (t *tx) PutRole(ctx context.Context, r store.Role) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	if r.Org != o.rec.ID {
		return fmt.Errorf("%w: role %q does not belong to organisation %v", store.ErrInvalid, r.Name, o.rec.ID)
	}
	if err := store.RestateRole(t.s.env.Policy, t.s.env.Policy, &r); err != nil {
		return fmt.Errorf("%w: role %q: %w", store.ErrInvalid, r.Name, err)
	}
	prev, had := o.roles[r.Name]
	o.roles[r.Name] = r
	t.rolesChanged = true
	o.reresolve(t.s.env.Policy, r.Name)
	t.undo = append(t.undo, func() {
		if had {
			o.roles[r.Name] = prev
		} else {
			delete(o.roles, r.Name)
		}
		o.reresolve(t.s.env.Policy, r.Name)
	})
	return nil
}

// reresolve recomputes the grants of the members holding role, replacing
// their records so that copies handed out stay as they were.
func (o *org) reresolve(p *access.Policy, role string) {
	o.byRole[role].each(ID{}, false, func(id ID) bool { // its holders alone
		if m := o.members[id]; m.Kind == store.Staff {
			c := *m
			o.resolve(p, &c)
			o.members[id] = &c
			o.byUser[c.UserID] = &c
		}
		return true
	})
}

// DeleteRole implements store.Tx.
func (t *tx) DeleteRole(ctx context.Context, name string) error {
	if err := live(ctx); err != nil {
		return err
	}
	o := t.o
	prev, ok := o.roles[name]
	if !ok {
		return fmt.Errorf("role %q: %w", name, store.ErrNotFound)
	}
	delete(o.roles, name)
	t.rolesChanged = true
	o.reresolve(t.s.env.Policy, name)
	t.undo = append(t.undo, func() {
		o.roles[name] = prev
		o.reresolve(t.s.env.Policy, name)
	})
	return nil
}

// RoleInUse implements store.Tx.
func (t *tx) RoleInUse(ctx context.Context, name string) (bool, error) {
	if err := live(ctx); err != nil {
		return false, err
	}
	if t.o.holders[name] > 0 || t.o.pendingRoles[name] > 0 { // counts per role, not scans
		return true, nil
	}
	// The partnerships are few.
	for _, ps := range t.o.partners {
		if ps.Level == name {
			return true, nil
		}
	}
	return false, nil
}

// Roles implements store.Store.
func (s *Store) Roles(ctx context.Context, orgID ID, p store.Page) ([]store.Role, string, error) {
	if _, err := rule.ParseNameCursor(p.After); err != nil {
		return nil, "", err
	}
	var out []store.Role
	var next string
	err := s.readOrg(orgID, func(o *org) error {
		var err error
		out, next, err = pageNames(slices.Sorted(maps.Keys(o.roles)), p, func(name string) (store.Role, bool) {
			r, ok := o.roles[name]
			r.Stale = slices.Clone(r.Stale)
			return r, ok
		})
		return err
	})
	if err != nil && !isNotFound(err) {
		return nil, "", err
	}
	return out, next, nil
}

// CountRoles implements store.Tx.
func (t *tx) CountRoles(ctx context.Context) (int, error) {
	if err := live(ctx); err != nil {
		return 0, err
	}
	return len(t.o.roles), nil
}
