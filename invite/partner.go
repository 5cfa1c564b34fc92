package invite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/rule"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
)

// Grant returns what the host's user may do in org: as a member of org if it
// is one, else through an active partnership of one of its organisations
// where it is staff: a partnership never reaches the partner organisation's
// external collaborators, whom the granting organisation never approved.
// With the grant in hand, a check is one line, as for a member:
//
//	g, err := invite.Grant(ctx, db, org, user)
//	…
//	if !g.Can(perm.ViewProducts) { … }
//
// A user with neither is store.ErrNotFound. Of several partner
// organisations the user belongs to, the first by ID gives the grant.
//
// A store that implements store.PrincipalReader answers in one lookup;
// otherwise Grant reads the member, then the user's organisations and the
// partnerships of org.
func Grant(ctx context.Context, s store.Store, org store.ID, user string) (access.Grant, error) {
	if r, ok := s.(store.PrincipalReader); ok {
		return r.Principal(ctx, org, user)
	}
	m, err := s.MemberByUser(ctx, org, user)
	if err == nil {
		return m.Grant(), nil // settled at the read
	}
	if !errors.Is(err, store.ErrNotFound) {
		return access.Grant{}, err
	}
	mine, err := rule.All(func(p store.Page) ([]store.Membership, string, error) { return s.UserOrgs(ctx, user, p) })
	if err != nil {
		return access.Grant{}, err
	}
	pss, err := rule.All(func(p store.Page) ([]store.Partnership, string, error) { return s.Partnerships(ctx, org, p) })
	if err != nil {
		return access.Grant{}, err
	}
	granted := make(map[store.ID]store.Partnership, len(pss))
	for _, ps := range pss {
		if ps.Org == org {
			granted[ps.Partner] = ps
		}
	}
	for i := range mine { // ordered by organisation ID
		pm := mine[i].Member
		ps, ok := granted[pm.Org]
		if !ok || !ps.Reaches(&pm) {
			continue // the partner's staff, its collaborators only by opt-in
		}
		var levelPerms access.Set
		if _, builtin := s.Env().Policy.RolePerms(ps.Level); !builtin {
			roles, err := rule.All(func(p store.Page) ([]store.Role, string, error) { return s.Roles(ctx, org, p) })
			if err != nil {
				return access.Grant{}, err
			}
			for _, r := range roles {
				if r.Name == ps.Level {
					levelPerms = r.Perms
				}
			}
		}
		return store.ResolvePartner(s.Env().Policy, &ps, &pm, levelPerms).At(s.Env().Time()), nil
	}
	return access.Grant{}, fmt.Errorf("user %q is neither a member of organisation %v nor a member of its partners: %w", user, org, store.ErrNotFound)
}

// NewPartner describes a partnership to offer.
type NewPartner struct {
	Email  string // whom to send the invitation to, in the partner organisation
	Level  string // a role of the granting organisation
	Scopes access.Scopes
	TTL    time.Duration // zero means the policy's InviteExpiry
	// Until, if set, is when the partnership ends (a partner until a
	// contract date, store.Partnership.Until); it must come after now
	// (store.ErrInvalid), and accepting after it is ErrExpired.
	Until time.Time
}

// levelGrant checks a partnership level the actor may give: a role that is
// not the owner's, whose non-lifecycle permissions and scopes the actor
// holds. It returns the permissions the level grants a partner.
func levelGrant(ctx context.Context, tx store.Tx, a *store.Member, level string, scopes access.Scopes) (access.Set, error) {
	p := tx.Env().Policy
	if level == "" {
		return access.Set{}, fmt.Errorf("%w: a partnership needs a level", store.ErrInvalid)
	}
	if p.IsOwner(level) {
		return access.Set{}, fmt.Errorf("%w: a partnership never carries the owner role", member.ErrOwnerProtected)
	}
	perms, found, err := rolePerms(ctx, tx, level)
	if err != nil {
		return access.Set{}, err
	}
	if !found {
		return access.Set{}, fmt.Errorf("%w: %w: %q", store.ErrInvalid, access.ErrUnknownRole, level)
	}
	perms = perms.Difference(p.Lifecycle())
	return perms, rule.CanGrant(a, perms, scopes)
}

