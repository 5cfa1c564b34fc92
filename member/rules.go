package member

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/rosterhq/roster/access"
)

// The building blocks below are how every rule starts. The invite package
// uses them too, so that its refusals are the same as this package's.
//
// A rule checks, in this order, and returns the first refusal:
//
//  1. its input (ErrInvalid);
//  2. the actor: a member of the organisation (ErrNotFound) and active
//     (ErrInactive);
//  3. the gate: the actor holds the permission that gates the action, or is
//     the owner (ErrForbidden);
//  4. the target: a member of the organisation (ErrNotFound), not the actor
//     (ErrSelf), not the owner (ErrOwnerProtected), and holding no
//     permission or scope beyond the actor's (ErrEscalation);
//  5. what is granted: no permission or scope beyond the actor's
//     (ErrEscalation);
//  6. the rest of the rule (ErrSeatLimit, ErrAlreadyMember, ErrInUse, …).

// LoadActor loads the member acting in the unit of work: ErrNotFound if it is
// not a member of the organisation, ErrInactive if it is inactive.
func LoadActor(ctx context.Context, tx MemberTx, id ID) (Member, error) {
	if err := CheckID("actor", id); err != nil {
		return Member{}, err
	}
	a, err := tx.Member(ctx, id)
	if err != nil {
		return Member{}, fmt.Errorf("actor %v: %w", id, err)
	}
	if a.Status != Active {
		return Member{}, fmt.Errorf("%w: actor %v cannot act", ErrInactive, id)
	}
	return a, nil
}

// GatedActor loads the actor, as LoadActor, and checks that it may take
// action a, as Gate: steps 2 and 3 of every rule.
func GatedActor(ctx context.Context, tx MemberTx, id ID, a access.Action) (Member, error) {
	m, err := LoadActor(ctx, tx, id)
	if err != nil {
		return Member{}, err
	}
	return m, Gate(&m, a)
}

// Gate refuses with ErrForbidden unless the actor may take action a: it is
// the owner, or holds the permission the policy gates a with.
func Gate(actor *Member, a access.Action) error {
	if d := actor.ExplainDo(a); !d.Allowed {
		return fmt.Errorf("%w: %s", ErrForbidden, strings.TrimPrefix(d.String(), "denied: "))
	}
	return nil
}

// LoadTarget loads the member acted on and applies rule 4: ErrNotFound,
// ErrSelf when it is the actor, ErrOwnerProtected when it is the owner, and
// ErrEscalation when it holds more than the actor.
func LoadTarget(ctx context.Context, tx MemberTx, actor *Member, id ID) (Member, error) {
	if err := CheckID("target", id); err != nil {
		return Member{}, err
	}
	t, err := tx.Member(ctx, id)
	if err != nil {
		return Member{}, fmt.Errorf("target %v: %w", id, err)
	}
	if t.ID == actor.ID {
		return Member{}, fmt.Errorf("%w: act on another member, or leave", ErrSelf)
	}
	if t.IsOwner() {
		return Member{}, fmt.Errorf("%w: only an ownership transfer changes the owner", ErrOwnerProtected)
	}
	if err := Covers(actor, &t); err != nil {
		return Member{}, err
	}
	return t, nil
}

// Covers refuses with ErrEscalation unless the actor holds every permission
// and scope that target holds (equal is fine); the owner covers everyone.
func Covers(actor, target *Member) error {
	return CanGrant(actor, target.grant.Held(), target.Scopes)
}

// CanGrant refuses with ErrEscalation unless the actor holds every
// permission in perms and every scope in scopes.
func CanGrant(actor *Member, perms access.Set, scopes access.Scopes) error {
	if actor.IsOwner() {
		return nil
	}
	held := actor.grant.Held()
	if extra := perms.Difference(held); !extra.IsEmpty() {
		names, _ := actor.grant.Policy().Names(extra.Intersect(actor.grant.Policy().All()))
		return fmt.Errorf("%w: the actor does not hold %v", ErrEscalation, names)
	}
	if !scopes.SubsetOf(actor.Scopes) {
		return fmt.Errorf("%w: scopes %v reach beyond the actor's %v", ErrEscalation, scopes, actor.Scopes)
	}
	return nil
}

// ResolveIn resolves m in tx: its role must be the policy's or one of the
// organisation's custom roles (ErrInvalid otherwise), and external
// collaborators must have none.
func ResolveIn(ctx context.Context, tx Tx, m *Member) error {
	p := tx.Env().Policy
	if m.Kind == External {
		if m.Role != "" {
			return fmt.Errorf("%w: an external collaborator has no role", ErrInvalid)
		}
		Resolve(p, m, access.Set{})
		return nil
	}
	if _, ok := p.RolePerms(m.Role); ok {
		Resolve(p, m, access.Set{})
		return nil
	}
	if m.Role == "" {
		return fmt.Errorf("%w: a member needs a role", ErrInvalid)
	}
	r, err := tx.Role(ctx, m.Role)
	if errors.Is(err, ErrNotFound) {
		return fmt.Errorf("%w: %w: %q", ErrInvalid, access.ErrUnknownRole, m.Role)
	}
	if err != nil {
		return err
	}
	Resolve(p, m, r.Perms)
	return nil
}

// Snapshot is what an audit event records of a member.
func Snapshot(p *access.Policy, m *Member) State {
	names := func(s access.Set) []string {
		n, _ := p.Names(s.Intersect(p.All()))
		if len(n) == 0 {
			return nil
		}
		return n
	}
	return State{
		Role:    m.Role,
		Status:  m.Status.String(),
		Allow:   names(m.Allow),
		Deny:    names(m.Deny),
		Scopes:  m.Scopes.Strings(),
		Profile: m.Profile.Map(),
		Name:    m.Name,
	}
}

// Emit completes e (ID, organisation, time) and appends it to the audit log
// of the unit of work.
func Emit(ctx context.Context, tx Tx, e Event) error {
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if e.ID, err = tx.Env().NewID(); err != nil {
		return err
	}
	e.Org = o.ID
	if e.Time.IsZero() {
		e.Time = tx.Env().Time()
	}
	return tx.Append(ctx, &e)
}

// CheckProfile refuses, with ErrInvalid, profile fields that the policy p
// does not allow for role: the rule behind AddMember and SetProfile, for
// the other packages that give a member a profile (invite, for the profile
// an invitation carries).
func CheckProfile(p *access.Policy, role string, prof Profile) error {
	for k := range prof.All() {
		if !p.FieldAllowed(role, k) {
			return fmt.Errorf("%w: profile field %q is not allowed for role %q", ErrInvalid, k, role)
		}
	}
	return nil
}

// keepFields drops the profile fields that role does not allow.
func keepFields(p *access.Policy, role string, prof Profile) Profile {
	var out Profile
	for _, f := range prof.kv {
		if p.FieldAllowed(role, f.k) {
			out.kv = append(out.kv, f)
		}
	}
	return out
}

// update runs fn in a unit of work on org and returns its result.
func update[T any](ctx context.Context, s Store, org ID, fn func(Tx) (T, error)) (T, error) {
	var out T
	if err := CheckID("organisation", org); err != nil {
		return out, err
	}
	err := s.UpdateMembers(ctx, org, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}
