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

// MaxTTL bounds how long an invitation may stay valid, per invitation as the
// policy's default (access.MaxInviteExpiry) is.
const MaxTTL = access.MaxInviteExpiry

// NewInvitation describes an invitation to send.
type NewInvitation struct {
	Email   string
	Role    string
	Allow   access.Set
	Deny    access.Set
	Scopes  access.Scopes
	Profile store.Profile
	// TTL is how long the invitation stays valid; zero means the policy's
	// InviteExpiry (7 days by default).
	TTL time.Duration
	// Until, if set, is when the access of the member that accepting
	// makes ends (store.Member.Until); it must come after now
	// (store.ErrInvalid), and accepting after it is ErrExpired.
	Until time.Time
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
func Send(ctx context.Context, s store.Store, org, actor store.ID, n NewInvitation) (store.Invitation, string, error) {
	return withToken(ctx, s, org, func(tx store.Tx) (store.Invitation, string, error) { return SendTx(ctx, tx, actor, n) })
}

// withToken runs fn, which makes an invitation and its token, in a unit of
// work on org.
func withToken(ctx context.Context, s store.Store, org store.ID, fn func(store.Tx) (store.Invitation, string, error)) (store.Invitation, string, error) {
	var token string
	inv, err := rule.Update(ctx, s, org, func(tx store.Tx) (store.Invitation, error) {
		inv, tok, err := fn(tx)
		token = tok
		return inv, err
	})
	if err != nil {
		return store.Invitation{}, "", err
	}
	return inv, token, nil
}

// checkAddress normalises an invitation's e-mail and settles its TTL.
func checkAddress(env *store.Env, email string, ttl time.Duration) (string, time.Duration, error) {
	email, err := member.NormalizeEmail(email)
	if err != nil {
		return "", 0, err
	}
	if ttl < 0 || ttl > MaxTTL {
		return "", 0, fmt.Errorf("%w: TTL %v must be within a year", store.ErrInvalid, ttl)
	}
	if ttl == 0 {
		ttl = env.Policy.InviteExpiry()
	}
	return email, ttl, nil
}

// create gives the new invitation inv an ID and a token, stores it, and
// writes its event, by actor a.
func create(ctx context.Context, tx store.Tx, a *store.Member, inv store.Invitation, typ store.EventType) (store.Invitation, string, error) {
	env := tx.Env()
	now := tx.Now()
	inv.Org, inv.InvitedBy, inv.Status, inv.Created = a.Org, a.Party(), store.Pending, now
	var err error
	if inv.ID, err = env.NewID(); err != nil {
		return store.Invitation{}, "", err
	}
	token, err := issue(env, &inv, now)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return store.Invitation{}, "", err
	}
	return inv, token, rule.Emit(ctx, tx, store.Event{Type: typ, Time: now, Actor: a.Party(),
		Target: store.Party{Email: inv.Email}, Object: inv.ID, After: state(env.Policy, &inv)})
}

// SendTx is Send inside a unit of work.
func SendTx(ctx context.Context, tx store.Tx, actor store.ID, n NewInvitation) (store.Invitation, string, error) {
	env := tx.Env()
	email, ttl, err := checkAddress(env, n.Email, n.TTL)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if n.Role == "" {
		return store.Invitation{}, "", fmt.Errorf("%w: an invitation needs a role", store.ErrInvalid)
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return store.Invitation{}, "", err
	}
	// The member the invitation would make, to check what it grants.
	m, err := rule.NewMember(tx, store.Member{
		Org: o.ID, UserID: "invitee", Email: email,
		Kind: store.Staff, Role: n.Role, Allow: n.Allow, Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile, Until: n.Until,
	})
	if err != nil {
		return store.Invitation{}, "", err
	}
	a, err := rule.GatedActor(ctx, tx, actor, access.Invite)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if err := checkGrant(ctx, tx, &a, &m); err != nil {
		return store.Invitation{}, "", err
	}
	if _, err := tx.MemberByEmail(ctx, email); err == nil {
		return store.Invitation{}, "", fmt.Errorf("%w: %s", store.ErrAlreadyMember, email)
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Invitation{}, "", err
	}
	if err := closeExpired(ctx, tx, store.ForMember, email, tx.Now()); err != nil {
		return store.Invitation{}, "", err
	}
	if err := rule.CheckSeat(ctx, tx, 1); err != nil {
		return store.Invitation{}, "", err
	}
	return create(ctx, tx, &a, store.Invitation{Kind: store.ForMember, Email: email, Role: n.Role, Allow: n.Allow,
		Deny: n.Deny, Scopes: n.Scopes, Profile: n.Profile, TTL: ttl, Until: m.Until}, store.InvitationSent)
}

