package member

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
)

// A call that would change nothing (a role the member already has, an
// inactive member deactivated again) succeeds and writes no event. Every
// call that changes something writes exactly one.

// NewMember describes a member to add directly, without an invitation.
type NewMember struct {
	NewUser
	Kind    Kind   // Staff (the zero value means Staff) or External
	Role    string // required for staff; empty for external collaborators
	Allow   access.Set
	Deny    access.Set
	Scopes  access.Scopes
	Profile Profile
}

// Build validates n and returns the member it describes, unresolved, for an
// organisation of the unit of work. The invite package uses it for the
// members that invitations and requests create.
func (n NewMember) Build(env *Env, org ID) (Member, error) {
	if err := n.check(env.Policy); err != nil {
		return Member{}, err
	}
	id, err := env.NewID()
	if err != nil {
		return Member{}, err
	}
	now := env.Time()
	return Member{
		ID: id, Org: org, UserID: n.UserID, Email: n.Email, Name: n.Name,
		Role: n.Role, Allow: n.Allow, Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile,
		Status: Active, Kind: n.Kind, Created: now, Updated: now,
	}, nil
}

func (n *NewMember) check(p *access.Policy) error {
	if err := n.NewUser.check(); err != nil {
		return err
	}
	if n.Kind == 0 {
		n.Kind = Staff
	}
	switch {
	case n.Kind != Staff && n.Kind != External:
		return fmt.Errorf("%w: kind %v", ErrInvalid, n.Kind)
	case n.Kind == Staff && n.Role == "":
		return fmt.Errorf("%w: a member needs a role", ErrInvalid)
	case n.Kind == External && n.Role != "":
		return fmt.Errorf("%w: an external collaborator has no role", ErrInvalid)
	}
	return checkPerms(p, n.Allow, n.Deny)
}

func checkPerms(p *access.Policy, sets ...access.Set) error {
	for _, s := range sets {
		if extra := s.Difference(p.All()); !extra.IsEmpty() {
			return fmt.Errorf("%w: %w: %v", ErrInvalid, access.ErrUnknownPermission, extra)
		}
	}
	return nil
}

// Admit checks that a member built by NewMember.Build may join the unit of
// work's organisation, granted by actor (nil for the host acting as the
// system): its role exists and is not the owner's, its profile fields are
// allowed, the actor holds all it grants, neither its user nor its e-mail
// belongs to a member already, and a staff member finds a free seat. It
// resolves m.
//
// With seatTaken (an accepted invitation's seat passes to its member),
// nothing is left to check after the collision with an existing member, so
// Admit leaves that to the caller's PutMember, which refuses it with
// ErrAlreadyMember just the same, and saves a read; the caller must return
// PutMember's error as it is.
func Admit(ctx context.Context, tx Tx, actor *Member, m *Member, seatTaken bool) error {
	p := tx.Env().Policy
	if m.Kind == Staff && p.IsOwner(m.Role) {
		return fmt.Errorf("%w: only an ownership transfer makes an owner", ErrOwnerProtected)
	}
	if err := ResolveIn(ctx, tx, m); err != nil {
		return err
	}
	if err := CheckProfile(p, m.Role, m.Profile); err != nil {
		return err
	}
	if actor != nil {
		if err := CanGrant(actor, m.grant.Held(), m.Scopes); err != nil {
			return err
		}
	}
	if seatTaken {
		return nil
	}
	if other, err := tx.MemberByUserOrEmail(ctx, m.UserID, m.Email); err == nil {
		if other.UserID == m.UserID {
			return fmt.Errorf("%w: user %q", ErrAlreadyMember, m.UserID)
		}
		return fmt.Errorf("%w: e-mail %q", ErrAlreadyMember, m.Email)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	if m.Kind == Staff {
		if err := CheckSeat(ctx, tx, 1); err != nil {
			return err
		}
	}
	return nil
}

// CheckSeat refuses with ErrSeatLimit unless n more seats fit within the
// organisation's limit.
func CheckSeat(ctx context.Context, tx Tx, n int) error {
	o, err := tx.Org(ctx)
	if err != nil || o.SeatLimit == 0 {
		return err
	}
	taken, err := tx.Seats(ctx, tx.Env().Time())
	if err != nil {
		return err
	}
	if taken+n > o.SeatLimit {
		return fmt.Errorf("%w: %d of %d seats taken", ErrSeatLimit, taken, o.SeatLimit)
	}
	return nil
}

// AddMember adds a member directly, for hosts that create accounts
// themselves (seed 000). Gated by access.AddMember. It writes MemberAdded.
func AddMember(ctx context.Context, s Store, org, actor ID, n NewMember) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return AddMemberTx(ctx, tx, actor, n) })
}

