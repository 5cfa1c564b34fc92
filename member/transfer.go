package member

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
)

// TransferOwnership makes to the owner at once. Only the owner may; the
// previous owner takes the policy's DemoteOwnerTo role. The new owner must be
// an active staff member. It writes OwnerTransferred.
func TransferOwnership(ctx context.Context, s Store, org, actor, to ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, TransferOwnershipTx(ctx, tx, actor, to) })
	return err
}

// TransferOwnershipTx is TransferOwnership inside a unit of work.
func TransferOwnershipTx(ctx context.Context, tx Tx, actor, to ID) error {
	owner, next, err := transferParties(ctx, tx, actor, to)
	if err != nil {
		return err
	}
	return transfer(ctx, tx, &owner, &owner, &next)
}

// ProposeTransfer proposes ownership to to, who becomes the owner when it
// accepts (AcceptTransfer). Only the owner may; a new proposal replaces the
// previous one. It writes TransferProposed. The proposal lapses if to is
// deactivated, removed or leaves first: that change's event has
// Before.ProposedOwner set.
func ProposeTransfer(ctx context.Context, s Store, org, actor, to ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, ProposeTransferTx(ctx, tx, actor, to) })
	return err
}

// ProposeTransferTx is ProposeTransfer inside a unit of work.
func ProposeTransferTx(ctx context.Context, tx Tx, actor, to ID) error {
	owner, next, err := transferParties(ctx, tx, actor, to)
	if err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil || o.PendingOwner == to {
		return err
	}
	o.PendingOwner, o.Updated = to, tx.Env().Time()
	if err := tx.PutOrg(ctx, o); err != nil {
		return err
	}
	return Emit(ctx, tx, Event{Type: TransferProposed, Actor: owner.Party(), Target: next.Party()})
}

// AcceptTransfer completes the transfer proposed to the actor, which becomes
// the owner. Without a proposal to the actor it is ErrNotFound. It writes
// OwnerTransferred.
func AcceptTransfer(ctx context.Context, s Store, org, actor ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, AcceptTransferTx(ctx, tx, actor) })
	return err
}

// AcceptTransferTx is AcceptTransfer inside a unit of work.
func AcceptTransferTx(ctx context.Context, tx Tx, actor ID) error {
	a, err := LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if o.PendingOwner != a.ID {
		return fmt.Errorf("%w: no ownership transfer is proposed to the actor", ErrNotFound)
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
func CancelTransfer(ctx context.Context, s Store, org, actor ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, CancelTransferTx(ctx, tx, actor) })
	return err
}

// CancelTransferTx is CancelTransfer inside a unit of work.
func CancelTransferTx(ctx context.Context, tx Tx, actor ID) error {
	a, err := LoadActor(ctx, tx, actor)
	if err != nil {
		return err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return err
	}
	if o.PendingOwner == uuid.Nil {
		return fmt.Errorf("%w: no ownership transfer is proposed", ErrNotFound)
	}
	if !a.IsOwner() && a.ID != o.PendingOwner {
		return fmt.Errorf("%w: only the owner or the proposed owner may cancel a transfer", ErrForbidden)
	}
	to := o.PendingOwner
	o.PendingOwner, o.Updated = uuid.Nil, tx.Env().Time()
	if err := tx.PutOrg(ctx, o); err != nil {
		return err
	}
	t, err := tx.Member(ctx, to)
	if err != nil {
		return err
	}
	return Emit(ctx, tx, Event{Type: TransferCancelled, Actor: a.Party(), Target: t.Party()})
}

// transferParties checks a transfer from actor to to: actor is the owner
// (ErrForbidden), to is another (ErrSelf) active (ErrInactive) staff member
// (ErrInvalid) of the organisation (ErrNotFound).
func transferParties(ctx context.Context, tx Tx, actor, to ID) (owner, next Member, err error) {
	if err := CheckID("new owner", to); err != nil {
		return Member{}, Member{}, err
	}
	if owner, err = LoadActor(ctx, tx, actor); err != nil {
		return Member{}, Member{}, err
	}
	if !owner.IsOwner() {
		return Member{}, Member{}, fmt.Errorf("%w: only the owner transfers ownership", ErrForbidden)
	}
	if next, err = tx.Member(ctx, to); err != nil {
		return Member{}, Member{}, fmt.Errorf("new owner %v: %w", to, err)
	}
	switch {
	case next.ID == owner.ID:
		return Member{}, Member{}, fmt.Errorf("%w: the owner already owns the organisation", ErrSelf)
	case next.Kind != Staff:
		return Member{}, Member{}, fmt.Errorf("%w: an external collaborator cannot own the organisation", ErrInvalid)
	case next.Status != Active:
		return Member{}, Member{}, fmt.Errorf("%w: the new owner must be active", ErrInactive)
	}
	return owner, next, nil
}

// transfer demotes owner and promotes next, clears any proposal, and writes
// OwnerTransferred.
func transfer(ctx context.Context, tx Tx, actor, owner, next *Member) error {
	env := tx.Env()
	p, now := env.Policy, env.Time()
	demoted := *owner
	demoted.Role, demoted.Updated = p.DemoteOwnerTo().Name, now
	demoted.Profile = keepFields(p, demoted.Role, demoted.Profile)
	promoted := *next
	promoted.Role, promoted.Updated = p.Owner().Name, now
	promoted.Allow, promoted.Deny, promoted.Scopes = access.Set{}, access.Set{}, access.Scopes{}
	promoted.Profile = keepFields(p, promoted.Role, promoted.Profile)
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
	return Emit(ctx, tx, Event{Type: OwnerTransferred, Actor: actor.Party(), Target: promoted.Party(),
		Before: State{Role: next.Role, Name: owner.Name, Email: owner.Email},
		After:  State{Role: promoted.Role, Name: promoted.Name, Email: promoted.Email}})
}
