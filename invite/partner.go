package invite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
)

// PartnerStatus is a partnership's status.
type PartnerStatus uint8

// The statuses of a partnership. A suspended partnership grants nothing but
// keeps its level and scopes, which resuming restores exactly.
const (
	PartnerActive PartnerStatus = iota + 1
	PartnerSuspended
)

func (s PartnerStatus) String() string {
	switch s {
	case PartnerActive:
		return "active"
	case PartnerSuspended:
		return "suspended"
	}
	return fmt.Sprintf("partner_status(%d)", uint8(s))
}

// A Partnership grants the members of a partner organisation access to the
// granting organisation (seed 004's retailers, distributors and agencies):
// the permissions of Level, a role of the granting organisation, minus every
// lifecycle permission, within Scopes, while the partnership is active and
// the member is active in its own organisation.
type Partnership struct {
	ID         ID
	Org        ID // the granting organisation
	Partner    ID // the partner organisation
	Level      string
	Scopes     access.Scopes
	Status     PartnerStatus
	Invitation ID
	Created    time.Time
	Updated    time.Time
}

// Event types of partnerships. Every change but the invitation writes one
// event in each of the two organisations.
const (
	PartnerInvited        member.EventType = "partner.invited"
	PartnerAccepted       member.EventType = "partner.accepted"
	PartnerDeclined       member.EventType = "partner.declined"
	PartnerLevelChanged   member.EventType = "partner.level_changed"
	PartnerScopesChanged  member.EventType = "partner.scopes_changed"
	PartnerSuspendedEvent member.EventType = "partner.suspended"
	PartnerResumed        member.EventType = "partner.resumed"
	PartnerRevoked        member.EventType = "partner.revoked"
	PartnerLeft           member.EventType = "partner.left"
)

// ResolvePartner returns the grant a partnership gives a member m of the
// partner organisation: the level's permissions (levelPerms, for a custom
// role; ignored for a role of the policy) minus every permission that gates
// a lifecycle action, within the partnership's scopes, in force only while
// the partnership is active and m is active. Stores call it.
func ResolvePartner(p *access.Policy, ps *Partnership, m *member.Member, levelPerms access.Set) access.Grant {
	if perms, ok := p.RolePerms(ps.Level); ok {
		levelPerms = perms
	}
	return access.NewGrant(access.GrantSpec{
		Policy: p, Source: access.FromPartner, Role: ps.Level, RolePerms: levelPerms,
		Deny: p.Lifecycle(), Scopes: ps.Scopes,
		Active: m.Status == member.Active, Suspended: ps.Status != PartnerActive,
		Via: "partner organisation " + ps.Partner.String(),
	})
}

// Grant returns what the host's user may do in org: as a member of org if it
// is one, else through an active partnership of one of its organisations.
// With the grant in hand, a check is one line, as for a member:
//
//	g, err := invite.Grant(ctx, db, org, user)
//	…
//	if !g.Can(perm.ViewProducts) { … }
//
// A user with neither is member.ErrNotFound.
func Grant(ctx context.Context, s Store, org ID, user string) (access.Grant, error) {
	return s.Principal(ctx, org, user)
}

// NewPartner describes a partnership to offer.
type NewPartner struct {
	Email  string // whom to send the invitation to, in the partner organisation
	Level  string // a role of the granting organisation
	Scopes access.Scopes
	TTL    time.Duration // zero means the policy's InviteExpiry
}

// levelGrant checks a partnership level the actor may give: a role that is
// not the owner's, whose non-lifecycle permissions and scopes the actor
// holds. It returns the permissions the level grants a partner.
func levelGrant(ctx context.Context, tx Tx, a *member.Member, level string, scopes access.Scopes) (access.Set, error) {
	p := tx.Env().Policy
	if level == "" {
		return access.Set{}, fmt.Errorf("%w: a partnership needs a level", member.ErrInvalid)
	}
	if p.IsOwner(level) {
		return access.Set{}, fmt.Errorf("%w: a partnership never carries the owner role", member.ErrOwnerProtected)
	}
	perms, found, err := rolePerms(ctx, tx, level)
	if err != nil {
		return access.Set{}, err
	}
	if !found {
		return access.Set{}, fmt.Errorf("%w: %w: %q", member.ErrInvalid, access.ErrUnknownRole, level)
	}
	perms = perms.Difference(p.Lifecycle())
	return perms, member.CanGrant(a, perms, scopes)
}