// AddMemberTx is AddMember inside a unit of work.
func AddMemberTx(ctx context.Context, tx Tx, actor ID, n NewMember) (Member, error) {
	o, err := tx.Org(ctx)
	if err != nil {
		return Member{}, err
	}
	m, err := n.Build(tx.Env(), o.ID)
	if err != nil {
		return Member{}, err
	}
	a, err := GatedActor(ctx, tx, actor, access.AddMember)
	if err != nil {
		return Member{}, err
	}
	if err := Admit(ctx, tx, &a, &m, false); err != nil {
		return Member{}, err
	}
	if err := tx.PutMember(ctx, m); err != nil {
		return Member{}, err
	}
	return m, Emit(ctx, tx, Event{Type: MemberAdded, Actor: a.Party(), Target: m.Party(), After: Snapshot(tx.Env().Policy, &m)})
}

// change is the shape of every rule that modifies one member: load the
// actor, check the gate, load the target, let edit produce the new record,
// check what it grants, write it and its event.
func change(ctx context.Context, tx Tx, actorID, targetID ID, gate access.Action, typ EventType,
	edit func(a, t *Member) (Member, error)) (Member, error) {
	a, err := GatedActor(ctx, tx, actorID, gate)
	if err != nil {
		return Member{}, err
	}
	t, err := LoadTarget(ctx, tx, &a, targetID)
	if err != nil {
		return Member{}, err
	}
	next, err := edit(&a, &t)
	if err != nil {
		return Member{}, err
	}
	return commit(ctx, tx, &a, &t, next, typ)
}

// commit resolves next, checks that the actor holds what next holds, and
// writes it with one event, unless nothing changed. A transfer of ownership
// proposed to a member it makes inactive lapses, and the event says so.
func commit(ctx context.Context, tx Tx, a, before *Member, next Member, typ EventType) (Member, error) {
	if err := ResolveIn(ctx, tx, &next); err != nil {
		return Member{}, err
	}
	if err := CanGrant(a, next.grant.Held(), next.Scopes); err != nil {
		return Member{}, err
	}
	if same(before, &next) {
		return next, nil
	}
	next.Updated = tx.Env().Time()
	if err := tx.PutMember(ctx, next); err != nil {
		return Member{}, err
	}
	p := tx.Env().Policy
	e := Event{Type: typ, Actor: a.Party(), Target: next.Party(), Before: Snapshot(p, before), After: Snapshot(p, &next)}
	if before.Status == Active && next.Status == Inactive {
		var err error
		if e.Before.ProposedOwner, err = clearTransfer(ctx, tx, next.ID); err != nil {
			return Member{}, err
		}
	}
	return next, Emit(ctx, tx, e)
}

func same(a, b *Member) bool {
	return a.Role == b.Role && a.Allow == b.Allow && a.Deny == b.Deny && a.Scopes.Equal(b.Scopes) &&
		a.Status == b.Status && a.Name == b.Name && a.Profile.Equal(b.Profile)
}

