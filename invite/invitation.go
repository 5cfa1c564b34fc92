package invite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/member"
)

// MaxTTL bounds how long an invitation may stay valid.
const MaxTTL = 365 * 24 * time.Hour

// NewInvitation describes an invitation to send.
type NewInvitation struct {
	Email   string
	Role    string
	Allow   access.Set
	Deny    access.Set
	Scopes  access.Scopes
	Profile member.Profile
	// TTL is how long the invitation stays valid; zero means the policy's
	// InviteExpiry (7 days by default).
	TTL time.Duration
}

// update runs fn in a unit of work on org and returns its result.
func update[T any](ctx context.Context, s Store, org ID, fn func(Tx) (T, error)) (T, error) {
	var out T
	if err := member.CheckID("organisation", org); err != nil {
		return out, err
	}
	err := s.UpdateInvites(ctx, org, func(tx Tx) error {
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

// Send invites a person to join the organisation, and returns the
// invitation and its token, which is shown only now (send it, or build the
// magic link with Link). Gated by access.Invite: the actor grants only what
// it holds, never the owner role. The e-mail must belong to no member and no
// pending invitation (an expired one is closed), and the invitation takes a
// seat until it is accepted, cancelled or expires. It writes InvitationSent.
//
// What an invitation grants was checked against its sender when it was
// sent: removing or demoting the sender later does not cancel it (list the
// pending invitations, and Cancel those you no longer want).
func Send(ctx context.Context, s Store, org, actor ID, n NewInvitation) (Invitation, string, error) {
	return withToken(ctx, s, org, func(tx Tx) (Invitation, string, error) { return SendTx(ctx, tx, actor, n) })
}

// withToken runs fn, which makes an invitation and its token, in a unit of
// work on org.
func withToken(ctx context.Context, s Store, org ID, fn func(Tx) (Invitation, string, error)) (Invitation, string, error) {
	var token string
	inv, err := update(ctx, s, org, func(tx Tx) (Invitation, error) {
		inv, tok, err := fn(tx)
		token = tok
		return inv, err
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return inv, token, nil
}

// checkAddress normalises an invitation's e-mail and settles its TTL.
func checkAddress(env *member.Env, email string, ttl time.Duration) (string, time.Duration, error) {
	email, err := member.NormalizeEmail(email)
	if err != nil {
		return "", 0, err
	}
	if ttl < 0 || ttl > MaxTTL {
		return "", 0, fmt.Errorf("%w: TTL %v must be within a year", member.ErrInvalid, ttl)
	}
	if ttl == 0 {
		ttl = env.Policy.InviteExpiry()
	}
	return email, ttl, nil
}

// create gives the new invitation inv an ID and a token, stores it, and
// writes its event, by actor a.
func create(ctx context.Context, tx Tx, a *member.Member, inv Invitation, typ member.EventType) (Invitation, string, error) {
	env := tx.Env()
	now := env.Time()
	inv.Org, inv.InvitedBy, inv.Status, inv.Created = a.Org, a.Party(), Pending, now
	var err error
	if inv.ID, err = env.NewID(); err != nil {
		return Invitation{}, "", err
	}
	token, err := issue(env, &inv, now)
	if err != nil {
		return Invitation{}, "", err
	}
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return Invitation{}, "", err
	}
	return inv, token, member.Emit(ctx, tx, member.Event{Type: typ, Actor: a.Party(),
		Target: member.Party{Email: inv.Email}, Object: inv.ID, After: state(env.Policy, &inv)})
}

// SendTx is Send inside a unit of work.
func SendTx(ctx context.Context, tx Tx, actor ID, n NewInvitation) (Invitation, string, error) {
	env := tx.Env()
	email, ttl, err := checkAddress(env, n.Email, n.TTL)
	if err != nil {
		return Invitation{}, "", err
	}
	if n.Role == "" {
		return Invitation{}, "", fmt.Errorf("%w: an invitation needs a role", member.ErrInvalid)
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return Invitation{}, "", err
	}
	// The member the invitation would make, to check what it grants.
	m, err := member.NewMember{
		NewUser: member.NewUser{UserID: "invitee", Email: email},
		Kind:    member.Staff, Role: n.Role, Allow: n.Allow, Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile,
	}.Build(env, o.ID)
	if err != nil {
		return Invitation{}, "", err
	}
	a, err := member.GatedActor(ctx, tx, actor, access.Invite)
	if err != nil {
		return Invitation{}, "", err
	}
	if err := checkGrant(ctx, tx, &a, &m); err != nil {
		return Invitation{}, "", err
	}
	if _, err := tx.MemberByEmail(ctx, email); err == nil {
		return Invitation{}, "", fmt.Errorf("%w: %s", member.ErrAlreadyMember, email)
	} else if !errors.Is(err, member.ErrNotFound) {
		return Invitation{}, "", err
	}
	if err := closeExpired(ctx, tx, ForMember, email, env.Time()); err != nil {
		return Invitation{}, "", err
	}
	if err := member.CheckSeat(ctx, tx, 1); err != nil {
		return Invitation{}, "", err
	}
	return create(ctx, tx, &a, Invitation{Kind: ForMember, Email: email, Role: n.Role, Allow: n.Allow,
		Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile, TTL: ttl}, InvitationSent)
}

// checkGrant checks what the member m (built from an invitation) would
// hold: a known role that is not the owner's, allowed profile fields, and
// nothing beyond the actor.
func checkGrant(ctx context.Context, tx Tx, a, m *member.Member) error {
	p := tx.Env().Policy
	if p.IsOwner(m.Role) {
		return fmt.Errorf("%w: only an ownership transfer makes an owner", member.ErrOwnerProtected)
	}
	if err := member.ResolveIn(ctx, tx, m); err != nil {
		return err
	}
	if err := member.CheckProfile(p, m.Role, m.Profile); err != nil {
		return err
	}
	g := m.Grant()
	return member.CanGrant(a, g.Held(), m.Scopes)
}

// closeExpired closes the expired pending invitation of kind to email, if
// any, so that a new one can be sent; a pending one that has not expired is
// ErrAlreadyInvited.
func closeExpired(ctx context.Context, tx Tx, kind Kind, email string, now time.Time) error {
	old, err := tx.PendingInvitation(ctx, kind, email)
	if errors.Is(err, member.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.Open(now) {
		return fmt.Errorf("%w: %s has a pending invitation until %s", ErrAlreadyInvited, email, old.Expires.Format(time.RFC3339))
	}
	old.Status, old.Updated, old.Sealed = Expired, now, nil
	return tx.PutInvitation(ctx, old)
}

// issue gives inv a fresh token valid for inv.TTL from now.
func issue(env *member.Env, inv *Invitation, now time.Time) (string, error) {
	token, hash, err := member.NewSecret(env, TokenKind)
	if err != nil {
		return "", err
	}
	sealed, err := seal(env, inv.ID, token)
	if err != nil {
		return "", err
	}
	inv.TokenHash, inv.Sealed = hash, sealed
	inv.Sent, inv.Expires, inv.Updated = now, now.Add(inv.TTL), now
	return token, nil
}

func state(p *access.Policy, inv *Invitation) member.State {
	names := func(s access.Set) []string {
		n, _ := p.Names(s.Intersect(p.All()))
		if len(n) == 0 {
			return nil
		}
		return n
	}
	return member.State{Role: inv.Role, Email: inv.Email, Allow: names(inv.Allow), Deny: names(inv.Deny),
		Scopes: inv.Scopes.Strings(), Profile: inv.Profile.Map(), Expires: inv.Expires, Status: inv.Status.String()}
}

// manage loads the actor and an invitation of the organisation it may
// manage: gated by access.Invite, and covering what the invitation grants.
func manage(ctx context.Context, tx Tx, actor, id ID) (member.Member, Invitation, error) {
	if err := member.CheckID("invitation", id); err != nil {
		return member.Member{}, Invitation{}, err
	}
	a, err := member.LoadActor(ctx, tx, actor)
	if err != nil {
		return member.Member{}, Invitation{}, err
	}
	gate := access.Invite
	inv, err := tx.Invitation(ctx, id)
	if err == nil && inv.Kind == ForPartner {
		gate = access.ManagePartners
	}
	if err := member.Gate(&a, gate); err != nil {
		return member.Member{}, Invitation{}, err
	}
	if err != nil {
		return member.Member{}, Invitation{}, fmt.Errorf("invitation %v: %w", id, err)
	}
	if err := coversInvitation(ctx, tx, &a, &inv); err != nil {
		return member.Member{}, Invitation{}, err
	}
	return a, inv, nil
}

// coversInvitation refuses with ErrEscalation unless the actor holds what
// an invitation grants, in its scopes: for a member invitation its role's
// permissions (a custom role's included) plus those it allows, minus those
// it denies; for a partner invitation its level's, less the lifecycle
// permissions a partnership never carries. A custom role deleted since
// (only possible once the invitation is closed) grants nothing, so that
// managing a closed invitation answers with its state.
func coversInvitation(ctx context.Context, tx Tx, a *member.Member, inv *Invitation) error {
	p := tx.Env().Policy
	perms, _, err := rolePerms(ctx, tx, inv.Role)
	if err != nil {
		return err
	}
	if inv.Kind == ForPartner {
		perms = perms.Difference(p.Lifecycle())
	} else {
		perms = perms.Union(inv.Allow).Difference(inv.Deny)
	}
	return member.CanGrant(a, perms, inv.Scopes)
}

// rolePerms returns the permissions of the role name in tx's organisation:
// the policy's role, else the organisation's custom role; found is false
// for neither.
func rolePerms(ctx context.Context, tx Tx, name string) (perms access.Set, found bool, err error) {
	if perms, ok := tx.Env().Policy.RolePerms(name); ok {
		return perms, true, nil
	}
	r, err := tx.Role(ctx, name)
	if errors.Is(err, member.ErrNotFound) {
		return access.Set{}, false, nil
	}
	if err != nil {
		return access.Set{}, false, err
	}
	return r.Perms, true, nil
}

// Resend rotates the invitation's token (the old one stops working), resets
// its expiry, and returns the new token. Refused for accepted, declined and
// cancelled invitations; an expired one is reopened if a seat is free. Gated
// as Send. It writes InvitationResent.
func Resend(ctx context.Context, s Store, org, actor, id ID) (Invitation, string, error) {
	return withToken(ctx, s, org, func(tx Tx) (Invitation, string, error) { return ResendTx(ctx, tx, actor, id) })
}

// ResendTx is Resend inside a unit of work.
func ResendTx(ctx context.Context, tx Tx, actor, id ID) (Invitation, string, error) {
	a, inv, err := manage(ctx, tx, actor, id)
	if err != nil {
		return Invitation{}, "", err
	}
	if err := inv.closedErr(); err != nil {
		return Invitation{}, "", err
	}
	env := tx.Env()
	now := env.Time()
	if inv.Kind == ForMember && !inv.Open(now) {
		if err := member.CheckSeat(ctx, tx, 1); err != nil {
			return Invitation{}, "", err
		}
	}
	before := state(env.Policy, &inv)
	token, err := issue(env, &inv, now)
	if err != nil {
		return Invitation{}, "", err
	}
	inv.Resends++
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return Invitation{}, "", err
	}
	return inv, token, member.Emit(ctx, tx, member.Event{Type: InvitationResent, Actor: a.Party(),
		Target: member.Party{Email: inv.Email}, Object: inv.ID, Before: before, After: state(env.Policy, &inv)})
}

// Cancel cancels a pending invitation (expired or not); its token stops
// working and its seat is freed. Refused for accepted, declined, cancelled
// and closed invitations. Gated as Send. It writes InvitationCancelled.
func Cancel(ctx context.Context, s Store, org, actor, id ID) error {
	_, err := update(ctx, s, org, func(tx Tx) (struct{}, error) { return struct{}{}, CancelTx(ctx, tx, actor, id) })
	return err
}

// CancelTx is Cancel inside a unit of work.
func CancelTx(ctx context.Context, tx Tx, actor, id ID) error {
	a, inv, err := manage(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if err := inv.closedErr(); err != nil {
		return err
	}
	before := state(tx.Env().Policy, &inv)
	inv.Status, inv.Updated, inv.Sealed = Cancelled, tx.Env().Time(), nil
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return err
	}
	return member.Emit(ctx, tx, member.Event{Type: InvitationCancelled, Actor: a.Party(),
		Target: member.Party{Email: inv.Email}, Object: inv.ID, Before: before, After: member.State{Status: inv.Status.String()}})
}

// CopyLink returns the invitation's magic link again (seed 004), built on
// base as Link does. It needs the store's link key (ErrNoLink otherwise) and
// an open invitation. Gated as Send. It writes no event: nothing changes.
func CopyLink(ctx context.Context, s Store, org, actor, id ID, base string) (string, error) {
	return update(ctx, s, org, func(tx Tx) (string, error) {
		_, inv, err := manage(ctx, tx, actor, id)
		if err != nil {
			return "", err
		}
		if err := inv.closedErr(); err != nil {
			return "", err
		}
		if !inv.Open(tx.Env().Time()) {
			return "", fmt.Errorf("%w: resend invitation %v for a new link", ErrExpired, inv.ID)
		}
		token, err := unseal(tx.Env(), inv.ID, inv.Sealed)
		if err != nil {
			return "", err
		}
		return Link(base, token)
	})
}

// An Invitee is the user accepting or declining an invitation.
type Invitee = member.NewUser

// open finds the invitation of kind for token, in a unit of work on its
// organisation, and checks that it can still be answered at now.
func open(ctx context.Context, s Store, token string, kind Kind, fn func(tx Tx, inv Invitation) error) error {
	hash, err := HashToken(token)
	if err != nil {
		return err
	}
	return s.UpdateByToken(ctx, hash, func(tx Tx) error {
		inv, err := answerable(ctx, tx, hash, kind)
		if err != nil {
			return err
		}
		return fn(tx, inv)
	})
}

// answerable loads the invitation of kind whose current token hashes to
// hash, in the unit of work of its organisation, and checks that it can
// still be accepted or declined now.
func answerable(ctx context.Context, tx Tx, hash [32]byte, kind Kind) (Invitation, error) {
	inv, err := tx.InvitationByHash(ctx, hash)
	if err != nil {
		return Invitation{}, fmt.Errorf("invitation token: %w", err)
	}
	if !member.SameHash(inv.TokenHash, hash) || inv.Kind != kind {
		return Invitation{}, fmt.Errorf("invitation token: %w", member.ErrNotFound)
	}
	if err := inv.closedErr(); err != nil {
		return Invitation{}, err
	}
	if !inv.Open(tx.Env().Time()) {
		return Invitation{}, fmt.Errorf("%w: invitation %v expired at %s", ErrExpired, inv.ID, inv.Expires.Format(time.RFC3339))
	}
	return inv, nil
}

func checkEmail(p *access.Policy, inv *Invitation, email string) error {
	if !p.AcceptAnyEmail() && email != inv.Email {
		return fmt.Errorf("%w: the invitation is for another address", ErrEmailMismatch)
	}
	return nil
}

// Accept accepts the invitation the token belongs to, as user, and returns
// the member it creates with exactly what the invitation carried. Single
// use: of concurrent accepts, one wins and the rest get ErrAlreadyUsed. An
// unknown token is member.ErrNotFound, a malformed one member.ErrInvalid;
// expired, cancelled and declined invitations are ErrExpired, ErrCancelled
// and ErrDeclined. The user's e-mail must match the invitation's, ignoring
// case (ErrEmailMismatch), unless the policy accepts any. A user who is a
// member already is member.ErrAlreadyMember. It writes InvitationAccepted.
func Accept(ctx context.Context, s Store, token string, user Invitee) (member.Member, error) {
	if err := checkInvitee(&user); err != nil {
		return member.Member{}, err
	}
	var m member.Member
	err := open(ctx, s, token, ForMember, func(tx Tx, inv Invitation) error {
		var err error
		m, err = acceptTx(ctx, tx, inv, user)
		return err
	})
	return m, err
}

func checkInvitee(u *Invitee) error {
	if err := member.CheckUserID(u.UserID); err != nil {
		return err
	}
	email, err := member.NormalizeEmail(u.Email)
	if err != nil {
		return err
	}
	u.Email = email
	return member.CheckName("display name", u.Name, false)
}

func acceptTx(ctx context.Context, tx Tx, inv Invitation, user Invitee) (member.Member, error) {
	env := tx.Env()
	if err := checkEmail(env.Policy, &inv, user.Email); err != nil {
		return member.Member{}, err
	}
	m, err := member.NewMember{
		NewUser: user, Kind: member.Staff, Role: inv.Role, Allow: inv.Allow, Deny: inv.Deny,
		Scopes: inv.Scopes, Profile: inv.Profile,
	}.Build(env, inv.Org)
	if err != nil {
		return member.Member{}, err
	}
	if err := member.Admit(ctx, tx, nil, &m, true); err != nil {
		return member.Member{}, err
	}
	now := env.Time()
	inv.Status, inv.Joined, inv.Updated, inv.Sealed = Accepted, m.ID, now, nil
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return member.Member{}, err
	}
	if err := tx.PutMember(ctx, m); err != nil {
		return member.Member{}, err
	}
	return m, member.Emit(ctx, tx, member.Event{Type: InvitationAccepted, Actor: m.Party(), Target: m.Party(),
		Object: inv.ID, Before: member.State{Email: inv.Email, Status: Pending.String()}, After: member.Snapshot(env.Policy, &m)})
}

// Decline declines the invitation the token belongs to, as user (whose
// e-mail must match, as for Accept); its seat is freed. It writes
// InvitationDeclined.
func Decline(ctx context.Context, s Store, token string, user Invitee) error {
	if err := checkInvitee(&user); err != nil {
		return err
	}
	return open(ctx, s, token, ForMember, func(tx Tx, inv Invitation) error {
		if err := checkEmail(tx.Env().Policy, &inv, user.Email); err != nil {
			return err
		}
		inv.Status, inv.Updated, inv.Sealed = Declined, tx.Env().Time(), nil
		if err := tx.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return member.Emit(ctx, tx, member.Event{Type: InvitationDeclined,
			Actor: member.Party{UserID: user.UserID, Name: user.Name, Email: user.Email}, Object: inv.ID,
			Target: member.Party{Email: inv.Email}, After: member.State{Status: inv.Status.String()}})
	})
}

// A PendingInvitation is one row of the pending list (seed 003): the
// invitation and whether it has expired.
type PendingInvitation struct {
	Invitation
	Expired bool
}

// ListPending lists the organisation's pending invitations of kind
// ForMember, expired or not, one page at a time.
func ListPending(ctx context.Context, s Store, org ID, p member.Page) ([]PendingInvitation, string, error) {
	invs, next, err := s.Invitations(ctx, org, InvitationFilter{Status: Pending, Kind: ForMember}, p)
	if err != nil {
		return nil, "", err
	}
	now := s.Env().Time()
	out := make([]PendingInvitation, len(invs))
	for i := range invs {
		out[i] = PendingInvitation{Invitation: invs[i], Expired: invs[i].Expired(now)}
	}
	return out, next, nil
}
