package member

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// System is the actor argument of a rule that the host runs as a system
// principal, under a context from AsSystem: the zero ID, which names no
// member. Outside AsSystem it is store.ErrInvalid, as it always was.
var System store.ID

// AsSystem returns ctx under which the rules act as the host's system
// principal name ("support", "scim", "billing"; a name of the policy's form,
// else store.ErrInvalid when a rule runs), with System as their actor:
//
//	sys := member.AsSystem(ctx, "support")
//	err := member.TransferOwnership(sys, db, org, member.System, newOwner)
//
// The system has the owner's reach in every organisation: it passes every
// gate and covers every member. It breaks no invariant: it never is the
// owner, so it cannot change the owner's role or status or remove the owner
// (ErrOwnerProtected); TransferOwnership by the system names the new owner
// and completes at once; RemoveOwner removes the owner only with a named
// successor. It holds no record, so it cannot leave, accept a transfer or
// hold keys (store.ErrInvalid). Every event it writes names it in
// Event.Actor.System; the Observer sees it in Unit.System.
//
// Why a context and not an ID: an actor ID is data that can come from a
// request, and whatever value were reserved for the system, an end user
// could send it. A system context can only be made by the host's code
// calling AsSystem (its key is unexported), and under it a rule refuses
// any actor but System (store.ErrInvalid): a member's ID under a system
// context is a host bug, and it is reported instead of guessed at. An
// actor ID from a request therefore never becomes the system, and the
// system never acts as a member.
func AsSystem(ctx context.Context, name string) context.Context {
	return rule.WithSystem(ctx, name)
}

// RemoveOwner removes the owner, handing the ownership to successor (an
// active staff member) in the same unit of work: for the system only
// (AsSystem; anyone else is ErrForbidden), when the owner leaves the
// company or is deprovisioned. It writes OwnerTransferred, then
// MemberRemoved, both by the system.
func RemoveOwner(ctx context.Context, s store.Store, org, actor, successor store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) {
		return struct{}{}, RemoveOwnerTx(ctx, tx, actor, successor)
	})
	return err
}

// RemoveOwnerTx is RemoveOwner inside a unit of work.
func RemoveOwnerTx(ctx context.Context, tx store.Tx, actor, successor store.ID) error {
	if err := rule.CheckID("successor", successor); err != nil {
		return err
	}
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	if a.System() == "" {
		return fmt.Errorf("%w: only the system removes the owner; the owner transfers, then leaves", ErrForbidden)
	}
	owner, err := tx.Owner(ctx)
	if err != nil {
		return err
	}
	next, err := tx.Member(ctx, successor)
	if err != nil {
		return fmt.Errorf("successor %v: %w", successor, err)
	}
	return replaceOwner(ctx, tx, &a, &owner, &next)
}

// replaceOwner transfers the ownership from owner to next, by the system
// a, and removes owner.
func replaceOwner(ctx context.Context, tx store.Tx, a, owner, next *store.Member) error {
	if err := checkNewOwner(owner, next, tx.Now()); err != nil {
		return err
	}
	if err := transfer(ctx, tx, a, owner, next); err != nil {
		return err
	}
	demoted, err := tx.Member(ctx, owner.ID)
	if err != nil {
		return err
	}
	return drop(ctx, tx, a, &demoted, store.MemberRemoved)
}

// checkNewOwner checks the member that takes the ownership from owner at
// now, as TransferOwnership does: active, and its access not ended.
func checkNewOwner(owner, next *store.Member, now time.Time) error {
	switch {
	case next.ID == owner.ID:
		return fmt.Errorf("%w: the owner already owns the organisation", ErrSelf)
	case next.Kind != store.Staff:
		return fmt.Errorf("%w: an external collaborator cannot own the organisation", store.ErrInvalid)
	case next.Status != store.Active:
		return fmt.Errorf("%w: the new owner must be active", ErrInactive)
	case next.Expired(now):
		return fmt.Errorf("%w: the new owner's access has ended", ErrInactive)
	}
	return nil
}

// An OrgsError is a refusal of an operation on a user across
// organisations (ChangeEmail, Deprovision), given before anything changed:
// the organisations that refuse it, ordered by ID, and why (Err, which
// errors.Is matches): ErrOwnerProtected where the user owns the
// organisation and no successor was named, store.ErrAlreadyMember where the
// new e-mail is another member's.
type OrgsError struct {
	Orgs []store.ID
	Err  error
}

