package storetest

import (
	"time"

	"testing"

	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

// testAcceptResult: Accept returns, beside the member, the organisation it
// joined and the invitation it closed, as the store then holds them.
func testAcceptResult(t *testing.T, f Factory) {
	w := newWorld(t, f)
	inv, tok, u := w.send(w.manager, "editor")
	w.clock.Advance(5 * time.Minute)
	a, err := invite.Accept(w.ctx, w.s, tok, u)
	require.NoError(t, err)

	require.Equal(t, w.get(a.Member), a.Member, "the member as the store holds it")
	require.Equal(t, "editor", a.Member.Role)
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, o, a.Org, "the organisation as the store holds it")
	require.Equal(t, "Acme", a.Org.Name)

	require.Equal(t, inv.ID, a.Invitation.ID)
	require.Equal(t, store.Accepted, a.Invitation.Status)
	require.Equal(t, a.Member.ID, a.Invitation.Joined)
	require.Equal(t, w.clock.Now(), a.Invitation.Updated)
	require.Equal(t, [32]byte{}, a.Invitation.TokenHash, "no token hash in the answer")
	require.Nil(t, a.Invitation.Sealed)
	held, err := w.s.Invitation(w.ctx, w.org.ID, inv.ID)
	require.NoError(t, err)
	held.TokenHash = [32]byte{}
	require.Equal(t, held, a.Invitation, "the invitation as the store holds it, but for its hash")

	// A refusal returns nothing.
	a, err = invite.Accept(w.ctx, w.s, tok, u)
	require.ErrorIs(t, err, invite.ErrAlreadyUsed)
	require.Equal(t, invite.Accepted{}, a)
}

// testInternationalEmail: an e-mail whose domain is in Unicode is kept in
// its ASCII (punycode) form on every store, and every rule and read that
// takes an e-mail agrees on it.
func testInternationalEmail(t *testing.T, f Factory) {
	w := newWorld(t, f)
	const ascii = "ana@xn--bcher-kva.example"
	inv, tok, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: "Ana@Bücher.Example", Role: "viewer"})
	require.NoError(t, err)
	require.Equal(t, ascii, inv.Email)
	got, err := w.s.PendingInvitation(w.ctx, w.org.ID, store.ForMember, ascii)
	require.NoError(t, err)
	require.Equal(t, inv.ID, got.ID)
	_, err = w.s.PendingInvitation(w.ctx, w.org.ID, store.ForMember, "ana@bücher.example")
	require.ErrorIs(t, err, store.ErrInvalid, "a read takes the normal form only")

	// The same address in other forms is the same address.
	for _, again := range []string{"ANA@BÜCHER.EXAMPLE", "ana@xn--bcher-kva.example", "ana@ｂücher。example"} {
		w.refuse(w.org.ID, store.ErrAlreadyInvited, func() error {
			_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: again, Role: "viewer"})
			return err
		})
	}
	// A domain that is no valid name is refused as any malformed e-mail.
	for _, bad := range []string{"ana@bü_cher.example", "ana@-bücher.example", "ünï@bücher.example"} {
		w.refuse(w.org.ID, store.ErrInvalid, func() error {
			_, _, err := invite.Send(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewInvitation{Email: bad, Role: "viewer"})
			return err
		})
	}

	// The invitee accepts with the Unicode form of the address.
	a, err := invite.Accept(w.ctx, w.s, tok, member.NewUser{UserID: "ana", Email: "ana@BÜCHER.example"})
	require.NoError(t, err)
	require.Equal(t, ascii, a.Member.Email)
	m, err := w.s.MemberByEmail(w.ctx, w.org.ID, ascii)
	require.NoError(t, err)
	require.Equal(t, a.Member.ID, m.ID)

	// A member added directly, and a collision in another form.
	bo, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{Role: "viewer",
		NewUser: member.NewUser{UserID: "bo", Email: "bo@ПРИМЕР.рф"}})
	require.NoError(t, err)
	require.Equal(t, "bo@xn--e1afmkfd.xn--p1ai", bo.Email)
	w.refuse(w.org.ID, store.ErrAlreadyMember, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{Role: "viewer",
			NewUser: member.NewUser{UserID: "bo2", Email: "bo@пример.рф"}})
		return err
	})
}
