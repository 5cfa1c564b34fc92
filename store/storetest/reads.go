package storetest

import (
	"time"

	"testing"

	"github.com/rosterhq/roster/internal/fixture"
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

// testUserOrgs: a user's memberships come with their organisations, as
// the store holds them (renamed, say), and the member's role and status as
// each organisation has them; a deleted organisation is not listed.
func testUserOrgs(t *testing.T, f Factory) {
	w := newWorld(t, f)
	user := w.editor.UserID
	join := func(name, role string) (store.Org, store.Member, store.Member) {
		o, owner := w.newOrg(name, 0)
		m, err := member.AddMember(w.ctx, w.s, o.ID, owner.ID, member.NewMember{Role: role,
			NewUser: member.NewUser{UserID: user, Email: w.editor.Email, Name: "Ed"}})
		require.NoError(t, err)
		return o, owner, m
	}
	globex, globexOwner, inGlobex := join("Globex", "admin")
	initech, initechOwner, inInitech := join("Initech", "viewer")
	gone, goneOwner, _ := join("Gone", "viewer")
	_, err := member.RenameOrg(w.ctx, w.s, globex.ID, globexOwner.ID, "Globex Corporation")
	require.NoError(t, err)
	_, err = member.Deactivate(w.ctx, w.s, initech.ID, initechOwner.ID, inInitech.ID)
	require.NoError(t, err)
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, gone.ID, goneOwner.ID))

	var got []store.Membership
	for p := (store.Page{Limit: 2}); ; {
		ms, next, err := w.s.UserOrgs(w.ctx, user, p)
		require.NoError(t, err)
		require.LessOrEqual(t, len(ms), 2)
		got = append(got, ms...)
		if next == "" {
			break
		}
		p.After = next
	}
	require.Len(t, got, 3, "Acme, Globex and Initech; Gone is deleted")
	byOrg := map[store.ID]store.Membership{}
	var ids []store.ID
	for _, ms := range got {
		org, err := w.s.Org(w.ctx, ms.Org.ID)
		require.NoError(t, err)
		require.Equal(t, org, ms.Org, "the organisation as the store holds it")
		m, err := w.s.MemberByUser(w.ctx, ms.Org.ID, user)
		require.NoError(t, err)
		require.Equal(t, m, ms.Member, "the member as the store holds it, resolved")
		byOrg[ms.Org.ID] = ms
		ids = append(ids, ms.Org.ID)
	}
	require.IsIncreasing(t, idStrings(ids), "ordered by organisation ID")
	require.Equal(t, "Acme", byOrg[w.org.ID].Org.Name)
	require.Equal(t, "editor", byOrg[w.org.ID].Member.Role)
	require.Equal(t, "Globex Corporation", byOrg[globex.ID].Org.Name)
	require.Equal(t, "admin", byOrg[globex.ID].Member.Role)
	require.Equal(t, inGlobex.ID, byOrg[globex.ID].Member.ID)
	in := byOrg[globex.ID].Member
	require.True(t, in.Can(fixture.ViewProducts), "a resolved member")
	require.Equal(t, "Initech", byOrg[initech.ID].Org.Name)
	require.Equal(t, store.Inactive, byOrg[initech.ID].Member.Status)
	in = byOrg[initech.ID].Member
	require.False(t, in.Can(fixture.ViewProducts), "an inactive member can do nothing")
}
