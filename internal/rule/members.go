package rule

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/store"
)

// CheckPerms refuses, with ErrInvalid, a permission the policy does not have.
func CheckPerms(p *access.Policy, sets ...access.Set) error {
	for _, s := range sets {
		if extra := s.Difference(p.All()); !extra.IsEmpty() {
			return fmt.Errorf("%w: %w: %v", store.ErrInvalid, access.ErrUnknownPermission, extra)
		}
	}
	return nil
}

// CheckAllowDeny refuses, with ErrInvalid, a permission the policy does not
// have, and a permission both allowed and denied: contradictory input, which
// would otherwise be settled silently by the deny.
func CheckAllowDeny(p *access.Policy, allow, deny access.Set) error {
	if err := CheckPerms(p, allow, deny); err != nil {
		return err
	}
	if allow.Overlaps(deny) {
		names, _ := p.Names(allow.Intersect(deny))
		return fmt.Errorf("%w: %v both allowed and denied", store.ErrInvalid, names)
	}
	return nil
}

// Admit checks that a member built by NewMember may join the unit of
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
func Admit(ctx context.Context, tx store.Tx, actor *store.Member, m *store.Member, seatTaken bool) error {
	p := tx.Env().Policy
	if m.Kind == store.Staff && p.IsOwner(m.Role) {
		return fmt.Errorf("%w: only an ownership transfer makes an owner", ErrOwnerProtected)
	}
	if err := ResolveIn(ctx, tx, m); err != nil {
		return err
	}
	if err := CheckProfile(p, m.Role, m.Profile); err != nil {
		return err
	}
	if actor != nil {
		if err := CanGrant(actor, m.Grant().Held(), m.Scopes); err != nil {
			return err
		}
	}
	if seatTaken {
		return nil
	}
	if other, err := tx.MemberByUserOrEmail(ctx, m.UserID, m.Email); err == nil {
		if other.UserID == m.UserID {
			return fmt.Errorf("%w: user %q", store.ErrAlreadyMember, m.UserID)
		}
		return fmt.Errorf("%w: e-mail %q", store.ErrAlreadyMember, m.Email)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if m.Kind == store.Staff {
		if err := CheckSeat(ctx, tx, 1); err != nil {
			return err
		}
	}
	return nil
}

// CheckSeat refuses with ErrSeatLimit unless n more seats fit within the
// organisation's limit.
func CheckSeat(ctx context.Context, tx store.Tx, n int) error {
	o, err := tx.Org(ctx)
	if err != nil || o.SeatLimit == 0 {
		return err
	}
	taken, err := tx.Seats(ctx)
	if err != nil {
		return err
	}
	if taken+n > o.SeatLimit {
		return fmt.Errorf("%w: %d of %d seats taken", ErrSeatLimit, taken, o.SeatLimit)
	}
	return nil
}

// NewMember validates a member to add, as a rule receives it (UserID,
// Email, Name, Kind, Role, Allow, Deny, Scopes, Profile, Until; Org set), and
// returns it complete and unresolved: e-mail normalised, Kind Staff if
// unset, a new ID, Active, created at the unit of work's time.
func NewMember(tx store.Tx, m store.Member) (store.Member, error) {
	env := tx.Env()
	if err := CheckUser(m.UserID, &m.Email, m.Name); err != nil {
		return store.Member{}, err
	}
	if m.Kind == 0 {
		m.Kind = store.Staff
	}
	switch {
	case m.Kind != store.Staff && m.Kind != store.External:
		return store.Member{}, fmt.Errorf("%w: kind %v", store.ErrInvalid, m.Kind)
	case m.Kind == store.Staff && m.Role == "":
		return store.Member{}, fmt.Errorf("%w: a member needs a role", store.ErrInvalid)
	case m.Kind == store.External && m.Role != "":
		return store.Member{}, fmt.Errorf("%w: an external collaborator has no role", store.ErrInvalid)
	}
	if err := CheckAllowDeny(env.Policy, m.Allow, m.Deny); err != nil {
		return store.Member{}, err
	}
	if m.Kind == store.External && m.Allow.IsEmpty() {
		return store.Member{}, fmt.Errorf("%w: an external collaborator needs at least one permission", store.ErrInvalid)
	}
	now := tx.Now()
	until, err := CheckUntil(m.Until, now)
	if err != nil {
		return store.Member{}, err
	}
	id, err := env.NewID()
	if err != nil {
		return store.Member{}, err
	}
	m.ID, m.Status, m.Created, m.Updated, m.Until, m.EndRecorded = id, store.Active, now, now, until, false
	return m, nil
}

// CheckUser validates the identity of a user joining an organisation and
// normalises its e-mail in place.
func CheckUser(user string, email *string, name string) error {
	if err := CheckUserID(user); err != nil {
		return err
	}
	e, err := NormalizeEmail(*email)
	if err != nil {
		return err
	}
	*email = e
	return CheckName("display name", name, false)
}
