package storetest

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// send sends an invitation to a new user and returns it, its token and the
// user who may accept it.
func (w *world) send(actor store.Member, role string) (store.Invitation, string, member.NewUser) {
	w.t.Helper()
	u := w.user()
	inv, tok, err := invite.Send(w.ctx, w.s, actor.Org, actor.ID, invite.NewInvitation{Email: u.Email, Role: role})
	require.NoError(w.t, err)
	return inv, tok, u
}

func testInvitations(t *testing.T, f Factory) {
	w := newWorld(t, f)
	u := w.user()
	prof, _ := store.NewProfile(map[string]string{"commission_pct": "5"})
	var inv store.Invitation
	var token string
	e := w.changes(w.org.ID, store.InvitationSent, func() error {
		var err error
		inv, token, err = invite.Send(w.ctx, w.s, w.org.ID, w.manager.ID, invite.NewInvitation{
			Email: "  " + strings.ToUpper(u.Email) + " ", Role: "editor", Allow: access.SetOf(fixture.ReadAudit),
			Scopes: access.MustScopes("market:de"), Profile: prof})
		return err
	})
	require.Equal(t, inv.ID, e.Object)
	require.Equal(t, strings.ToLower(u.Email), e.Target.Email)
	require.Equal(t, "editor", e.After.Role)
	require.Equal(t, strings.ToLower(u.Email), inv.Email, "e-mails are normalised")
	require.Equal(t, store.Pending, inv.Status)
	require.Equal(t, w.clock.Now().Add(7*24*time.Hour), inv.Expires, "invitations last 7 days by default")
	require.Equal(t, w.manager.ID, inv.InvitedBy.Member)
	require.True(t, strings.HasPrefix(token, invite.TokenKind+"_"))
	require.NotContains(t, w.state(w.org.ID), token, "only the token's hash is stored")
	h, err := invite.HashToken(token)
	require.NoError(t, err)
	require.Equal(t, h, inv.TokenHash)

	// The pending list (seed 003).
	pending, next, err := invite.ListPending(w.ctx, w.s, w.org.ID, w.manager.ID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, pending, 1)
	require.Equal(t, inv.ID, pending[0].ID)
	require.False(t, pending[0].Expired)
	require.Equal(t, "editor", pending[0].Role)
	require.Equal(t, w.manager.Name, pending[0].InvitedBy.Name)

	// Accept: the member gets exactly what the invitation carried.
	var m store.Member
	e = w.changes(w.org.ID, store.InvitationAccepted, func() error {
		u.Email = strings.ToUpper(u.Email) // e-mails match ignoring case
		a, err := invite.Accept(w.ctx, w.s, token, u)
		m = a.Member
		return err
	})
	require.Equal(t, m.ID, e.Target.Member)
	require.Equal(t, inv.ID, e.Object)
	require.Equal(t, "editor", m.Role)
	require.Equal(t, access.SetOf(fixture.ReadAudit), m.Allow)
	require.True(t, m.Scopes.Equal(access.MustScopes("market:de")))
	require.True(t, m.Profile.Equal(prof))
	require.True(t, m.CanIn(fixture.ReadAudit, "market:de"))
	require.False(t, m.Can(fixture.ReadAudit), "scope-limited: Can fails closed")
	require.Equal(t, store.Staff, m.Kind)
	got, err := w.s.MemberByUser(w.ctx, w.org.ID, u.UserID)
	require.NoError(t, err)
	require.Equal(t, m.ID, got.ID)
	stored, err := w.s.Invitation(w.ctx, w.org.ID, inv.ID)
	require.NoError(t, err)
	require.Equal(t, store.Accepted, stored.Status)
	require.Equal(t, m.ID, stored.Joined)
	require.Nil(t, stored.Sealed, "a closed invitation keeps no sealed token")

	// Single use.
	w.refuse(w.org.ID, invite.ErrAlreadyUsed, func() error { _, err := invite.Accept(w.ctx, w.s, token, u); return err })
	w.refuse(w.org.ID, invite.ErrAlreadyUsed, func() error { _, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, inv.ID); return err })
	w.refuse(w.org.ID, invite.ErrAlreadyUsed, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.owner.ID, inv.ID) })
	pending, _, err = invite.ListPending(w.ctx, w.s, w.org.ID, w.manager.ID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, pending)

	// Resend rotates the token and resets the expiry.
	inv2, tok2, u2 := w.send(w.owner, "viewer")
	w.clock.Advance(3 * 24 * time.Hour)
	var tok3 string
	var re store.Invitation
	w.changes(w.org.ID, store.InvitationResent, func() error {
		var err error
		re, tok3, err = invite.Resend(w.ctx, w.s, w.org.ID, w.manager.ID, inv2.ID)
		return err
	})
	require.NotEqual(t, tok2, tok3)
	require.Equal(t, 1, re.Resends)
	require.Equal(t, w.clock.Now().Add(7*24*time.Hour), re.Expires)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { _, err := invite.Accept(w.ctx, w.s, tok2, u2); return err })
	// Decline frees the e-mail and the seat.
	w.changes(w.org.ID, store.InvitationDeclined, func() error { return invite.Decline(w.ctx, w.s, tok3, u2) })
	w.refuse(w.org.ID, invite.ErrDeclined, func() error { _, err := invite.Accept(w.ctx, w.s, tok3, u2); return err })
	w.refuse(w.org.ID, invite.ErrDeclined, func() error { _, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, inv2.ID); return err })

	// Cancel.
	inv4, tok4, u4 := w.send(w.owner, "viewer")
	w.changes(w.org.ID, store.InvitationCancelled, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.manager.ID, inv4.ID) })
	w.refuse(w.org.ID, invite.ErrCancelled, func() error { _, err := invite.Accept(w.ctx, w.s, tok4, u4); return err })
	w.refuse(w.org.ID, invite.ErrCancelled, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.manager.ID, inv4.ID) })
	w.refuse(w.org.ID, invite.ErrCancelled, func() error { _, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, inv4.ID); return err })
	// The e-mail can be invited again.
	_, _, err = invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: u4.Email, Role: "viewer"})
	require.NoError(t, err)
	all, _, err := w.s.Invitations(w.ctx, w.org.ID, store.InvitationFilter{}, store.Page{})
	require.NoError(t, err)
	require.Len(t, all, 4)
}