// InvitePartner offers a partnership to another organisation, by an
// invitation to a person there; the token follows the rules of member
// invitations (single use, expiry, resend, cancel). Gated by
// access.ManagePartners; the level is capped by what the actor holds.
// Partners take no seat. It writes PartnerInvited.
func InvitePartner(ctx context.Context, s Store, org, actor ID, n NewPartner) (Invitation, string, error) {
	return withToken(ctx, s, org, func(tx Tx) (Invitation, string, error) { return InvitePartnerTx(ctx, tx, actor, n) })
}

// InvitePartnerTx is InvitePartner inside a unit of work.
func InvitePartnerTx(ctx context.Context, tx Tx, actor ID, n NewPartner) (Invitation, string, error) {
	email, ttl, err := checkAddress(tx.Env(), n.Email, n.TTL)
	if err != nil {
		return Invitation{}, "", err
	}
	if n.Level == "" {
		return Invitation{}, "", fmt.Errorf("%w: a partnership needs a level", member.ErrInvalid)
	}
	a, err := member.GatedActor(ctx, tx, actor, access.ManagePartners)
	if err != nil {
		return Invitation{}, "", err
	}
	if _, err := levelGrant(ctx, tx, &a, n.Level, n.Scopes); err != nil {
		return Invitation{}, "", err
	}
	if err := closeExpired(ctx, tx, ForPartner, email, tx.Env().Time()); err != nil {
		return Invitation{}, "", err
	}
	return create(ctx, tx, &a, Invitation{Kind: ForPartner, Email: email, Role: n.Level, Scopes: n.Scopes, TTL: ttl}, PartnerInvited)
}

// partnerActor loads the actor of the partner organisation, which must be
// allowed to manage its partnerships and, answering invitation inv, have
// the invited e-mail (unless the policy accepts any).
func partnerActor(ctx context.Context, tx Tx, actor ID, inv *Invitation) (member.Member, error) {
	a, err := member.GatedActor(ctx, tx, actor, access.ManagePartners)
	if err != nil {
		return member.Member{}, err
	}
	if inv != nil {
		if err := checkEmail(tx.Env().Policy, inv, a.Email); err != nil {
			return member.Member{}, err
		}
	}
	return a, nil
}

// openPair finds the partner invitation for token and runs fn in a unit of
// work on both organisations.
func openPair(ctx context.Context, s Store, token string, partnerOrg ID, fn func(g, p Tx, inv Invitation) error) error {
	if err := member.CheckID("partner organisation", partnerOrg); err != nil {
		return err
	}
	hash, err := HashToken(token)
	if err != nil {
		return err
	}
	org, err := s.InvitationOrg(ctx, hash)
	if err != nil {
		return fmt.Errorf("invitation token: %w", err)
	}
	if org == partnerOrg {
		return fmt.Errorf("%w: an organisation cannot partner with itself", member.ErrSelf)
	}
	return s.UpdatePair(ctx, org, partnerOrg, func(g, p Tx) error {
		inv, err := answerable(ctx, g, hash, ForPartner)
		if err != nil {
			return err
		}
		return fn(g, p, inv)
	})
}

// AcceptPartner accepts a partnership offered by invitation, on behalf of
// partnerOrg, by actor, a member of partnerOrg allowed to manage its
// partnerships (access.ManagePartners, or the owner) whose e-mail is the
// invited one (ErrEmailMismatch), unless the policy accepts any. Single
// use, as Accept.
// Two organisations have at most one partnership (member.ErrExists). It
// writes PartnerAccepted in both.
func AcceptPartner(ctx context.Context, s Store, token string, partnerOrg, actor ID) (Partnership, error) {
	var ps Partnership
	err := openPair(ctx, s, token, partnerOrg, func(g, p Tx, inv Invitation) error {
		a, err := partnerActor(ctx, p, actor, &inv)
		if err != nil {
			return err
		}
		if _, err := g.PartnershipWith(ctx, partnerOrg); err == nil {
			return fmt.Errorf("%w: the organisations are partners already", member.ErrExists)
		} else if !errors.Is(err, member.ErrNotFound) {
			return err
		}
		env := g.Env()
		now := env.Time()
		ps = Partnership{Org: inv.Org, Partner: partnerOrg, Level: inv.Role, Scopes: inv.Scopes,
			Status: PartnerActive, Invitation: inv.ID, Created: now, Updated: now}
		if ps.ID, err = env.NewID(); err != nil {
			return err
		}
		if err := g.PutPartnership(ctx, ps); err != nil {
			return err
		}
		inv.Status, inv.Joined, inv.Updated, inv.Sealed = Accepted, ps.ID, now, nil
		if err := g.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, PartnerAccepted, a.Party(), &ps, member.State{}, partnerState(&ps))
	})
	return ps, err
}

