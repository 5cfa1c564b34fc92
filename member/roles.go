package member

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// MaxCustomRoles bounds the custom roles of one organisation, as
// access.MaxRoles bounds a policy's: CreateRole refuses another with
// ErrLimitReached until one is deleted.
const MaxCustomRoles = access.MaxRoles

// CreateRole creates a custom role of the organisation, beside the policy's
// (seed 000's enterprise customisation). Gated by access.ManageRoles; the
// actor grants only permissions it holds; the name must be free, and never
// the policy's; the organisation must have fewer than MaxCustomRoles custom
// roles (ErrLimitReached otherwise). It writes RoleCreated.
func CreateRole(ctx context.Context, s store.Store, org, actor store.ID, name, label string, perms access.Set) (store.Role, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Role, error) { return CreateRoleTx(ctx, tx, actor, name, label, perms) })
}

// CreateRoleTx is CreateRole inside a unit of work.
func CreateRoleTx(ctx context.Context, tx store.Tx, actor store.ID, name, label string, perms access.Set) (store.Role, error) {
	p := tx.Env().Policy
	if err := checkRole(p, name, label, perms); err != nil {
		return store.Role{}, err
	}
	a, err := roleActor(ctx, tx, actor)
	if err != nil {
		return store.Role{}, err
	}
	if _, _, ok := p.ResolveRole(name); ok {
		// An alias too: stored records that name it mean the policy's role.
		return store.Role{}, fmt.Errorf("%w: role %q is the policy's", store.ErrExists, name)
	}
	if _, err := tx.Role(ctx, name); err == nil {
		return store.Role{}, fmt.Errorf("%w: role %q", store.ErrExists, name)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Role{}, err
	}
	if err := canGrantPerms(&a, perms); err != nil {
		return store.Role{}, err
	}
	// Counted under the organisation's lock, so that concurrent creations
	// cannot pass the limit together.
	if n, err := tx.CountRoles(ctx); err != nil {
		return store.Role{}, err
	} else if n >= MaxCustomRoles {
		return store.Role{}, fmt.Errorf("%w: the organisation has %d custom roles, the most it may", ErrLimitReached, n)
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return store.Role{}, err
	}
	now := tx.Now()
	r := store.Role{Org: o.ID, Name: name, Label: label, Perms: perms, Created: now, Updated: now}
	if err := tx.PutRole(ctx, r); err != nil {
		return store.Role{}, err
	}
	return r, rule.Emit(ctx, tx, store.Event{Type: store.RoleCreated, Actor: a.Party(), After: roleState(p, r)})
}

// UpdateRole changes a custom role's label and permissions; its members hold
// the new permissions when next loaded. The actor must hold both the old and
// the new permissions, so what it adds to the role's members is only ever
// what it holds; it need not cover each member (one may hold more through
// individual permissions). An actor limited by scopes cannot add
// permissions to a role in use, whose holders act beyond its scopes. Gated
// by access.ManageRoles. It writes RoleUpdated.
func UpdateRole(ctx context.Context, s store.Store, org, actor store.ID, name, label string, perms access.Set) (store.Role, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Role, error) { return UpdateRoleTx(ctx, tx, actor, name, label, perms) })
}

// UpdateRoleTx is UpdateRole inside a unit of work.
func UpdateRoleTx(ctx context.Context, tx store.Tx, actor store.ID, name, label string, perms access.Set) (store.Role, error) {
	p := tx.Env().Policy
	if err := checkRole(p, name, label, perms); err != nil {
		return store.Role{}, err
	}
	a, old, err := loadRole(ctx, tx, actor, name)
	if err != nil {
		return store.Role{}, err
	}
	if err := canGrantPerms(&a, perms); err != nil {
		return store.Role{}, err
	}
	if added := perms.Difference(old.Perms); !a.IsOwner() && !a.Scopes.IsZero() && !added.IsEmpty() {
		// The role's holders act wherever their own scopes let them,
		// beyond an actor limited to some sites or markets.
		inUse, err := tx.RoleInUse(ctx, name)
		if err != nil {
			return store.Role{}, err
		}
		if inUse {
			return store.Role{}, fmt.Errorf("%w: an actor limited to %v cannot widen a role in use", ErrEscalation, a.Scopes)
		}
	}
	if old.Label == label && old.Perms == perms {
		return old, nil
	}
	r := old
	r.Label, r.Perms, r.Updated = label, perms, tx.Now()
	if err := tx.PutRole(ctx, r); err != nil {
		return store.Role{}, err
	}
	return r, rule.Emit(ctx, tx, store.Event{Type: store.RoleUpdated, Actor: a.Party(), Before: roleState(p, old), After: roleState(p, r)})
}

// DeleteRole deletes a custom role that no member, pending invitation or
// partnership uses (ErrInUse otherwise). Gated by access.ManageRoles; the
// actor must hold the role's permissions. It writes RoleDeleted.
func DeleteRole(ctx context.Context, s store.Store, org, actor store.ID, name string) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, DeleteRoleTx(ctx, tx, actor, name) })
	return err
}

// DeleteRoleTx is DeleteRole inside a unit of work.
func DeleteRoleTx(ctx context.Context, tx store.Tx, actor store.ID, name string) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: role name: %w", store.ErrInvalid, err)
	}
	a, old, err := loadRole(ctx, tx, actor, name)
	if err != nil {
		return err
	}
	inUse, err := tx.RoleInUse(ctx, name)
	if err != nil {
		return err
	}
	if inUse {
		return fmt.Errorf("%w: role %q still has members, invitations or partnerships", ErrInUse, name)
	}
	if err := tx.DeleteRole(ctx, name); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.RoleDeleted, Actor: a.Party(), Before: roleState(tx.Env().Policy, old)})
}

func checkRole(p *access.Policy, name, label string, perms access.Set) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: role name: %w", store.ErrInvalid, err)
	}
	if err := rule.CheckName("role label", label, false); err != nil {
		return err
	}
	return rule.CheckPerms(p, perms)
}

func roleActor(ctx context.Context, tx store.Tx, actor store.ID) (store.Member, error) {
	return rule.GatedActor(ctx, tx, actor, access.ManageRoles)
}

// loadRole loads the actor and an existing custom role it may manage.
func loadRole(ctx context.Context, tx store.Tx, actor store.ID, name string) (store.Member, store.Role, error) {
	a, err := roleActor(ctx, tx, actor)
	if err != nil {
		return store.Member{}, store.Role{}, err
	}
	r, err := tx.Role(ctx, name)
	if err != nil {
		return store.Member{}, store.Role{}, fmt.Errorf("custom role %q: %w", name, err)
	}
	return a, r, canGrantPerms(&a, r.Perms)
}

func canGrantPerms(a *store.Member, perms access.Set) error {
	return rule.CanGrant(a, perms, a.Scopes)
}

func roleState(p *access.Policy, r store.Role) store.State {
	names, _ := p.Names(r.Perms)
	return store.State{Role: r.Name, Name: r.Label, Allow: names}
}