func testInvitationErrors(t *testing.T, f Factory) {
	w := newWorld(t, f)
	send := func(actor store.Member, n invite.NewInvitation) func() error {
		return func() error { _, _, err := invite.Send(w.ctx, w.s, w.org.ID, actor.ID, n); return err }
	}
	w.refuse(w.org.ID, store.ErrInvalid, send(w.owner, invite.NewInvitation{Email: "nope", Role: "viewer"}))
	w.refuse(w.org.ID, store.ErrInvalid, send(w.owner, invite.NewInvitation{Email: "a@b.co"}))
	w.refuse(w.org.ID, store.ErrInvalid, send(w.owner, invite.NewInvitation{Email: "a@b.co", Role: "pilot"}))
	w.refuse(w.org.ID, store.ErrInvalid, send(w.owner, invite.NewInvitation{Email: "a@b.co", Role: "viewer", TTL: -time.Hour}))
	w.refuse(w.org.ID, member.ErrForbidden, send(w.editor, invite.NewInvitation{Email: "a@b.co", Role: "viewer"}))
	w.refuse(w.org.ID, member.ErrOwnerProtected, send(w.admin, invite.NewInvitation{Email: "a@b.co", Role: "owner"}))
	w.refuse(w.org.ID, member.ErrEscalation, send(w.manager, invite.NewInvitation{Email: "a@b.co", Role: "admin"}))
	w.refuse(w.org.ID, store.ErrAlreadyMember, send(w.owner, invite.NewInvitation{Email: strings.ToUpper(w.viewer.Email), Role: "viewer"}))
	_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "a@b.co", Role: "viewer"})
	require.NoError(t, err)
	w.refuse(w.org.ID, store.ErrAlreadyInvited, send(w.admin, invite.NewInvitation{Email: "A@B.co", Role: "editor"}))
	_, err = invite.Accept(w.ctx, w.s, "rinv_short", w.user())
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = invite.Accept(w.ctx, w.s, "rinv_"+strings.Repeat("A", 43), w.user())
	require.ErrorIs(t, err, store.ErrNotFound, "an unknown token")
	// A manager cannot manage an invitation that grants more than it holds.
	adm, _, _ := w.send(w.owner, "admin")
	w.refuse(w.org.ID, member.ErrEscalation, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.manager.ID, adm.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.viewer.ID, adm.ID) })
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.owner.ID, uuid.Must(uuid.NewV7())) })
	// An existing member cannot accept again.
	_, tok, invited := w.send(w.owner, "viewer")
	w.refuse(w.org.ID, store.ErrAlreadyMember, func() error {
		_, err := invite.Accept(w.ctx, w.s, tok, member.NewUser{UserID: w.viewer.UserID, Email: invited.Email})
		return err
	})
	// Invitations of another organisation are not found.
	other, otherOwner := w.newOrg("Globex", 0)
	w.refuse(other.ID, store.ErrNotFound, func() error { return invite.Cancel(w.ctx, w.s, other.ID, otherOwner.ID, adm.ID) })
	_, err = w.s.Invitation(w.ctx, other.ID, adm.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testInvitationExpiry(t *testing.T, f Factory) {
	w := newWorld(t, f)
	inv, tok, u := w.send(w.owner, "viewer")
	short, stok, su := func() (store.Invitation, string, member.NewUser) {
		u := w.user()
		inv, tok, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: u.Email, Role: "viewer", TTL: time.Hour})
		require.NoError(t, err)
		return inv, tok, u
	}()
	require.Equal(t, w.clock.Now().Add(time.Hour), short.Expires)
	w.clock.Advance(time.Hour)
	w.refuse(w.org.ID, invite.ErrExpired, func() error { _, err := invite.Accept(w.ctx, w.s, stok, su); return err })
	_, err := invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err, "a 7-day invitation is still valid after an hour")

	inv, tok, u = w.send(w.owner, "viewer")
	w.clock.Advance(7*24*time.Hour - time.Microsecond)
	pending, _, err := invite.ListPending(w.ctx, w.s, w.org.ID, w.manager.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, pending, 2)
	for _, p := range pending {
		require.Equal(t, p.ID == short.ID, p.Expired)
	}
	w.clock.Advance(time.Microsecond)
	w.refuse(w.org.ID, invite.ErrExpired, func() error { _, err := invite.Accept(w.ctx, w.s, tok, u); return err })
	w.refuse(w.org.ID, invite.ErrExpired, func() error { return invite.Decline(w.ctx, w.s, tok, u) })
	// Resend reopens it with a new token and expiry.
	_, tok2, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, inv.ID)
	require.NoError(t, err)
	_, err = invite.Accept(w.ctx, w.s, tok2, u)
	require.NoError(t, err)
	// Inviting an address whose invitation expired closes the old one.
	w.changes(w.org.ID, store.InvitationSent, func() error {
		_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: su.Email, Role: "editor"})
		return err
	})
	old, err := w.s.Invitation(w.ctx, w.org.ID, short.ID)
	require.NoError(t, err)
	require.Equal(t, store.Expired, old.Status)
	w.refuse(w.org.ID, invite.ErrExpired, func() error { _, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, short.ID); return err })
	// A policy may set a shorter default.
	spec := fixture.Policy().Spec()
	spec.InviteExpiry = 48 * time.Hour
	env := fixture.NewEnv(fixture.NewClock(), 3)
	env.Policy = access.MustPolicy(spec)
	s := f(t, env)
	o, owner, err := member.CreateOrg(w.ctx, s, member.NewOrg{Name: "Short", Owner: member.NewUser{UserID: "o", Email: "o@x.io"}})
	require.NoError(t, err)
	i, _, err := invite.Send(w.ctx, s, o.ID, owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	require.Equal(t, 48*time.Hour, i.Expires.Sub(i.Sent))
}

