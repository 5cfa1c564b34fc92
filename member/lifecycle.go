package member

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// A call that would change nothing (a role the member already has, an
// inactive member deactivated again) succeeds and writes no event. Every
// call that changes something writes exactly one.

// NewMember describes a member to add directly, without an invitation.
type NewMember struct {
	NewUser
	Kind    store.Kind // Staff (the zero value means Staff) or External
	Role    string     // required for staff; empty for external collaborators
	Allow   access.Set
	Deny    access.Set
	Scopes  access.Scopes
	Profile store.Profile
	// Until, if set, is when the member's access ends (store.Member.Until);
	// it must come after the unit of work's time (store.ErrInvalid).
	Until time.Time
}

// build validates n and returns the member it describes, unresolved.
func (n NewMember) build(tx store.Tx, org store.ID) (store.Member, error) {
	return rule.NewMember(tx, store.Member{
		Org: org, UserID: n.UserID, Email: n.Email, Name: n.Name, Kind: n.Kind,
		Role: n.Role, Allow: n.Allow, Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile, Until: n.Until,
	})
}

// AddMember adds a member directly, for hosts that create accounts
// themselves (seed 000). An external collaborator needs at least one
// permission, and no permission may be both allowed and denied
// (ErrInvalid). Gated by access.AddMember. It writes MemberAdded.
func AddMember(ctx context.Context, s store.Store, org, actor store.ID, n NewMember) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return AddMemberTx(ctx, tx, actor, n) })
}

// AddMemberTx is AddMember inside a unit of work.
func AddMemberTx(ctx context.Context, tx store.Tx, actor store.ID, n NewMember) (store.Member, error) {
	o, err := tx.Org(ctx)
	if err != nil {
		return store.Member{}, err
	}
	m, err := n.build(tx, o.ID)
	if err != nil {
		return store.Member{}, err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.AddMember)
	if err != nil {
		return store.Member{}, err
	}
	if err := rule.Admit(ctx, tx, &a, &m, false); err != nil {
		return store.Member{}, err
	}
	if err := tx.PutMember(ctx, m); err != nil {
		return store.Member{}, err
	}
	return m, rule.Emit(ctx, tx, store.Event{Type: store.MemberAdded, Actor: a.Party(), Target: m.Party(), After: rule.Snapshot(tx.Env().Policy, &m)})
}

// change is the shape of every rule that modifies one member: load the
// actor, check the gate, load the target, let edit produce the new record,
// check what it grants, write it and its event.
func change(ctx context.Context, tx store.Tx, actorID, targetID store.ID, gate access.Action, typ store.EventType,
	edit func(a, t *store.Member) (store.Member, error)) (store.Member, error) {
	a, err := rule.GatedActor(ctx, tx, actorID, gate)
	if err != nil {
		return store.Member{}, err
	}
	t, err := rule.LoadTarget(ctx, tx, &a, targetID)
	if err != nil {
		return store.Member{}, err
	}
	next, err := edit(&a, &t)
	if err != nil {
		return store.Member{}, err
	}
	return commit(ctx, tx, &a, &t, next, typ)
}

// commit resolves next, checks that the actor holds what next holds, and
// writes it with one event, unless nothing changed. A transfer of ownership
// proposed to a member it makes inactive lapses, and the event says so.
func commit(ctx context.Context, tx store.Tx, a, before *store.Member, next store.Member, typ store.EventType) (store.Member, error) {
	if err := rule.ResolveIn(ctx, tx, &next); err != nil {
		if !errors.Is(err, access.ErrUnknownRole) || next.Role != before.Role {
			return store.Member{}, err
		}
		// A role the policy and the organisation no longer have, kept as
		// it was (store.StaleName): it grants nothing, and the member can
		// still be acted on, its role changed among others.
		store.Resolve(tx.Env().Policy, &next, access.Set{})
	}
	if err := rule.CanGrant(a, next.Grant().Held(), next.Scopes); err != nil {
		return store.Member{}, err
	}
	if same(before, &next) {
		return next, nil
	}
	next.Updated = tx.Now()
	if err := tx.PutMember(ctx, next); err != nil {
		return store.Member{}, err
	}
	p := tx.Env().Policy
	e := store.Event{Type: typ, Actor: a.Party(), Target: next.Party(), Before: rule.Snapshot(p, before), After: rule.Snapshot(p, &next)}
	if before.Status == store.Active && next.Status == store.Inactive {
		var err error
		if e.Before.ProposedOwner, err = clearTransfer(ctx, tx, next.ID); err != nil {
			return store.Member{}, err
		}
	}
	return next, rule.Emit(ctx, tx, e)
}