// DeclinePartner declines a partnership offered by invitation, on behalf
// of partnerOrg, as AcceptPartner. It writes PartnerDeclined in both.
func DeclinePartner(ctx context.Context, s Store, token string, partnerOrg, actor ID) error {
	return openPair(ctx, s, token, partnerOrg, func(g, p Tx, inv Invitation) error {
		a, err := partnerActor(ctx, p, actor, &inv)
		if err != nil {
			return err
		}
		inv.Status, inv.Updated, inv.Sealed = Declined, g.Env().Time(), nil
		if err := g.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, PartnerDeclined, a.Party(), &Partnership{ID: inv.ID, Org: inv.Org, Partner: partnerOrg},
			member.State{}, member.State{Status: inv.Status.String()})
	})
}

func partnerState(ps *Partnership) member.State {
	return member.State{Role: ps.Level, Scopes: ps.Scopes.Strings(), Status: ps.Status.String()}
}

// emitBoth writes the event of a partnership change in the granting
// organisation (g) and in the partner (p): each log names the other
// organisation as the target.
func emitBoth(ctx context.Context, g, p Tx, typ member.EventType, actor member.Party, ps *Partnership, before, after member.State) error {
	gOrg, err := g.Org(ctx)
	if err != nil {
		return err
	}
	if p == nil { // the partner organisation is deleted
		return member.Emit(ctx, g, member.Event{Type: typ, Actor: actor, Object: ps.ID,
			Target: member.Party{Org: ps.Partner}, Before: before, After: after})
	}
	pOrg, err := p.Org(ctx)
	if err != nil {
		return err
	}
	if err := member.Emit(ctx, g, member.Event{Type: typ, Actor: actor, Object: ps.ID,
		Target: member.Party{Org: pOrg.ID, Name: pOrg.Name}, Before: before, After: after}); err != nil {
		return err
	}
	return member.Emit(ctx, p, member.Event{Type: typ, Actor: actor, Object: ps.ID,
		Target: member.Party{Org: gOrg.ID, Name: gOrg.Name}, Before: before, After: after})
}

// PartnerChange is a change to a partnership by the granting organisation.
// Nil fields are left as they are.
type PartnerChange struct {
	Level  *string
	Scopes *access.Scopes
	Status PartnerStatus // 0 leaves it; PartnerSuspended suspends, PartnerActive resumes
}

// ChangePartner changes a partnership the organisation grants: its level,
// its scopes, or its status (suspend: the partner loses access at once and
// the settings are kept; resume: restores exactly them). Gated by
// access.ManagePartners; the actor must hold the partnership's permissions
// and scopes, before and after. Each call changes one thing and writes one
// event in each organisation (PartnerLevelChanged, PartnerScopesChanged,
// PartnerSuspendedEvent or PartnerResumed); a call that changes nothing
// succeeds and writes none.
func ChangePartner(ctx context.Context, s Store, org, actor, id ID, c PartnerChange) (Partnership, error) {
	n := 0
	for _, set := range []bool{c.Level != nil, c.Scopes != nil, c.Status != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return Partnership{}, fmt.Errorf("%w: change one of level, scopes or status at a time", member.ErrInvalid)
	}
	if c.Status != 0 && c.Status != PartnerActive && c.Status != PartnerSuspended {
		return Partnership{}, fmt.Errorf("%w: partnership status %v", member.ErrInvalid, c.Status)
	}
	var out Partnership
	err := pair(ctx, s, org, id, func(g, p Tx, ps Partnership) error {
		if ps.Org != org {
			return fmt.Errorf("%w: only the granting organisation changes a partnership", member.ErrForbidden)
		}
		a, err := grantorActor(ctx, g, actor, &ps)
		if err != nil {
			return err
		}
		next := ps
		typ := PartnerLevelChanged
		switch {
		case c.Level != nil:
			next.Level = *c.Level
		case c.Scopes != nil:
			next.Scopes, typ = *c.Scopes, PartnerScopesChanged
		case c.Status == PartnerSuspended:
			next.Status, typ = PartnerSuspended, PartnerSuspendedEvent
		default:
			next.Status, typ = PartnerActive, PartnerResumed
		}
		if _, err := levelGrant(ctx, g, &a, next.Level, next.Scopes); err != nil {
			return err
		}
		out = next
		if next.Level == ps.Level && next.Scopes.Equal(ps.Scopes) && next.Status == ps.Status {
			return nil
		}
		next.Updated = g.Env().Time()
		if err := g.PutPartnership(ctx, next); err != nil {
			return err
		}
		out = next
		return emitBoth(ctx, g, p, typ, a.Party(), &next, partnerState(&ps), partnerState(&next))
	})
	return out, err
}

