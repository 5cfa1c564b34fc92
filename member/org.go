package member

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/store"
)

// MaxSeatLimit bounds an organisation's seat limit.
const MaxSeatLimit = 1_000_000

// A NewUser is the host's user joining an organisation.
type NewUser struct {
	UserID string // the host's identifier
	Email  string
	Name   string // display name, optional
}

func (u *NewUser) check() error { return rule.CheckUser(u.UserID, &u.Email, u.Name) }

// NewOrg describes an organisation to create.
type NewOrg struct {
	Name      string
	SeatLimit int // 0 means unlimited
	Owner     NewUser
}

func checkSeatLimit(n int) error {
	if n < 0 || n > MaxSeatLimit {
		return fmt.Errorf("%w: seat limit %d must be 0 (unlimited) to %d", store.ErrInvalid, n, MaxSeatLimit)
	}
	return nil
}

// CreateOrg creates an organisation whose creator becomes its owner, and
// returns both. It writes the event OrgCreated.
func CreateOrg(ctx context.Context, s store.Store, n NewOrg) (store.Org, store.Member, error) {
	if err := rule.CheckName("organisation name", n.Name, true); err != nil {
		return store.Org{}, store.Member{}, err
	}
	if err := checkSeatLimit(n.SeatLimit); err != nil {
		return store.Org{}, store.Member{}, err
	}
	if err := n.Owner.check(); err != nil {
		return store.Org{}, store.Member{}, err
	}
	env := s.Env()
	orgID, err := env.NewID()
	if err != nil {
		return store.Org{}, store.Member{}, err
	}
	ownerID, err := env.NewID()
	if err != nil {
		return store.Org{}, store.Member{}, err
	}
	// Created and Updated are left zero for InsertOrg to set to the unit
	// of work's time, which the owner and the event take too.
	o := store.Org{ID: orgID, Name: n.Name, SeatLimit: n.SeatLimit}
	owner := store.Member{
		ID: ownerID, Org: orgID, UserID: n.Owner.UserID, Email: n.Owner.Email, Name: n.Owner.Name,
		Role: env.Policy.Owner().Name, Status: store.Active, Kind: store.Staff,
	}
	err = s.InsertOrg(ctx, o, func(tx store.Tx) error {
		var err error
		if o, err = tx.Org(ctx); err != nil {
			return err
		}
		owner.Created, owner.Updated = tx.Now(), tx.Now()
		if err := tx.PutMember(ctx, owner); err != nil {
			return err
		}
		return rule.Emit(ctx, tx, store.Event{Type: store.OrgCreated, Actor: owner.Party(), Target: owner.Party(),
			After: store.State{Name: o.Name, SeatLimit: o.SeatLimit, Role: owner.Role}})
	})
	if err != nil {
		return store.Org{}, store.Member{}, err
	}
	store.Resolve(env.Policy, &owner, access.Set{})
	return o, owner, nil
}

// RenameOrg renames the organisation; the owner's alone. It writes
// OrgRenamed.
func RenameOrg(ctx context.Context, s store.Store, org, actor store.ID, name string) (store.Org, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Org, error) { return RenameOrgTx(ctx, tx, actor, name) })
}

// RenameOrgTx is RenameOrg inside a unit of work.
func RenameOrgTx(ctx context.Context, tx store.Tx, actor store.ID, name string) (store.Org, error) {
	if err := rule.CheckName("organisation name", name, true); err != nil {
		return store.Org{}, err
	}
	a, o, err := ownerOnly(ctx, tx, actor, "renaming the organisation")
	if err != nil {
		return store.Org{}, err
	}
	if o.Name == name {
		return o, nil // nothing changes, nothing is written
	}
	before := o.Name
	o.Name, o.Updated = name, tx.Now()
	if err := tx.PutOrg(ctx, o); err != nil {
		return store.Org{}, err
	}
	return o, rule.Emit(ctx, tx, store.Event{Type: store.OrgRenamed, Actor: a.Party(), Before: store.State{Name: before}, After: store.State{Name: name}})
}

func ownerOnly(ctx context.Context, tx store.Tx, actor store.ID, what string) (store.Member, store.Org, error) {
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return store.Member{}, store.Org{}, err
	}
	if !a.IsOwner() {
		return store.Member{}, store.Org{}, fmt.Errorf("%w: %s is the owner's alone", ErrForbidden, what)
	}
	o, err := tx.Org(ctx)
	return a, o, err
}

// SetSeatLimit sets the organisation's seat limit (0 for unlimited). It is
// the host's to call, as the system, when the organisation's plan changes. A
// limit below the seats taken now is ErrSeatLimit. It writes OrgSeatsChanged
// with no actor, or the system principal that AsSystem put in ctx.
func SetSeatLimit(ctx context.Context, s store.Store, org store.ID, limit int) (store.Org, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (store.Org, error) { return SetSeatLimitTx(ctx, tx, limit) })
}

