package member

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
)

// CreateRole creates a custom role of the organisation, beside the policy's
// (seed 000's enterprise customisation). Gated by access.ManageRoles; the
// actor grants only permissions it holds; the name must be free, and never
// the policy's. It writes RoleCreated.
func CreateRole(ctx context.Context, s Store, org, actor ID, name, label string, perms access.Set) (Role, error) {
	return update(ctx, s, org, func(tx Tx) (Role, error) { return CreateRoleTx(ctx, tx, actor, name, label, perms) })
}

// CreateRoleTx is CreateRole inside a unit of work.
func CreateRoleTx(ctx context.Context, tx Tx, actor ID, name, label string, perms access.Set) (Role, error) {
	p := tx.Env().Policy
	if err := checkRole(p, name, label, perms); err != nil {
		return Role{}, err
	}
	a, err := roleActor(ctx, tx, actor)
	if err != nil {
		return Role{}, err
	}
	if _, ok := p.Role(name); ok {
		return Role{}, fmt.Errorf("%w: role %q is the policy's", ErrExists, name)
	}
	if _, err := tx.Role(ctx, name); err == nil {
		return Role{}, fmt.Errorf("%w: role %q", ErrExists, name)
	} else if !errors.Is(err, ErrNotFound) {
		return Role{}, err
	}
	if err := canGrantPerms(&a, perms); err != nil {
		return Role{}, err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return Role{}, err
	}
	now := tx.Env().Time()
	r := Role{Org: o.ID, Name: name, Label: label, Perms: perms, Created: now, Updated: now}
	if err := tx.PutRole(ctx, r); err != nil {
		return Role{}, err
	}
	return r, Emit(ctx, tx, Event{Type: RoleCreated, Actor: a.Party(), After: roleState(p, r)})
}

// UpdateRole changes a custom role's label and permissions; its members hold
// the new permissions when next loaded. The actor must hold both the old and
// the new permissions, so what it adds to the role's members is only ever
// what it holds; it need not cover each member (one may hold more through
// individual permissions). An actor limited by scopes cannot add
// permissions to a role in use, whose holders act beyond its scopes. Gated
// by access.ManageRoles. It writes RoleUpdated.
func UpdateRole(ctx context.Context, s Store, org, actor ID, name, label string, perms access.Set) (Role, error) {
	return update(ctx, s, org, func(tx Tx) (Role, error) { return UpdateRoleTx(ctx, tx, actor, name, label, perms) })
}

// UpdateRoleTx is UpdateRole inside a unit of work.
func UpdateRoleTx(ctx context.Context, tx Tx, actor ID, name, label string, perms access.Set) (Role, error) {
	p := tx.Env().Policy
	if err := checkRole(p, name, label, perms); err != nil {
		return Role{}, err
	}
	a, old, err := loadRole(ctx, tx, actor, name)
	if err != nil {
		return Role{}, err
	}
	if err := canGrantPerms(&a, perms); err != nil {
		return Role{}, err
	}
	if added := perms.Difference(old.Perms); !a.IsOwner() && !a.Scopes.IsZero() && !added.IsEmpty() {
		// The role's holders act wherever their own scopes let them,
		// beyond an actor limited to some sites or markets.
		inUse, err := tx.RoleInUse(ctx, name)
		if err != nil {
			return Role{}, err
		}
		if inUse {
			return Role{}, fmt.Errorf("%w: an actor limited to %v cannot widen a role in use", ErrEscalation, a.Scopes)
		}
	}
	if old.Label == label && old.Perms == perms {
		return old, nil
	}
	r := old
	r.Label, r.Perms, r.Updated = label, perms, tx.Env().Time()
	if err := tx.PutRole(ctx, r); err != nil {
		return Role{}, err
	}
	return r, Emit(ctx, tx, Event{Type: RoleUpdated, Actor: a.Party(), Before: roleState(p, old), After: roleState(p, r)})
}

// DeleteRole deletes a custom role that no member, pending invitation or
// partnership uses (ErrInUse otherwise). Gated by access.ManageRoles; the
// actor must hold the role's permissions. It writes RoleDeleted.
func DeleteRole(ctx context.Context, s Store, org, actor ID, name string) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, DeleteRoleTx(ctx, tx, actor, name) })
	return err
}

// DeleteRoleTx is DeleteRole inside a unit of work.
func DeleteRoleTx(ctx context.Context, tx Tx, actor ID, name string) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: role name: %w", ErrInvalid, err)
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
	return Emit(ctx, tx, Event{Type: RoleDeleted, Actor: a.Party(), Before: roleState(tx.Env().Policy, old)})
}

func checkRole(p *access.Policy, name, label string, perms access.Set) error {
	if err := access.ValidName(name); err != nil {
		return fmt.Errorf("%w: role name: %w", ErrInvalid, err)
	}
	if err := CheckName("role label", label, false); err != nil {
		return err
	}
	return checkPerms(p, perms)
}

func roleActor(ctx context.Context, tx Tx, actor ID) (Member, error) {
	return GatedActor(ctx, tx, actor, access.ManageRoles)
}

// loadRole loads the actor and an existing custom role it may manage.
func loadRole(ctx context.Context, tx Tx, actor ID, name string) (Member, Role, error) {
	a, err := roleActor(ctx, tx, actor)
	if err != nil {
		return Member{}, Role{}, err
	}
	r, err := tx.Role(ctx, name)
	if err != nil {
		return Member{}, Role{}, fmt.Errorf("custom role %q: %w", name, err)
	}
	return a, r, canGrantPerms(&a, r.Perms)
}

func canGrantPerms(a *Member, perms access.Set) error {
	return CanGrant(a, perms, a.Scopes)
}

func roleState(p *access.Policy, r Role) State {
	names, _ := p.Names(r.Perms)
	return State{Role: r.Name, Name: r.Label, Allow: names}
}