// grantorActor loads the actor of the granting organisation, allowed to
// manage partners and holding what the partnership grants.
func grantorActor(ctx context.Context, g Tx, actor ID, ps *Partnership) (member.Member, error) {
	a, err := member.GatedActor(ctx, g, actor, access.ManagePartners)
	if err != nil {
		return member.Member{}, err
	}
	_, err = levelGrant(ctx, g, &a, ps.Level, ps.Scopes)
	return a, err
}

// pair runs fn on a partnership and a unit of work on both of its
// organisations; org must be one of the two. Once the partner organisation
// is deleted, the granting one may still change or revoke the partnership:
// fn then runs on the granting organisation alone, with p nil.
func pair(ctx context.Context, s Store, org, id ID, fn func(g, p Tx, ps Partnership) error) error {
	if err := member.CheckID("organisation", org); err != nil {
		return err
	}
	if err := member.CheckID("partnership", id); err != nil {
		return err
	}
	ps, err := s.Partnership(ctx, org, id)
	if err != nil {
		return err
	}
	run := func(g, p Tx) error {
		ps, err := g.Partnership(ctx, id)
		if err != nil {
			return err
		}
		return fn(g, p, ps)
	}
	err = s.UpdatePair(ctx, ps.Org, ps.Partner, func(g, p Tx) error { return run(g, p) })
	if errors.Is(err, member.ErrNotFound) && org == ps.Org {
		if _, perr := s.Org(ctx, ps.Partner); errors.Is(perr, member.ErrNotFound) {
			return s.UpdateInvites(ctx, ps.Org, func(g Tx) error { return run(g, nil) })
		}
	}
	return err
}

// RevokePartner ends a partnership the organisation grants: the partner
// loses access at once and the settings are gone. Gated as ChangePartner.
// It writes PartnerRevoked in both organisations, or in the granting one
// alone if the partner organisation was deleted (its partnerships stay with
// the granting organisation until revoked).
func RevokePartner(ctx context.Context, s Store, org, actor, id ID) error {
	return pair(ctx, s, org, id, func(g, p Tx, ps Partnership) error {
		if ps.Org != org {
			return fmt.Errorf("%w: only the granting organisation revokes; the partner leaves", member.ErrForbidden)
		}
		a, err := grantorActor(ctx, g, actor, &ps)
		if err != nil {
			return err
		}
		if err := g.DeletePartnership(ctx, ps.ID); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, PartnerRevoked, a.Party(), &ps, partnerState(&ps), member.State{})
	})
}

// LeavePartner ends a partnership from the partner's side, by actor, a
// member of the partner organisation allowed to manage its partnerships.
// It writes PartnerLeft in both organisations.
func LeavePartner(ctx context.Context, s Store, partnerOrg, actor, id ID) error {
	return pair(ctx, s, partnerOrg, id, func(g, p Tx, ps Partnership) error {
		if ps.Partner != partnerOrg || p == nil {
			return fmt.Errorf("%w: only the partner leaves; the granting organisation revokes", member.ErrForbidden)
		}
		a, err := partnerActor(ctx, p, actor, nil)
		if err != nil {
			return err
		}
		if err := g.DeletePartnership(ctx, ps.ID); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, PartnerLeft, a.Party(), &ps, partnerState(&ps), member.State{})
	})
}