// ChangeRole gives target another role of the policy or a custom role of the
// organisation. Gated by access.ChangeRole; the owner role is refused
// (ErrOwnerProtected): only a transfer makes an owner. Profile fields the
// new role does not allow are dropped. It writes MemberRoleChanged.
func ChangeRole(ctx context.Context, s Store, org, actor, target ID, role string) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return ChangeRoleTx(ctx, tx, actor, target, role) })
}

// ChangeRoleTx is ChangeRole inside a unit of work.
func ChangeRoleTx(ctx context.Context, tx Tx, actor, target ID, role string) (Member, error) {
	if role == "" {
		return Member{}, fmt.Errorf("%w: empty role", ErrInvalid)
	}
	p := tx.Env().Policy
	return change(ctx, tx, actor, target, access.ChangeRole, MemberRoleChanged, func(a, t *Member) (Member, error) {
		if t.Kind == External {
			return Member{}, fmt.Errorf("%w: an external collaborator has no role; set its permissions", ErrInvalid)
		}
		if p.IsOwner(role) {
			return Member{}, fmt.Errorf("%w: only an ownership transfer makes an owner", ErrOwnerProtected)
		}
		next := *t
		next.Role = role
		next.Profile = keepFields(p, role, t.Profile)
		return next, nil
	})
}

// SetPermissions customises target's permissions: allow adds to its role's,
// deny withdraws from them (seed 000's enterprise permissions, seed 004's
// per-module access; for an external collaborator, allow is all it holds).
// Gated by access.ChangeRole. It writes MemberPermsSet.
func SetPermissions(ctx context.Context, s Store, org, actor, target ID, allow, deny access.Set) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return SetPermissionsTx(ctx, tx, actor, target, allow, deny) })
}

// SetPermissionsTx is SetPermissions inside a unit of work.
func SetPermissionsTx(ctx context.Context, tx Tx, actor, target ID, allow, deny access.Set) (Member, error) {
	if err := checkPerms(tx.Env().Policy, allow, deny); err != nil {
		return Member{}, err
	}
	return change(ctx, tx, actor, target, access.ChangeRole, MemberPermsSet, func(a, t *Member) (Member, error) {
		next := *t
		next.Allow, next.Deny = allow, deny
		return next, nil
	})
}

// SetScopes limits where target's permissions apply (sites, markets, sets);
// zero Scopes lifts every limit. Gated by access.ChangeRole; the actor can
// grant only scopes it holds. It writes MemberScopesSet.
func SetScopes(ctx context.Context, s Store, org, actor, target ID, scopes access.Scopes) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return SetScopesTx(ctx, tx, actor, target, scopes) })
}

// SetScopesTx is SetScopes inside a unit of work.
func SetScopesTx(ctx context.Context, tx Tx, actor, target ID, scopes access.Scopes) (Member, error) {
	return change(ctx, tx, actor, target, access.ChangeRole, MemberScopesSet, func(a, t *Member) (Member, error) {
		next := *t
		next.Scopes = scopes
		return next, nil
	})
}

// UpdateProfile sets target's display name and profile fields. A member may
// change its own name; changing profile fields, or another member's
// profile, is gated by access.EditProfile. Fields must be allowed for the
// member's role. It writes MemberProfileSet.
func UpdateProfile(ctx context.Context, s Store, org, actor, target ID, name string, prof Profile) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return UpdateProfileTx(ctx, tx, actor, target, name, prof) })
}

// UpdateProfileTx is UpdateProfile inside a unit of work.
func UpdateProfileTx(ctx context.Context, tx Tx, actor, target ID, name string, prof Profile) (Member, error) {
	if err := CheckName("display name", name, false); err != nil {
		return Member{}, err
	}
	edit := func(a, t *Member) (Member, error) {
		if err := CheckProfile(tx.Env().Policy, t.Role, prof); err != nil {
			return Member{}, err
		}
		next := *t
		next.Name, next.Profile = name, prof
		return next, nil
	}
	if actor != target {
		return change(ctx, tx, actor, target, access.EditProfile, MemberProfileSet, edit)
	}
	a, err := LoadActor(ctx, tx, actor)
	if err != nil {
		return Member{}, err
	}
	if !prof.Equal(a.Profile) {
		if err := Gate(&a, access.EditProfile); err != nil {
			return Member{}, err
		}
	}
	next, err := edit(&a, &a)
	if err != nil {
		return Member{}, err
	}
	return commit(ctx, tx, &a, &a, next, MemberProfileSet)
}

