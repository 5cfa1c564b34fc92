package member

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// TransferOwnership makes to the owner at once. Only the owner may; the
// previous owner takes the policy's DemoteOwnerTo role. The new owner must be
// an active staff member whose access has not ended; an end it had is
// cleared, for the owner has none. It writes OwnerTransferred.
func TransferOwnership(ctx context.Context, s store.Store, org, actor, to store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, TransferOwnershipTx(ctx, tx, actor, to) })
	return err
}

// TransferOwnershipTx is TransferOwnership inside a unit of work.
//
// Under member.AsSystem (the host acting as its support, say, in seeds 001
// and 003, where the owner cannot be reached) the system transfers the
// ownership at once to the member it names, with the same checks of the
// new owner; the event's Actor names the system.
func TransferOwnershipTx(ctx context.Context, tx store.Tx, actor, to store.ID) error {
	a, owner, next, err := transferParties(ctx, tx, actor, to)
	if err != nil {
		return err
	}
	return transfer(ctx, tx, &a, &owner, &next)
}

// ProposeTransfer proposes ownership to to, who becomes the owner when it
// accepts (AcceptTransfer). Only the owner may; a new proposal replaces the
// previous one. It writes TransferProposed. The proposal lapses if to is
// deactivated, removed or leaves first: that change's event has
// Before.ProposedOwner set.
func ProposeTransfer(ctx context.Context, s store.Store, org, actor, to store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, ProposeTransferTx(ctx, tx, actor, to) })
	return err
}

// ProposeTransferTx is ProposeTransfer inside a unit of work.
func ProposeTransferTx(ctx context.Context, tx store.Tx, actor, to store.ID) error {
	a, _, next, err := transferParties(ctx, tx, actor, to)
	if err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil || o.PendingOwner == to {
		return err
	}
	o.PendingOwner, o.Updated = to, tx.Now()
	if err := tx.PutOrg(ctx, o); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.TransferProposed, Actor: a.Party(), Target: next.Party()})
}

// AcceptTransfer completes the transfer proposed to the actor, which becomes
// the owner. Without a proposal to the actor it is ErrNotFound. It writes
// OwnerTransferred.
func AcceptTransfer(ctx context.Context, s store.Store, org, actor store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, AcceptTransferTx(ctx, tx, actor) })
	return err
}

// AcceptTransferTx is AcceptTransfer inside a unit of work.
func AcceptTransferTx(ctx context.Context, tx store.Tx, actor store.ID) error {
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	if a.System() != "" {
		return fmt.Errorf("%w: the system accepts no transfer; it transfers at once (TransferOwnership)", store.ErrInvalid)
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if o.PendingOwner != a.ID {
		return fmt.Errorf("%w: no ownership transfer is proposed to the actor", store.ErrNotFound)
	}
	owner, err := tx.Owner(ctx)
	if err != nil {
		return err
	}
	return transfer(ctx, tx, &a, &owner, &a)
}

// CancelTransfer withdraws a proposed transfer: the owner cancels it, or the
// member it was proposed to declines it. Without one it is ErrNotFound;
// anyone else is ErrForbidden. It writes TransferCancelled.
func CancelTransfer(ctx context.Context, s store.Store, org, actor store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, CancelTransferTx(ctx, tx, actor) })
	return err
}

// CancelTransferTx is CancelTransfer inside a unit of work.
func CancelTransferTx(ctx context.Context, tx store.Tx, actor store.ID) error {
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if o.PendingOwner == uuid.Nil {
		return fmt.Errorf("%w: no ownership transfer is proposed", store.ErrNotFound)
	}
	if !a.IsOwner() && a.ID != o.PendingOwner {
		return fmt.Errorf("%w: only the owner or the proposed owner may cancel a transfer", ErrForbidden)
	}
	to := o.PendingOwner
	o.PendingOwner, o.Updated = uuid.Nil, tx.Now()
	if err := tx.PutOrg(ctx, o); err != nil {
		return err
	}
	t, err := tx.Member(ctx, to)
	if err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.TransferCancelled, Actor: a.Party(), Target: t.Party()})
}

// transferParties checks a transfer from actor to to: actor is the owner
// or the system (ErrForbidden), to is another (ErrSelf) active
// (ErrInactive) staff member (ErrInvalid) of the organisation
// (ErrNotFound). It returns the actor, the owner and the new owner.
func transferParties(ctx context.Context, tx store.Tx, actor, to store.ID) (a, owner, next store.Member, err error) {
	fail := func(err error) (store.Member, store.Member, store.Member, error) {
		return store.Member{}, store.Member{}, store.Member{}, err
	}
	if err := rule.CheckID("new owner", to); err != nil {
		return fail(err)
	}
	if a, err = rule.LoadActor(ctx, tx, actor); err != nil {
		return fail(err)
	}
	owner = a
	if a.System() != "" {
		if owner, err = tx.Owner(ctx); err != nil {
			return fail(err)
		}
	} else if !owner.IsOwner() {
		return fail(fmt.Errorf("%w: only the owner transfers ownership", ErrForbidden))
	}
	if next, err = tx.Member(ctx, to); err != nil {
		return fail(fmt.Errorf("new owner %v: %w", to, err))
	}
	switch {
	case next.ID == owner.ID:
		return fail(fmt.Errorf("%w: the owner already owns the organisation", ErrSelf))
	case next.Kind != store.Staff:
		return fail(fmt.Errorf("%w: an external collaborator cannot own the organisation", store.ErrInvalid))
	case next.Status != store.Active:
		return fail(fmt.Errorf("%w: the new owner must be active", ErrInactive))
	case next.Expired(tx.Now()):
		return fail(fmt.Errorf("%w: the new owner's access has ended", ErrInactive))
	}
	return a, owner, next, nil
}

// transfer demotes owner and promotes next, clears any proposal, and writes
// OwnerTransferred.
func transfer(ctx context.Context, tx store.Tx, actor, owner, next *store.Member) error {
	env := tx.Env()
	p, now := env.Policy, tx.Now()
	demoted := *owner
	demoted.Role, demoted.Updated = p.DemoteOwnerTo().Name, now
	demoted.Profile = rule.KeepFields(p, demoted.Role, demoted.Profile)
	promoted := *next
	promoted.Role, promoted.Updated = p.Owner().Name, now
	promoted.Allow, promoted.Deny, promoted.Scopes = access.Set{}, access.Set{}, access.Scopes{}
	promoted.Until, promoted.EndRecorded = time.Time{}, false // the owner has no end
	promoted.Profile = rule.KeepFields(p, promoted.Role, promoted.Profile)
	if err := tx.PutMember(ctx, demoted); err != nil {
		return err
	}
	if err := tx.PutMember(ctx, promoted); err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if o.PendingOwner != uuid.Nil {
		o.PendingOwner, o.Updated = uuid.Nil, now
		if err := tx.PutOrg(ctx, o); err != nil {
			return err
		}
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.OwnerTransferred, Actor: actor.Party(), Target: promoted.Party(),
		Before: store.State{Role: next.Role, Name: owner.Name, Email: owner.Email},
		After:  store.State{Role: promoted.Role, Name: promoted.Name, Email: promoted.Email}})
}