// SetSeatLimitTx is SetSeatLimit inside a unit of work.
func SetSeatLimitTx(ctx context.Context, tx store.Tx, limit int) (store.Org, error) {
	if err := checkSeatLimit(limit); err != nil {
		return store.Org{}, err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return store.Org{}, err
	}
	if o.SeatLimit == limit {
		return o, nil // nothing changes, nothing is written
	}
	now := tx.Now()
	if limit > 0 {
		taken, err := tx.Seats(ctx)
		if err != nil {
			return store.Org{}, err
		}
		if taken > limit {
			return store.Org{}, fmt.Errorf("%w: %d seats are taken, more than %d", ErrSeatLimit, taken, limit)
		}
	}
	before := o.SeatLimit
	o.SeatLimit, o.Updated = limit, now
	if err := tx.PutOrg(ctx, o); err != nil {
		return store.Org{}, err
	}
	actor, err := hostParty(ctx)
	if err != nil {
		return store.Org{}, err
	}
	return o, rule.Emit(ctx, tx, store.Event{Type: store.OrgSeatsChanged, Actor: actor, Before: store.State{SeatLimit: before}, After: store.State{SeatLimit: limit}})
}

// hostParty is the actor of an operation that the host runs without a
// member (SetSeatLimit, PruneDrift): the system principal under AsSystem,
// else the zero Party, the host unnamed.
func hostParty(ctx context.Context) (store.Party, error) {
	var p store.Party
	if name, ok := rule.SystemOf(ctx); ok {
		if err := rule.CheckSystemName(name); err != nil {
			return store.Party{}, err
		}
		p.System = name
	}
	return p, nil
}

// DeleteOrg deletes the organisation and everything in it but its audit log,
// which ends with OrgDeleted. The owner's alone. The partnerships it grants
// go with it, and their partners' logs say nothing of it: revoke them
// first (invite.RevokePartner) to record it on both sides. Partnerships it
// received stay with their granting organisations, which may revoke them.
// Its cost does not depend on the organisation's size: the store writes a
// tombstone, every read passes the records by at once, and Store.Purge
// removes them later in bounded batches.
func DeleteOrg(ctx context.Context, s store.Store, org, actor store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, DeleteOrgTx(ctx, tx, actor) })
	return err
}

// DeleteOrgTx is DeleteOrg inside a unit of work.
func DeleteOrgTx(ctx context.Context, tx store.Tx, actor store.ID) error {
	a, o, err := ownerOnly(ctx, tx, actor, "deleting the organisation")
	if err != nil {
		return err
	}
	if err := rule.Emit(ctx, tx, store.Event{Type: store.OrgDeleted, Actor: a.Party(), Before: store.State{Name: o.Name}}); err != nil {
		return err
	}
	return tx.DeleteOrg(ctx)
}

// clearTransfer drops a pending transfer of ownership to member id, if
// any, and reports whether it did.
func clearTransfer(ctx context.Context, tx store.Tx, id store.ID) (bool, error) {
	o, err := tx.Org(ctx)
	if err != nil || o.PendingOwner != id {
		return false, err
	}
	o.PendingOwner, o.Updated = uuid.Nil, tx.Now()
	return true, tx.PutOrg(ctx, o)
}

// AuditLog returns up to limit audit events of org with a sequence number
// above after, for an actor allowed to read them (access.ReadAudit, or the
// owner), or for the system (AsSystem). Hosts that show the log to people
// should read it through AuditLog; Store.Events is the unguarded feed for
// the host's own workers. An event's Actor.System names the system
// principal that acted (Party.String shows "system:support").
func AuditLog(ctx context.Context, s store.Store, org, actor store.ID, after int64, limit int) ([]store.Event, error) {
	if err := rule.CheckID("organisation", org); err != nil {
		return nil, err
	}
	if err := rule.CheckActor(ctx, actor); err != nil {
		return nil, err
	}
	if _, ok := rule.SystemOf(ctx); ok {
		return s.Events(ctx, org, after, limit) // the host's: also a deleted organisation's
	}
	a, err := s.Member(ctx, org, actor)
	if err != nil {
		return nil, fmt.Errorf("actor %v: %w", actor, err)
	}
	if a.Status != store.Active || a.Expired(s.Env().Time()) {
		return nil, fmt.Errorf("%w: actor %v cannot act", ErrInactive, actor)
	}
	if err := rule.Gate(&a, access.ReadAudit); err != nil {
		return nil, err
	}
	return s.Events(ctx, org, after, limit)
}