func (e *OrgsError) Error() string {
	ids := make([]string, len(e.Orgs))
	for i, o := range e.Orgs {
		ids[i] = o.String()
	}
	return fmt.Sprintf("%v: in organisations %s", e.Err, strings.Join(ids, ", "))
}

func (e *OrgsError) Unwrap() error { return e.Err }

// A PartialError is an operation on a user across organisations that
// failed in one organisation (Org, with Err, which errors.Is matches) after
// it was done in others (Done). Each organisation's part is atomic: Org
// holds nothing of it. The operations are idempotent; run it again to
// finish.
type PartialError struct {
	Done []store.ID
	Org  store.ID
	Err  error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("roster: done in %d organisations, then organisation %v: %v", len(e.Done), e.Org, e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// memberships lists every membership of user, checking that ctx carries
// the system (what names the operation for the error).
func memberships(ctx context.Context, s store.Store, user, what string) ([]store.Member, error) {
	if _, err := rule.System(ctx, what); err != nil {
		return nil, err
	}
	if err := rule.CheckUserID(user); err != nil {
		return nil, err
	}
	ms, err := rule.All(func(p store.Page) ([]store.Membership, string, error) { return s.UserOrgs(ctx, user, p) })
	if err != nil {
		return nil, err
	}
	out := make([]store.Member, len(ms))
	for i := range ms {
		out[i] = ms[i].Member
	}
	return out, nil
}

// eachOrg runs fn in a unit of work on each organisation in turn, and
// returns those it ran in; the first failure is a *PartialError.
func eachOrg(ctx context.Context, s store.Store, orgs []store.ID, fn func(tx store.Tx, org store.ID) error) ([]store.ID, error) {
	done := make([]store.ID, 0, len(orgs))
	for _, org := range orgs {
		ran := false
		err := s.Update(ctx, org, func(tx store.Tx) error { ran = true; return fn(tx, org) })
		var gone *notMemberError
		if errors.As(err, &gone) || !ran && errors.Is(err, store.ErrNotFound) {
			err = nil // the user left, or the organisation was deleted, meanwhile
		}
		if err != nil {
			return done, &PartialError{Done: done, Org: org, Err: err}
		}
		done = append(done, org)
	}
	return done, nil
}

// notMemberError is store.ErrNotFound for the user of an operation across
// organisations, who is not a member of one of them (any more).
type notMemberError struct{ user string }

func (e *notMemberError) Error() string { return fmt.Sprintf("user %q: %v", e.user, store.ErrNotFound) }
func (e *notMemberError) Unwrap() error { return store.ErrNotFound }

// memberByUser reads the member of user, or a *notMemberError.
func memberByUser(ctx context.Context, tx store.Tx, user string) (store.Member, error) {
	m, err := tx.MemberByUser(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		return store.Member{}, &notMemberError{user}
	}
	return m, err
}

// ChangeEmail changes the e-mail of user in every organisation it is a
// member of, as the host that verified the new address: only under
// AsSystem (store.ErrInvalid otherwise). Each organisation changes in its
// own unit of work and writes MemberEmailChanged (none where the e-mail is
// the new one already). Where the new e-mail is another member's, nothing
// changes anywhere: an *OrgsError wrapping store.ErrAlreadyMember lists
// those organisations. It returns the organisations it went through; a
// failure in one of them is a *PartialError, and a second call finishes.
func ChangeEmail(ctx context.Context, s store.Store, user, email string) ([]store.ID, error) {
	email, err := rule.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	ms, err := memberships(ctx, s, user, "changing a user's e-mail")
	if err != nil {
		return nil, err
	}
	var taken, orgs []store.ID
	for _, m := range ms {
		orgs = append(orgs, m.Org)
		if m.Email == email {
			continue
		}
		if other, err := s.MemberByEmail(ctx, m.Org, email); err == nil && other.UserID != user {
			taken = append(taken, m.Org)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if len(taken) > 0 {
		return nil, &OrgsError{Orgs: taken, Err: fmt.Errorf("%w: e-mail %q", store.ErrAlreadyMember, email)}
	}
	return eachOrg(ctx, s, orgs, func(tx store.Tx, _ store.ID) error {
		_, err := ChangeEmailTx(ctx, tx, user, email)
		return err
	})
}

// ChangeEmailTx is ChangeEmail in one organisation's unit of work. A user
// who is not a member of it is store.ErrNotFound.
func ChangeEmailTx(ctx context.Context, tx store.Tx, user, email string) (store.Member, error) {
	name, err := rule.System(ctx, "changing a user's e-mail")
	if err != nil {
		return store.Member{}, err
	}
	if err := rule.CheckUserID(user); err != nil {
		return store.Member{}, err
	}
	if email, err = rule.NormalizeEmail(email); err != nil {
		return store.Member{}, err
	}
	m, err := memberByUser(ctx, tx, user)
	if err != nil {
		return store.Member{}, err
	}
	if m.Email == email {
		return m, nil
	}
	next := m
	next.Email, next.Updated = email, tx.Now()
	if err := tx.PutMember(ctx, next); err != nil {
		return store.Member{}, err
	}
	return next, rule.Emit(ctx, tx, store.Event{Type: store.MemberEmailChanged, Actor: store.Party{System: name},
		Target: next.Party(), Before: store.State{Email: m.Email}, After: store.State{Email: email}})
}

// Deprovision removes user from every organisation it is a member of, as
// the host does when the user's account closes (SCIM, say): only under
// AsSystem (store.ErrInvalid otherwise). Where the user owns the
// organisation, successors names the user (the host's ID) who takes the
// ownership, in the same unit of work; without one for each such
// organisation nothing changes anywhere, and the error is an *OrgsError
// wrapping ErrOwnerProtected that lists them. Each organisation changes in
// its own unit of work and writes MemberRemoved (after OwnerTransferred
// where it owned), by the system. It returns the organisations it went
// through; a failure in one of them is a *PartialError, and a second call
// finishes.
//
// Memberships that begin while it runs are not seen; pending invitations to
// the user's e-mail stay (cancel them with invite.Cancel).
func Deprovision(ctx context.Context, s store.Store, user string, successors map[store.ID]string) ([]store.ID, error) {
	ms, err := memberships(ctx, s, user, "deprovisioning a user")
	if err != nil {
		return nil, err
	}
	var owned, orgs []store.ID
	for _, m := range ms {
		orgs = append(orgs, m.Org)
		if m.IsOwner() && successors[m.Org] == "" {
			owned = append(owned, m.Org)
		}
	}
	if len(owned) > 0 {
		return nil, &OrgsError{Orgs: owned, Err: fmt.Errorf("%w: user %q owns them: name a successor", ErrOwnerProtected, user)}
	}
	for _, m := range ms {
		if succ, ok := successors[m.Org]; ok {
			if err := rule.CheckUserID(succ); err != nil {
				return nil, fmt.Errorf("successor in organisation %v: %w", m.Org, err)
			}
		}
	}
	return eachOrg(ctx, s, orgs, func(tx store.Tx, org store.ID) error {
		return DeprovisionTx(ctx, tx, user, successors[org])
	})
}

// DeprovisionTx is Deprovision in one organisation's unit of work, with
// the successor there ("" where the user does not own it). A user who is
// not a member of it is store.ErrNotFound; a successor who is not a member
// is store.ErrNotFound, and one who cannot own it is refused as
// TransferOwnership refuses it.
func DeprovisionTx(ctx context.Context, tx store.Tx, user, successor string) error {
	if _, err := rule.System(ctx, "deprovisioning a user"); err != nil {
		return err
	}
	if err := rule.CheckUserID(user); err != nil {
		return err
	}
	if successor != "" {
		if err := rule.CheckUserID(successor); err != nil {
			return err
		}
	}
	a, err := rule.LoadActor(ctx, tx, System)
	if err != nil {
		return err
	}
	m, err := memberByUser(ctx, tx, user)
	if err != nil {
		return err
	}
	if !m.IsOwner() {
		return drop(ctx, tx, &a, &m, store.MemberRemoved)
	}
	if successor == "" {
		return fmt.Errorf("%w: user %q owns the organisation: name a successor", ErrOwnerProtected, user)
	}
	next, err := tx.MemberByUser(ctx, successor)
	if err != nil {
		return fmt.Errorf("successor %q: %w", successor, err)
	}
	return replaceOwner(ctx, tx, &a, &m, &next)
}