// checkGrant checks what the member m (built from an invitation) would
// hold: a known role that is not the owner's, allowed profile fields, and
// nothing beyond the actor.
func checkGrant(ctx context.Context, tx store.Tx, a, m *store.Member) error {
	p := tx.Env().Policy
	if p.IsOwner(m.Role) {
		return fmt.Errorf("%w: only an ownership transfer makes an owner", member.ErrOwnerProtected)
	}
	if err := rule.ResolveIn(ctx, tx, m); err != nil {
		return err
	}
	if err := rule.CheckProfile(p, m.Role, m.Profile); err != nil {
		return err
	}
	g := m.Grant()
	return rule.CanGrant(a, g.Held(), m.Scopes)
}

// closeExpired closes the expired pending invitation of kind to email, if
// any, so that a new one can be sent; a pending one that has not expired is
// store.ErrAlreadyInvited.
func closeExpired(ctx context.Context, tx store.Tx, kind store.InvitationKind, email string, now time.Time) error {
	old, err := tx.PendingInvitation(ctx, kind, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.Open(now) {
		return fmt.Errorf("%w: %s has a pending invitation until %s", store.ErrAlreadyInvited, email, old.Expires.Format(time.RFC3339))
	}
	old.Status, old.Updated, old.Sealed = store.Expired, now, nil
	return tx.PutInvitation(ctx, old)
}

// issue gives inv a fresh token valid for inv.TTL from now.
func issue(env *store.Env, inv *store.Invitation, now time.Time) (string, error) {
	token, hash, err := rule.NewSecret(env, TokenKind)
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

func state(p *access.Policy, inv *store.Invitation) store.State {
	names := func(s access.Set) []string {
		n, _ := p.Names(s.Intersect(p.All()))
		if len(n) == 0 {
			return nil
		}
		return n
	}
	return store.State{Role: inv.Role, Email: inv.Email, Allow: names(inv.Allow), Deny: names(inv.Deny),
		Scopes: inv.Scopes.Strings(), Profile: inv.Profile.Map(), Expires: inv.Expires, Status: inv.Status.String()}
}

// manage loads the actor and an invitation of the organisation it may
// manage: gated by access.Invite, and covering what the invitation grants.
func manage(ctx context.Context, tx store.Tx, actor, id store.ID) (store.Member, store.Invitation, error) {
	if err := rule.CheckID("invitation", id); err != nil {
		return store.Member{}, store.Invitation{}, err
	}
	a, err := rule.LoadActor(ctx, tx, actor)
	if err != nil {
		return store.Member{}, store.Invitation{}, err
	}
	gate := access.Invite
	inv, err := tx.Invitation(ctx, id)
	if err == nil && inv.Kind == store.ForPartner {
		gate = access.ManagePartners
	}
	if err := rule.Gate(&a, gate); err != nil {
		return store.Member{}, store.Invitation{}, err
	}
	if err != nil {
		return store.Member{}, store.Invitation{}, fmt.Errorf("invitation %v: %w", id, err)
	}
	if err := coversInvitation(ctx, tx, &a, &inv); err != nil {
		return store.Member{}, store.Invitation{}, err
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
func coversInvitation(ctx context.Context, tx store.Tx, a *store.Member, inv *store.Invitation) error {
	p := tx.Env().Policy
	perms, _, err := rolePerms(ctx, tx, inv.Role)
	if err != nil {
		return err
	}
	if inv.Kind == store.ForPartner {
		perms = perms.Difference(p.Lifecycle())
	} else {
		perms = perms.Union(inv.Allow).Difference(inv.Deny)
	}
	return rule.CanGrant(a, perms, inv.Scopes)
}

// rolePerms returns the permissions of the role name in tx's organisation:
// the policy's role, else the organisation's custom role; found is false
// for neither.
func rolePerms(ctx context.Context, tx store.Tx, name string) (perms access.Set, found bool, err error) {
	if perms, ok := tx.Env().Policy.RolePerms(name); ok {
		return perms, true, nil
	}
	if access.ValidName(name) != nil {
		return access.Set{}, false, nil // no role has that name; no store may match one
	}
	r, err := tx.Role(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
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
func Resend(ctx context.Context, s store.Store, org, actor, id store.ID) (store.Invitation, string, error) {
	return withToken(ctx, s, org, func(tx store.Tx) (store.Invitation, string, error) { return ResendTx(ctx, tx, actor, id) })
}

// ResendTx is Resend inside a unit of work.
func ResendTx(ctx context.Context, tx store.Tx, actor, id store.ID) (store.Invitation, string, error) {
	a, inv, err := manage(ctx, tx, actor, id)
	if err != nil {
		return store.Invitation{}, "", err
	}
	if err := closedErr(&inv); err != nil {
		return store.Invitation{}, "", err
	}
	env := tx.Env()
	now := tx.Now()
	if inv.Kind == store.ForMember && !inv.Open(now) {
		if err := rule.CheckSeat(ctx, tx, 1); err != nil {
			return store.Invitation{}, "", err
		}
	}
	before := state(env.Policy, &inv)
	token, err := issue(env, &inv, now)
	if err != nil {
		return store.Invitation{}, "", err
	}
	inv.Resends++
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return store.Invitation{}, "", err
	}
	return inv, token, rule.Emit(ctx, tx, store.Event{Type: store.InvitationResent, Time: now, Actor: a.Party(),
		Target: store.Party{Email: inv.Email}, Object: inv.ID, Before: before, After: state(env.Policy, &inv)})
}

// Cancel cancels a pending invitation (expired or not); its token stops
// working and its seat is freed. Refused for accepted, declined, cancelled
// and closed invitations. Gated as Send. It writes InvitationCancelled.
func Cancel(ctx context.Context, s store.Store, org, actor, id store.ID) error {
	_, err := rule.Update(ctx, s, org, func(tx store.Tx) (struct{}, error) { return struct{}{}, CancelTx(ctx, tx, actor, id) })
	return err
}

// CancelTx is Cancel inside a unit of work.
func CancelTx(ctx context.Context, tx store.Tx, actor, id store.ID) error {
	a, inv, err := manage(ctx, tx, actor, id)
	if err != nil {
		return err
	}
	if err := closedErr(&inv); err != nil {
		return err
	}
	before := state(tx.Env().Policy, &inv)
	inv.Status, inv.Updated, inv.Sealed = store.Cancelled, tx.Now(), nil
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return err
	}
	return rule.Emit(ctx, tx, store.Event{Type: store.InvitationCancelled, Actor: a.Party(),
		Target: store.Party{Email: inv.Email}, Object: inv.ID, Before: before, After: store.State{Status: inv.Status.String()}})
}

// CopyLink returns the invitation's magic link again (seed 004), built on
// base as Link does. It needs the store's link key (ErrNoLink otherwise) and
// an open invitation. Gated as Send. It writes no event: nothing changes.
func CopyLink(ctx context.Context, s store.Store, org, actor, id store.ID, base string) (string, error) {
	return rule.Update(ctx, s, org, func(tx store.Tx) (string, error) { return CopyLinkTx(ctx, tx, actor, id, base) })
}

// CopyLinkTx is CopyLink inside a unit of work.
func CopyLinkTx(ctx context.Context, tx store.Tx, actor, id store.ID, base string) (string, error) {
	_, inv, err := manage(ctx, tx, actor, id)
	if err != nil {
		return "", err
	}
	if err := closedErr(&inv); err != nil {
		return "", err
	}
	if !inv.Open(tx.Now()) {
		return "", fmt.Errorf("%w: resend invitation %v for a new link", ErrExpired, inv.ID)
	}
	token, err := unseal(tx.Env(), inv.ID, inv.Sealed)
	if err != nil {
		return "", err
	}
	return Link(base, token)
}

// DeliveryLink returns the magic link to mail for e, an event of the change
// feed that sent an invitation (InvitationSent, InvitationResent or
// PartnerInvited), built on base as Link does. It runs as the host itself,
// with no member acting, so that a worker following the feed delivers an
// invitation also after its sender has left:
//
//	store.Follow(ctx, s, "mailer", store.FollowOptions{}, func(ctx context.Context, evs []store.Event) error {
//		for _, e := range evs {
//			if e.Type != store.InvitationSent && e.Type != store.InvitationResent {
//				continue
//			}
//			link, err := invite.DeliveryLink(ctx, s, e, "https://app.example.com/join")
//			if invite.Stale(err) {
//				continue // accepted, cancelled, expired or resent since
//			}
//			if err != nil {
//				return err // the batch comes again
//			}
//			if err := mail(e.Target.Email, link); err != nil {
//				return err
//			}
//		}
//		return nil
//	})
//
// It needs the store's Env.LinkKey, with which the token is kept sealed
// (ErrNoLink otherwise: without a link key the link exists only in the
// answer to Send and Resend, and must be delivered in that request). The
// invitation must be pending and unexpired, else the error says why
// (ErrExpired, ErrAlreadyUsed, ErrDeclined, ErrCancelled; store.ErrNotFound
// once its organisation is deleted). If it was resent after e, the error is
// ErrSuperseded: the resend's own event delivers the new link, and the old
// one no longer works. An event of another type is store.ErrInvalid.
func DeliveryLink(ctx context.Context, s store.Store, e store.Event, base string) (string, error) {
	switch e.Type {
	case store.InvitationSent, store.InvitationResent, store.PartnerInvited:
	default:
		return "", fmt.Errorf("%w: a %s event sends no invitation", store.ErrInvalid, e.Type)
	}
	env := s.Env()
	if len(env.LinkKey) == 0 {
		return "", fmt.Errorf("%w: configure Env.LinkKey to deliver invitations from the feed", ErrNoLink)
	}
	inv, err := s.Invitation(ctx, e.Org, e.Object)
	if err != nil {
		return "", err
	}
	if err := closedErr(&inv); err != nil {
		return "", err
	}
	if inv.Sent.After(e.Time) {
		return "", fmt.Errorf("%w: invitation %v was resent at %v", ErrSuperseded, inv.ID, inv.Sent)
	}
	if !inv.Open(env.Time()) {
		return "", fmt.Errorf("%w: invitation %v", ErrExpired, inv.ID)
	}
	token, err := unseal(env, inv.ID, inv.Sealed)
	if err != nil {
		return "", err
	}
	return Link(base, token)
}

// Stale reports whether err, from DeliveryLink, says that the invitation
// needs no delivery any more: it was accepted, declined, cancelled, expired,
// resent since the event, or its organisation deleted.
func Stale(err error) bool {
	for _, e := range []error{ErrSuperseded, ErrExpired, ErrAlreadyUsed, ErrDeclined, ErrCancelled, store.ErrNotFound} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Show returns the invitation that token opens, for the page that shows it
// to the invitee before they answer: a read, which takes no lock and
// changes nothing. It is returned whatever its status (the page says
// "accepted", "expired" and so on from Status and Expired), without its
// token's hash or sealed copy. An unknown or malformed token is
// store.ErrNotFound or store.ErrInvalid.
func Show(ctx context.Context, s store.Store, token string) (store.Invitation, error) {
	hash, err := HashToken(token)
	if err != nil {
		return store.Invitation{}, err
	}
	inv, err := s.InvitationByHash(ctx, hash)
	if err != nil {
		return store.Invitation{}, err
	}
	inv.TokenHash, inv.Sealed = [32]byte{}, nil
	return inv, nil
}

// An Invitee is the user accepting or declining an invitation.
type Invitee = member.NewUser

// open finds the invitation of kind for token, in a unit of work on its
// organisation, and checks that it can still be answered at now.
func open(ctx context.Context, s store.Store, token string, kind store.InvitationKind, fn func(tx store.Tx, inv store.Invitation) error) error {
	hash, err := HashToken(token)
	if err != nil {
		return err
	}
	return updateByToken(ctx, s, hash, func(tx store.Tx, inv store.Invitation) error {
		if err := answerable(tx.Now(), &inv, kind); err != nil {
			return err
		}
		return fn(tx, inv)
	})
}

// updateByToken runs fn in a unit of work on the organisation holding the
// invitation whose current token hashes to hash, with the invitation read
// under its lock: through the store's TokenUpdater if it has one, else by
// finding the organisation first and reading the invitation in its unit of
// work.
func updateByToken(ctx context.Context, s store.Store, hash [32]byte, fn func(store.Tx, store.Invitation) error) error {
	if t, ok := s.(store.TokenUpdater); ok {
		return t.UpdateByToken(ctx, hash, fn)
	}
	org, err := s.InvitationOrg(ctx, hash)
	if err != nil {
		return fmt.Errorf("invitation token: %w", err)
	}
	return s.Update(ctx, org, func(tx store.Tx) error {
		inv, err := byHash(ctx, tx, hash)
		if err != nil {
			return err
		}
		return fn(tx, inv)
	})
}

// byHash reads the invitation whose current token hashes to hash in tx.
func byHash(ctx context.Context, tx store.Tx, hash [32]byte) (store.Invitation, error) {
	inv, err := tx.InvitationByHash(ctx, hash)
	if err != nil {
		return store.Invitation{}, fmt.Errorf("invitation token: %w", err)
	}
	if !rule.SameHash(inv.TokenHash, hash) {
		return store.Invitation{}, fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	return inv, nil
}

// answerable checks that inv, found by its token, is of kind and can still
// be accepted or declined at now, the unit of work's time.
func answerable(now time.Time, inv *store.Invitation, kind store.InvitationKind) error {
	if inv.Kind != kind {
		return fmt.Errorf("invitation token: %w", store.ErrNotFound)
	}
	if err := closedErr(inv); err != nil {
		return err
	}
	if !inv.Open(now) {
		return fmt.Errorf("%w: invitation %v expired at %s", ErrExpired, inv.ID, inv.Expires.Format(time.RFC3339))
	}
	return nil
}

func checkEmail(p *access.Policy, inv *store.Invitation, email string) error {
	if !p.AcceptAnyEmail() && email != inv.Email {
		return fmt.Errorf("%w: the invitation is for another address", ErrEmailMismatch)
	}
	return nil
}

// Accepted is what accepting an invitation made, for the page that
// follows: the new member, the organisation it joined (its name, for a
// "welcome to Acme"), and the invitation as accepting closed it (Status
// Accepted, Joined the member's ID), without its token's hash or sealed
// copy. All three are read in the unit of work that accepted.
type Accepted struct {
	Member     store.Member
	Org        store.Org
	Invitation store.Invitation
}

// Accept accepts the invitation the token belongs to, as user, and returns
// the member it creates with exactly what the invitation carried, with its
// organisation and the closed invitation. Single use: of concurrent
// accepts, one wins and the rest get ErrAlreadyUsed. An unknown token is
// store.ErrNotFound, a malformed one store.ErrInvalid; expired, cancelled
// and declined invitations are ErrExpired, ErrCancelled and ErrDeclined;
// so is (ErrExpired) one whose access ended already (Invitation.Until),
// and the member carries that end. The user's e-mail must match the
// invitation's, ignoring case (ErrEmailMismatch), unless the policy
// accepts any. A user who is a member already is store.ErrAlreadyMember.
// It writes InvitationAccepted.
func Accept(ctx context.Context, s store.Store, token string, user Invitee) (Accepted, error) {
	if err := checkInvitee(&user); err != nil {
		return Accepted{}, err
	}
	var a Accepted
	err := open(ctx, s, token, store.ForMember, func(tx store.Tx, inv store.Invitation) error {
		var err error
		a, err = acceptTx(ctx, tx, inv, user)
		return err
	})
	if err != nil {
		return Accepted{}, err
	}
	return a, nil
}

// accessEnded refuses, with ErrExpired, an invitation whose access would
// have ended (Invitation.Until) by now.
func accessEnded(now time.Time, inv *store.Invitation) error {
	if !inv.Until.IsZero() && !now.Before(inv.Until) {
		return fmt.Errorf("%w: the access invitation %v gives ended at %v", ErrExpired, inv.ID, inv.Until.Format(time.RFC3339))
	}
	return nil
}

func checkInvitee(u *Invitee) error { return rule.CheckUser(u.UserID, &u.Email, u.Name) }

func acceptTx(ctx context.Context, tx store.Tx, inv store.Invitation, user Invitee) (Accepted, error) {
	env := tx.Env()
	if err := checkEmail(env.Policy, &inv, user.Email); err != nil {
		return Accepted{}, err
	}
	if err := accessEnded(tx.Now(), &inv); err != nil {
		return Accepted{}, err
	}
	m, err := rule.NewMember(tx, store.Member{
		Org: inv.Org, UserID: user.UserID, Email: user.Email, Name: user.Name,
		Kind: store.Staff, Role: inv.Role, Allow: inv.Allow, Deny: inv.Deny,
		Scopes: inv.Scopes, Profile: inv.Profile, Until: inv.Until,
	})
	if err != nil {
		return Accepted{}, err
	}
	if err := rule.Admit(ctx, tx, nil, &m, true); err != nil {
		return Accepted{}, err
	}
	o, err := tx.Org(ctx)
	if err != nil {
		return Accepted{}, err
	}
	now := tx.Now()
	inv.Status, inv.Joined, inv.Updated, inv.Sealed = store.Accepted, m.ID, now, nil
	if err := tx.PutInvitation(ctx, inv); err != nil {
		return Accepted{}, err
	}
	if err := tx.PutMember(ctx, m); err != nil {
		return Accepted{}, err
	}
	inv.TokenHash = [32]byte{}
	return Accepted{Member: m, Org: o, Invitation: inv}, rule.Emit(ctx, tx, store.Event{Type: store.InvitationAccepted, Actor: m.Party(), Target: m.Party(),
		Object: inv.ID, Before: store.State{Email: inv.Email, Status: store.Pending.String()}, After: rule.Snapshot(env.Policy, &m)})
}

// Decline declines the invitation the token belongs to, as user (whose
// e-mail must match, as for Accept); its seat is freed. It writes
// InvitationDeclined.
func Decline(ctx context.Context, s store.Store, token string, user Invitee) error {
	if err := checkInvitee(&user); err != nil {
		return err
	}
	return open(ctx, s, token, store.ForMember, func(tx store.Tx, inv store.Invitation) error {
		if err := checkEmail(tx.Env().Policy, &inv, user.Email); err != nil {
			return err
		}
		inv.Status, inv.Updated, inv.Sealed = store.Declined, tx.Now(), nil
		if err := tx.PutInvitation(ctx, inv); err != nil {
			return err
		}
		return rule.Emit(ctx, tx, store.Event{Type: store.InvitationDeclined,
			Actor: store.Party{UserID: user.UserID, Name: user.Name, Email: user.Email}, Object: inv.ID,
			Target: store.Party{Email: inv.Email}, After: store.State{Status: inv.Status.String()}})
	})
}

// A PendingInvitation is one row of the pending list (seeds 003 and 004):
// the invitation, a person's (Kind store.ForMember) or a partner
// organisation's (store.ForPartner), and whether it has expired.
type PendingInvitation struct {
	store.Invitation
	Expired bool
}

// ListPending lists the organisation's pending invitations, expired or
// not, ordered by ID, one page at a time, for actor, a member of org: the
// invitations to people if it may invite (access.Invite), those to partner
// organisations if it may manage partners (access.ManagePartners), both if
// both. An actor that may do neither is ErrForbidden; one that is not a
// member of org is store.ErrNotFound, an inactive one ErrInactive, as for
// member.AuditLog. Expired says whether an invitation has expired by the
// clock the rules judge it by (store.NowReader; else Env.Time). Nothing is
// locked: what the list says may change before a next rule runs, which
// judges by its own unit of work's time.
func ListPending(ctx context.Context, s store.Store, org, actor store.ID, p store.Page) ([]PendingInvitation, string, error) {
	if err := rule.CheckID("organisation", org); err != nil {
		return nil, "", err
	}
	if err := rule.CheckID("actor", actor); err != nil {
		return nil, "", err
	}
	a, err := s.Member(ctx, org, actor)
	if err != nil {
		return nil, "", fmt.Errorf("actor %v: %w", actor, err)
	}
	if a.Status != store.Active {
		return nil, "", fmt.Errorf("%w: actor %v cannot act", member.ErrInactive, actor)
	}
	if a.Expired(s.Env().Time()) {
		return nil, "", fmt.Errorf("%w: actor %v's access ended at %v", member.ErrInactive, actor, a.Until.Format(time.RFC3339))
	}
	f := store.InvitationFilter{Status: store.Pending}
	switch people, partners := a.CanDo(access.Invite), a.CanDo(access.ManagePartners); {
	case people && !partners:
		f.Kind = store.ForMember
	case partners && !people:
		f.Kind = store.ForPartner
	case !people:
		return nil, "", rule.Gate(&a, access.Invite)
	}
	invs, next, err := s.Invitations(ctx, org, f, p)
	if err != nil {
		return nil, "", err
	}
	now := s.Env().Time()
	if r, ok := s.(store.NowReader); ok {
		if now, err = r.Now(ctx); err != nil {
			return nil, "", err
		}
	}
	out := make([]PendingInvitation, len(invs))
	for i := range invs {
		out[i] = PendingInvitation{Invitation: invs[i], Expired: invs[i].Expired(now)}
	}
	return out, next, nil
}