// Deactivate makes target inactive: it can do nothing through its own
// session, and keeps its record, role and keys. Gated by
// access.ChangeStatus. It writes MemberDeactivated. A transfer of ownership
// proposed to target lapses, and the event's Before.ProposedOwner says so.
func Deactivate(ctx context.Context, s Store, org, actor, target ID) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return DeactivateTx(ctx, tx, actor, target) })
}

// DeactivateTx is Deactivate inside a unit of work.
func DeactivateTx(ctx context.Context, tx Tx, actor, target ID) (Member, error) {
	return setStatus(ctx, tx, actor, target, Inactive, MemberDeactivated)
}

// Reactivate restores exactly what target had before it was deactivated.
// Gated by access.ChangeStatus. It writes MemberReactivated.
func Reactivate(ctx context.Context, s Store, org, actor, target ID) (Member, error) {
	return update(ctx, s, org, func(tx Tx) (Member, error) { return ReactivateTx(ctx, tx, actor, target) })
}

// ReactivateTx is Reactivate inside a unit of work.
func ReactivateTx(ctx context.Context, tx Tx, actor, target ID) (Member, error) {
	return setStatus(ctx, tx, actor, target, Active, MemberReactivated)
}

func setStatus(ctx context.Context, tx Tx, actor, target ID, st Status, typ EventType) (Member, error) {
	return change(ctx, tx, actor, target, access.ChangeStatus, typ, func(a, t *Member) (Member, error) {
		next := *t
		next.Status = st
		return next, nil
	})
}

// Remove removes target from the organisation: its access and API keys stop
// at once; the audit log keeps its history. Gated by access.Remove. It
// writes MemberRemoved. A transfer of ownership proposed to target lapses,
// and the event's Before.ProposedOwner says so.
func Remove(ctx context.Context, s Store, org, actor, target ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, RemoveTx(ctx, tx, actor, target) })
	return err
}

// RemoveTx is Remove inside a unit of work.
func RemoveTx(ctx context.Context, tx Tx, actor, target ID) error {
	a, err := GatedActor(ctx, tx, actor, access.Remove)
	if err != nil {
		return err
	}
	t, err := LoadTarget(ctx, tx, &a, target)
	if err != nil {
		return err
	}
	return drop(ctx, tx, &a, &t, MemberRemoved)
}

func drop(ctx context.Context, tx Tx, a, t *Member, typ EventType) error {
	if err := tx.DeleteMember(ctx, t.ID); err != nil {
		return err
	}
	before := Snapshot(tx.Env().Policy, t)
	var err error
	if before.ProposedOwner, err = clearTransfer(ctx, tx, t.ID); err != nil {
		return err
	}
	return Emit(ctx, tx, Event{Type: typ, Actor: a.Party(), Target: t.Party(), Before: before})
}

// Leave removes the actor from the organisation at its own request. The
// owner cannot leave before transferring ownership (ErrOwnerProtected). It
// writes MemberLeft. A transfer of ownership proposed to the actor lapses,
// and the event's Before.ProposedOwner says so.
func Leave(ctx context.Context, s Store, org, actor ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, LeaveTx(ctx, tx, actor) })
	return err
}

// LeaveTx is Leave inside a unit of work.
func LeaveTx(ctx context.Context, tx Tx, actor ID) error {
	a, err := LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	if a.IsOwner() {
		return fmt.Errorf("%w: the owner must transfer ownership before leaving", ErrOwnerProtected)
	}
	return drop(ctx, tx, &a, &a, MemberLeft)
}