func same(a, b *store.Member) bool {
	return a.Role == b.Role && a.Allow == b.Allow && a.Deny == b.Deny && a.Scopes.Equal(b.Scopes) &&
		a.Status == b.Status && a.Name == b.Name && a.Profile.Equal(b.Profile)
}

// ChangeRole gives target another role of the policy or a custom role of the
// organisation. Gated by access.ChangeRole; the owner role is refused
// (ErrOwnerProtected): only a transfer makes an owner. Profile fields the
// new role does not allow are dropped. It writes MemberRoleChanged.
func ChangeRole(ctx context.Context, s store.Store, org, actor, target store.ID, role string) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return ChangeRoleTx(ctx, tx, actor, target, role) })
}

// ChangeRoleTx is ChangeRole inside a unit of work.
func ChangeRoleTx(ctx context.Context, tx store.Tx, actor, target store.ID, role string) (store.Member, error) {
	if role == "" {
		return store.Member{}, fmt.Errorf("%w: empty role", store.ErrInvalid)
	}
	p := tx.Env().Policy
	return change(ctx, tx, actor, target, access.ChangeRole, store.MemberRoleChanged, func(a, t *store.Member) (store.Member, error) {
		if t.Kind == store.External {
			return store.Member{}, fmt.Errorf("%w: an external collaborator has no role; set its permissions", store.ErrInvalid)
		}
		if p.IsOwner(role) {
			return store.Member{}, fmt.Errorf("%w: only an ownership transfer makes an owner", ErrOwnerProtected)
		}
		next := *t
		next.Role = role
		next.Profile = rule.KeepFields(p, role, t.Profile)
		return next, nil
	})
}

// SetPermissions customises target's permissions: allow adds to its role's,
// deny withdraws from them (seed 000's enterprise permissions, seed 004's
// per-module access; for an external collaborator, allow is all it holds,
// and cannot be empty). A permission both allowed and denied is
// contradictory: ErrInvalid. Gated by access.ChangeRole. It writes
// MemberPermsSet.
func SetPermissions(ctx context.Context, s store.Store, org, actor, target store.ID, allow, deny access.Set) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return SetPermissionsTx(ctx, tx, actor, target, allow, deny) })
}

// SetPermissionsTx is SetPermissions inside a unit of work.
func SetPermissionsTx(ctx context.Context, tx store.Tx, actor, target store.ID, allow, deny access.Set) (store.Member, error) {
	if err := rule.CheckAllowDeny(tx.Env().Policy, allow, deny); err != nil {
		return store.Member{}, err
	}
	return change(ctx, tx, actor, target, access.ChangeRole, store.MemberPermsSet, func(a, t *store.Member) (store.Member, error) {
		if t.Kind == store.External && allow.IsEmpty() {
			return store.Member{}, fmt.Errorf("%w: an external collaborator needs at least one permission", store.ErrInvalid)
		}
		next := *t
		next.Allow, next.Deny = allow, deny
		return next, nil
	})
}

// SetScopes limits where target's permissions apply (sites, markets, sets);
// zero Scopes lifts every limit. Gated by access.ChangeRole; the actor can
// grant only scopes it holds. It writes MemberScopesSet.
func SetScopes(ctx context.Context, s store.Store, org, actor, target store.ID, scopes access.Scopes) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return SetScopesTx(ctx, tx, actor, target, scopes) })
}