// InvitePartner offers a partnership to another organisation, by an
// invitation to a person there; the token follows the rules of member
// invitations (single use, expiry, resend, cancel). Gated by
// access.ManagePartners; the level is capped by what the actor holds.
// Partners take no seat. It writes PartnerInvited.
func InvitePartner(ctx context.Context, s store.Store, org, actor store.ID, n NewPartner) (store.Invitation, string, error) {
	return withToken(ctx, s, org, func(tx store.Tx) (store.Invitation, string, error) { return InvitePartnerTx(ctx, tx, actor, n) })
}

// InvitePartnerTx is InvitePartner inside a unit of work.
func InvitePartnerTx(ctx context.Context, tx store.Tx, actor store.ID, n NewPartner) (store.Invitation, string, error) {
	email, ttl, err := checkAddress(tx.Env(), n.Email, n.TTL)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if n.Level == "" {
		return store.Invitation{}, "", fmt.Errorf("%w: a partnership needs a level", store.ErrInvalid)
	}
	until, err := rule.CheckUntil(n.Until, tx.Now())
	if err != nil {
		return store.Invitation{}, "", err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.ManagePartners)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if _, err := levelGrant(ctx, tx, &a, n.Level, n.Scopes); err != nil {
		return store.Invitation{}, "", err
	}
	if err := closeExpired(ctx, tx, store.ForPartner, email, tx.Now()); err != nil {
		return store.Invitation{}, "", err
	}
	return create(ctx, tx, &a, store.Invitation{Kind: store.ForPartner, Email: email, Role: n.Level, Scopes: n.Scopes, TTL: ttl, Until: until}, store.PartnerInvited)
}

// partnerActor loads the actor of the partner organisation, which must be
// allowed to manage its partnerships and, answering invitation inv, have
// the invited e-mail (unless the policy accepts any).
func partnerActor(ctx context.Context, tx store.Tx, actor store.ID, inv *store.Invitation) (store.Member, error) {
	a, err := rule.GatedActor(ctx, tx, actor, access.ManagePartners)
	if err != nil {
		return store.Member{}, err
	}
	if inv != nil {
		if err := checkEmail(tx.Env().Policy, inv, a.Email); err != nil {
			return store.Member{}, err
		}
	}
	return a, nil
}