func testInvitationSeats(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 7)
	require.NoError(t, err)
	inv, _, _ := w.send(w.owner, "viewer")
	short, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "s@x.io", Role: "viewer", TTL: time.Hour})
	require.NoError(t, err)
	// 5 members + 2 pending invitations = 7 seats.
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "x@x.io", Role: "viewer"})
		return err
	})
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error { _, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 6); return err })
	// An expired invitation frees its seat…
	w.clock.Advance(time.Hour)
	_, _, err = invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "x@x.io", Role: "viewer"})
	require.NoError(t, err)
	// …and cannot be reopened while none is free.
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error { _, _, err := invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, short.ID); return err })
	// A cancelled one frees its seat too.
	require.NoError(t, invite.Cancel(w.ctx, w.s, w.org.ID, w.owner.ID, inv.ID))
	_, _, err = invite.Resend(w.ctx, w.s, w.org.ID, w.owner.ID, short.ID)
	require.NoError(t, err)
	// Collaborators take no seat.
	_, err = member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
}

func testInvitationLink(t *testing.T, f Factory) {
	w := newWorld(t, f)
	inv, tok, u := w.send(w.manager, "editor")
	link, err := invite.CopyLink(w.ctx, w.s, w.org.ID, w.manager.ID, inv.ID, "https://app.example.com/join?src=mail")
	require.NoError(t, err)
	parsed, err := url.Parse(link)
	require.NoError(t, err)
	require.Equal(t, tok, parsed.Query().Get("token"), "the link carries the token, read back from its sealed copy")
	require.Equal(t, "mail", parsed.Query().Get("src"))
	direct, err := invite.Link("https://app.example.com/join?src=mail", tok)
	require.NoError(t, err)
	require.Equal(t, direct, link)
	require.NotContains(t, string(inv.Sealed), tok, "the sealed copy is not the token")
	_, err = invite.CopyLink(w.ctx, w.s, w.org.ID, w.editor.ID, inv.ID, "https://x.io")
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = invite.CopyLink(w.ctx, w.s, w.org.ID, w.manager.ID, inv.ID, "not a url")
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	_, err = invite.CopyLink(w.ctx, w.s, w.org.ID, w.manager.ID, inv.ID, "https://x.io")
	require.ErrorIs(t, err, invite.ErrAlreadyUsed)

	// Without a link key, only the hash is kept.
	env := fixture.NewEnv(fixture.NewClock(), 11)
	env.LinkKey = nil
	s := f(t, env)
	o, owner, err := member.CreateOrg(w.ctx, s, member.NewOrg{Name: "Keyless", Owner: member.NewUser{UserID: "o", Email: "o@x.io"}})
	require.NoError(t, err)
	i, _, err := invite.Send(w.ctx, s, o.ID, owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	require.Empty(t, i.Sealed)
	_, err = invite.CopyLink(w.ctx, s, o.ID, owner.ID, i.ID, "https://x.io")
	require.ErrorIs(t, err, invite.ErrNoLink)
}

func testInvitationEmail(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, tok, u := w.send(w.owner, "viewer")
	w.refuse(w.org.ID, invite.ErrEmailMismatch, func() error {
		_, err := invite.Accept(w.ctx, w.s, tok, member.NewUser{UserID: u.UserID, Email: "someone.else@example.com"})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := invite.Accept(w.ctx, w.s, tok, member.NewUser{UserID: "", Email: u.Email})
		return err
	})
	// A policy may accept any e-mail.
	spec := fixture.Policy().Spec()
	spec.AcceptAnyEmail = true
	env := fixture.NewEnv(fixture.NewClock(), 5)
	env.Policy = access.MustPolicy(spec)
	s := f(t, env)
	o, owner, err := member.CreateOrg(w.ctx, s, member.NewOrg{Name: "Open", Owner: member.NewUser{UserID: "o", Email: "o@x.io"}})
	require.NoError(t, err)
	_, tok, err = invite.Send(w.ctx, s, o.ID, owner.ID, invite.NewInvitation{Email: "p@x.io", Role: "viewer"})
	require.NoError(t, err)
	a, err := invite.Accept(w.ctx, s, tok, member.NewUser{UserID: "p", Email: "personal@y.io"})
	require.NoError(t, err)
	require.Equal(t, "personal@y.io", a.Member.Email)
}

// testShow reads an invitation by its token for the page that shows it,
// changing nothing, whatever its status.
func testShow(t *testing.T, f Factory) {
	w := newWorld(t, f)
	inv, tok, u := w.send(w.manager, "editor")
	before := w.state(w.org.ID)
	got, err := invite.Show(w.ctx, w.s, tok)
	require.NoError(t, err)
	require.Equal(t, w.state(w.org.ID), before, "Show changes nothing")
	require.Equal(t, inv.ID, got.ID)
	require.Equal(t, inv.Email, got.Email)
	require.Equal(t, "editor", got.Role)
	require.Equal(t, store.Pending, got.Status)
	require.Equal(t, w.manager.ID, got.InvitedBy.Member)
	require.Zero(t, got.TokenHash, "the token's hash is not shown")
	require.Empty(t, got.Sealed)

	_, err = invite.Show(w.ctx, w.s, "rinv_nosuchtoken0000000000000000000000000000")
	require.Error(t, err)
	require.True(t, errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid), "%v", err)
	_, err = invite.Show(w.ctx, w.s, "not a token")
	require.ErrorIs(t, err, store.ErrInvalid)

	_, err = invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)
	got, err = invite.Show(w.ctx, w.s, tok)
	require.NoError(t, err, "an answered invitation still shows, with its status")
	require.Equal(t, store.Accepted, got.Status)

	// A resend's old token shows nothing.
	inv2, old, _ := w.send(w.manager, "viewer")
	_, fresh, err := invite.Resend(w.ctx, w.s, w.org.ID, w.manager.ID, inv2.ID)
	require.NoError(t, err)
	_, err = invite.Show(w.ctx, w.s, old)
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err = invite.Show(w.ctx, w.s, fresh)
	require.NoError(t, err)
	require.Equal(t, inv2.ID, got.ID)
}