// SetScopesTx is SetScopes inside a unit of work.
func SetScopesTx(ctx context.Context, tx store.Tx, actor, target store.ID, scopes access.Scopes) (store.Member, error) {
	return change(ctx, tx, actor, target, access.ChangeRole, store.MemberScopesSet, func(a, t *store.Member) (store.Member, error) {
		next := *t
		next.Scopes = scopes
		return next, nil
	})
}

// UpdateProfile sets target's display name and profile fields. A member may
// change its own name; changing profile fields, or another member's
// profile, is gated by access.EditProfile. Fields must be allowed for the
// member's role. It writes MemberProfileSet.
func UpdateProfile(ctx context.Context, s store.Store, org, actor, target store.ID, name string, prof store.Profile) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return UpdateProfileTx(ctx, tx, actor, target, name, prof) })
}

// UpdateProfileTx is UpdateProfile inside a unit of work.
func UpdateProfileTx(ctx context.Context, tx store.Tx, actor, target store.ID, name string, prof store.Profile) (store.Member, error) {
	if err := rule.CheckName("display name", name, false); err != nil {
		return store.Member{}, err
	}
	edit := func(a, t *store.Member) (store.Member, error) {
		if err := rule.CheckProfile(tx.Env().Policy, t.Role, prof); err != nil {
			return store.Member{}, err
		}
		next := *t
		next.Name, next.Profile = name, prof
		return next, nil
	}
	if actor != target {
		return change(ctx, tx, actor, target, access.EditProfile, store.MemberProfileSet, edit)
	}
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return store.Member{}, err
	}
	if a.System() != "" {
		return store.Member{}, fmt.Errorf("%w: the system has no profile; name the member", store.ErrInvalid)
	}
	if !prof.Equal(a.Profile) {
		if err := rule.Gate(&a, access.EditProfile); err != nil {
			return store.Member{}, err
		}
	}
	next, err := edit(&a, &a)
	if err != nil {
		return store.Member{}, err
	}
	return commit(ctx, tx, &a, &a, next, store.MemberProfileSet)
}

// A ProfilePatch changes part of a member's profile, and leaves the rest as
// it is: the display name if Name is set, each field of Set to its value,
// and each field of Unset removed. A field both set and unset is
// store.ErrInvalid.
type ProfilePatch struct {
	Name  *string
	Set   map[string]string
	Unset []string
}

// PatchProfile applies p to target's profile, as UpdateProfile sets the
// result: the same gates, the same event, and no need to send the fields
// that do not change.
func PatchProfile(ctx context.Context, s store.Store, org, actor, target store.ID, p ProfilePatch) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return PatchProfileTx(ctx, tx, actor, target, p) })
}

// PatchProfileTx is PatchProfile inside a unit of work.
func PatchProfileTx(ctx context.Context, tx store.Tx, actor, target store.ID, p ProfilePatch) (store.Member, error) {
	for _, k := range p.Unset {
		if _, both := p.Set[k]; both {
			return store.Member{}, fmt.Errorf("%w: profile field %q both set and unset", store.ErrInvalid, k)
		}
	}
	if err := rule.CheckActor(ctx, actor); err != nil {
		return store.Member{}, err
	}
	if err := rule.CheckID("member", target); err != nil {
		return store.Member{}, err
	}
	t, err := tx.Member(ctx, target)
	if err != nil {
		return store.Member{}, fmt.Errorf("member %v: %w", target, err)
	}
	name := t.Name
	if p.Name != nil {
		name = *p.Name
	}
	fields := t.Profile.Map()
	if fields == nil {
		fields = make(map[string]string, len(p.Set))
	}
	maps.Copy(fields, p.Set)
	for _, k := range p.Unset {
		delete(fields, k)
	}
	prof, err := store.NewProfile(fields)
	if err != nil {
		return store.Member{}, err
	}
	return UpdateProfileTx(ctx, tx, actor, target, name, prof)
}