// openPair finds the partner invitation for token and runs fn in a unit of
// work on both organisations.
func openPair(ctx context.Context, s store.Store, token string, partnerOrg store.ID, fn func(g, p store.Tx, inv store.Invitation) error) error {
	if err := rule.CheckID("partner organisation", partnerOrg); err != nil {
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
	return s.UpdatePair(ctx, org, partnerOrg, func(g, p store.Tx) error {
		inv, err := byHash(ctx, g, hash)
		if err != nil {
			return err
		}
		if err := answerable(g.Now(), &inv, store.ForPartner); err != nil {
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
// Two organisations have at most one partnership (store.ErrExists). It
// writes PartnerAccepted in both.
func AcceptPartner(ctx context.Context, s store.Store, token string, partnerOrg, actor store.ID) (store.Partnership, error) {
	var ps store.Partnership
	err := openPair(ctx, s, token, partnerOrg, func(g, p store.Tx, inv store.Invitation) error {
		a, err := partnerActor(ctx, p, actor, &inv)
		if err != nil {
			return err
		}
		if _, err := g.PartnershipWith(ctx, partnerOrg); err == nil {
			return fmt.Errorf("%w: the organisations are partners already", store.ErrExists)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := g.Now()
		if err := accessEnded(now, &inv); err != nil {
			return err
		}
		ps = store.Partnership{Org: inv.Org, Partner: partnerOrg, Level: inv.Role, Scopes: inv.Scopes,
			Status: store.PartnerActive, Invitation: inv.ID, Created: now, Updated: now, Until: inv.Until}
		if ps.ID, err = g.Env().NewID(); err != nil {
			return err
		}
		if err := g.PutPartnership(ctx, ps); err != nil {
			return err
		}
		inv.Status, inv.Joined, inv.Updated, inv.Sealed = store.Accepted, ps.ID, now, nil
		if err := g.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, store.PartnerAccepted, a.Party(), &ps, store.State{}, partnerState(&ps))
	})
	return ps, err
}

// DeclinePartner declines a partnership offered by invitation, on behalf
// of partnerOrg, as AcceptPartner. It writes PartnerDeclined in both.
func DeclinePartner(ctx context.Context, s store.Store, token string, partnerOrg, actor store.ID) error {
	return openPair(ctx, s, token, partnerOrg, func(g, p store.Tx, inv store.Invitation) error {
		a, err := partnerActor(ctx, p, actor, &inv)
		if err != nil {
			return err
		}
		inv.Status, inv.Updated, inv.Sealed = store.Declined, g.Now(), nil
		if err := g.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return emitBoth(ctx, g, p, store.PartnerDeclined, a.Party(), &store.Partnership{ID: inv.ID, Org: inv.Org, Partner: partnerOrg},
			store.State{}, store.State{Status: inv.Status.String()})
	})
}

func partnerState(ps *store.Partnership) store.State {
	return store.State{Role: ps.Level, Scopes: ps.Scopes.Strings(), Status: ps.Status.String(), Collaborators: ps.Collaborators,
		Until: ps.Until}
}

// emitBoth writes the event of a partnership change in the granting
// organisation (g) and in the partner (p): each log names the other
// organisation as the target.
func emitBoth(ctx context.Context, g, p store.Tx, typ store.EventType, actor store.Party, ps *store.Partnership, before, after store.State) error {
	gOrg, err := g.Org(ctx)
	if err != nil {
		return err
	}
	if p == nil { // the partner organisation is deleted
		return rule.Emit(ctx, g, store.Event{Type: typ, Actor: actor, Object: ps.ID,
			Target: store.Party{Org: ps.Partner}, Before: before, After: after})
	}
	pOrg, err := p.Org(ctx)
	if err != nil {
		return err
	}
	if err := rule.Emit(ctx, g, store.Event{Type: typ, Actor: actor, Object: ps.ID,
		Target: store.Party{Org: pOrg.ID, Name: pOrg.Name}, Before: before, After: after}); err != nil {
		return err
	}
	return rule.Emit(ctx, p, store.Event{Type: typ, Actor: actor, Object: ps.ID,
		Target: store.Party{Org: gOrg.ID, Name: gOrg.Name}, Before: before, After: after})
}

// PartnerChange is a change to a partnership by the granting organisation.
// Nil fields are left as they are.
type PartnerChange struct {
	Level  *string
	Scopes *access.Scopes
	Status store.PartnerStatus // 0 leaves it; PartnerSuspended suspends, PartnerActive resumes
	// Collaborators, set, opts in (true) or out (false) of the partnership
	// reaching the partner's external collaborators, beside its staff
	// (store.Partnership.Collaborators).
	Collaborators *bool
	// Until, set, sets, moves or (pointing at the zero time) clears the
	// partnership's end (store.Partnership.Until); an end must come after
	// now (store.ErrInvalid).
	Until *time.Time
}

// ChangePartner changes a partnership the organisation grants: its level,
// its scopes, its status (suspend: the partner loses access at once and
// the settings are kept; resume: restores exactly them), or whether it
// reaches the partner's external collaborators too (Collaborators, off by
// default: the partner's staff only), or its end (Until: set, moved, or
// cleared with the zero time; an end that came and was not recorded is
// recorded first, PartnerExpired). Gated by
// access.ManagePartners; the actor must hold the partnership's permissions
// and scopes, before and after. Each call changes one thing and writes one
// event in each organisation (PartnerLevelChanged, PartnerScopesChanged,
// PartnerSuspendedEvent, PartnerResumed, PartnerReachChanged or
// PartnerExpiryChanged); a call that changes nothing
// succeeds and writes none.
func ChangePartner(ctx context.Context, s store.Store, org, actor, id store.ID, c PartnerChange) (store.Partnership, error) {
	n := 0
	for _, set := range []bool{c.Level != nil, c.Scopes != nil, c.Status != 0, c.Collaborators != nil, c.Until != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return store.Partnership{}, fmt.Errorf("%w: change one of level, scopes, status, collaborators or end at a time", store.ErrInvalid)
	}
	if c.Status != 0 && c.Status != store.PartnerActive && c.Status != store.PartnerSuspended {
		return store.Partnership{}, fmt.Errorf("%w: partnership status %v", store.ErrInvalid, c.Status)
	}
	var out store.Partnership
	err := pair(ctx, s, org, id, func(g, p store.Tx, ps store.Partnership) error {
		if ps.Org != org {
			return fmt.Errorf("%w: only the granting organisation changes a partnership", member.ErrForbidden)
		}
		a, err := grantorActor(ctx, g, actor, &ps)
		if err != nil {
			return err
		}
		next := ps
		typ := store.PartnerLevelChanged
		switch {
		case c.Level != nil:
			next.Level = *c.Level
		case c.Scopes != nil:
			next.Scopes, typ = *c.Scopes, store.PartnerScopesChanged
		case c.Collaborators != nil:
			next.Collaborators, typ = *c.Collaborators, store.PartnerReachChanged
		case c.Until != nil:
			until, err := rule.CheckUntil(*c.Until, g.Now())
			if err != nil {
				return err
			}
			next.Until, typ = until, store.PartnerExpiryChanged
			if !until.Equal(ps.Until) {
				next.EndRecorded = false
				// An end that came and was not recorded yet is
				// recorded before it moves.
				if _, err := rule.RecordPartnerEnd(ctx, g, p, ps); err != nil {
					return err
				}
			}
		case c.Status == store.PartnerSuspended:
			next.Status, typ = store.PartnerSuspended, store.PartnerSuspendedEvent
		default:
			next.Status, typ = store.PartnerActive, store.PartnerResumed
		}
		if _, err := levelGrant(ctx, g, &a, next.Level, next.Scopes); err != nil {
			return err
		}
		out = next
		if next.Level == ps.Level && next.Scopes.Equal(ps.Scopes) && next.Status == ps.Status && next.Collaborators == ps.Collaborators &&
			next.Until.Equal(ps.Until) {
			return nil
		}
		next.Updated = g.Now()
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
func grantorActor(ctx context.Context, g store.Tx, actor store.ID, ps *store.Partnership) (store.Member, error) {
	a, err := rule.GatedActor(ctx, g, actor, access.ManagePartners)
	if err != nil {
		return store.Member{}, err
	}
	_, err = levelGrant(ctx, g, &a, ps.Level, ps.Scopes)
	return a, err
}

// pair runs fn on a partnership and a unit of work on both of its
// organisations; org must be one of the two. Once the partner organisation
// is deleted, the granting one may still change or revoke the partnership:
// fn then runs on the granting organisation alone, with p nil.
func pair(ctx context.Context, s store.Store, org, id store.ID, fn func(g, p store.Tx, ps store.Partnership) error) error {
	if err := rule.CheckID("organisation", org); err != nil {
		return err
	}
	if err := rule.CheckID("partnership", id); err != nil {
		return err
	}
	ps, err := s.Partnership(ctx, org, id)
	if err != nil {
		return err
	}
	run := func(g, p store.Tx) error {
		ps, err := g.Partnership(ctx, id)
		if err != nil {
			return err
		}
		return fn(g, p, ps)
	}
	err = s.UpdatePair(ctx, ps.Org, ps.Partner, func(g, p store.Tx) error { return run(g, p) })
	if errors.Is(err, store.ErrNotFound) && org == ps.Org {
		if _, perr := s.Org(ctx, ps.Partner); errors.Is(perr, store.ErrNotFound) {
			return s.Update(ctx, ps.Org, func(g store.Tx) error { return run(g, nil) })
		}
	}
	return err
}

// RevokePartner ends a partnership the organisation grants: the partner
// loses access at once and the settings are gone. Gated as ChangePartner.
// It writes PartnerRevoked in both organisations, or in the granting one
// alone if the partner organisation was deleted (its partnerships stay with
// the granting organisation until revoked).
func RevokePartner(ctx context.Context, s store.Store, org, actor, id store.ID) error {
	return pair(ctx, s, org, id, func(g, p store.Tx, ps store.Partnership) error {
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
		return emitBoth(ctx, g, p, store.PartnerRevoked, a.Party(), &ps, partnerState(&ps), store.State{})
	})
}

// LeavePartner ends a partnership from the partner's side, by actor, a
// member of the partner organisation allowed to manage its partnerships.
// It writes PartnerLeft in both organisations.
func LeavePartner(ctx context.Context, s store.Store, partnerOrg, actor, id store.ID) error {
	return pair(ctx, s, partnerOrg, id, func(g, p store.Tx, ps store.Partnership) error {
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
		return emitBoth(ctx, g, p, store.PartnerLeft, a.Party(), &ps, partnerState(&ps), store.State{})
	})
}