// Deactivate makes target inactive: it can do nothing through its own
// session, and keeps its record, role and keys. Gated by
// access.ChangeStatus. It writes MemberDeactivated. A transfer of ownership
// proposed to target lapses, and the event's Before.ProposedOwner says so.
func Deactivate(ctx context.Context, s store.Store, org, actor, target store.ID) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return DeactivateTx(ctx, tx, actor, target) })
}

// DeactivateTx is Deactivate inside a unit of work.
func DeactivateTx(ctx context.Context, tx store.Tx, actor, target store.ID) (store.Member, error) {
	return setStatus(ctx, tx, actor, target, store.Inactive, store.MemberDeactivated)
}

// Reactivate restores exactly what target had before it was deactivated.
// Gated by access.ChangeStatus. It writes MemberReactivated.
func Reactivate(ctx context.Context, s store.Store, org, actor, target store.ID) (store.Member, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Member, error) { return ReactivateTx(ctx, tx, actor, target) })
}

// ReactivateTx is Reactivate inside a unit of work.
func ReactivateTx(ctx context.Context, tx store.Tx, actor, target store.ID) (store.Member, error) {
	return setStatus(ctx, tx, actor, target, store.Active, store.MemberReactivated)
}

func setStatus(ctx context.Context, tx store.Tx, actor, target store.ID, st store.Status, typ store.EventType) (store.Member, error) {
	return change(ctx, tx, actor, target, access.ChangeStatus, typ, func(a, t *store.Member) (store.Member, error) {
		next := *t
		next.Status = st
		return next, nil
	})
}

// Remove removes target from the organisation: its access and API keys stop
// at once; the audit log keeps its history. Gated by access.Remove. It
// writes MemberRemoved. A transfer of ownership proposed to target lapses,
// and the event's Before.ProposedOwner says so.
func Remove(ctx context.Context, s store.Store, org, actor, target store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, RemoveTx(ctx, tx, actor, target) })
	return err
}

// RemoveTx is Remove inside a unit of work.
func RemoveTx(ctx context.Context, tx store.Tx, actor, target store.ID) error {
	a, err := rule.GatedActor(ctx, tx, actor, access.Remove)
	if err != nil {
		return err
	}
	t, err := rule.LoadTarget(ctx, tx, &a, target)
	if err != nil {
		return err
	}
	return drop(ctx, tx, &a, &t, store.MemberRemoved)
}

func drop(ctx context.Context, tx store.Tx, a, t *store.Member, typ store.EventType) error {
	if err := tx.DeleteMember(ctx, t.ID); err != nil {
		return err
	}
	before := rule.Snapshot(tx.Env().Policy, t)
	var err error
	if before.ProposedOwner, err = clearTransfer(ctx, tx, t.ID); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: typ, Actor: a.Party(), Target: t.Party(), Before: before})
}

// Leave removes the actor from the organisation at its own request. The
// owner cannot leave before transferring ownership (ErrOwnerProtected). It
// writes MemberLeft. A transfer of ownership proposed to the actor lapses,
// and the event's Before.ProposedOwner says so.
func Leave(ctx context.Context, s store.Store, org, actor store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, LeaveTx(ctx, tx, actor) })
	return err
}

// LeaveTx is Leave inside a unit of work.
func LeaveTx(ctx context.Context, tx store.Tx, actor store.ID) error {
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	if a.System() != "" {
		return fmt.Errorf("%w: the system is no member and cannot leave; it removes (Remove, RemoveOwner)", store.ErrInvalid)
	}
	if a.IsOwner() {
		return fmt.Errorf("%w: the owner must transfer ownership before leaving", ErrOwnerProtected)
	}
	return drop(ctx, tx, &a, &a, store.MemberLeft)
}
