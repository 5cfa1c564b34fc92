package storetest

import (
	"time"

	"testing"

	"github.com/rosterhq/roster/access"
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

// testListPending: the pending list holds the invitations to people and
// to partner organisations, each marked by its Kind, as the actor may see
// them, gated as member.AuditLog is: Invite shows people's, ManagePartners
// partners', both show both, neither is ErrForbidden; an actor that is no
// member is ErrNotFound, an inactive one ErrInactive.
func testListPending(t *testing.T, f Factory) {
	w := newWorld(t, f)
	old, _, _ := w.send(w.owner, "viewer")
	w.clock.Advance(8 * 24 * time.Hour) // old expires; pending still
	fresh, _, _ := w.send(w.manager, "editor")
	partner, _, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewPartner{Email: "buyer@retail.example", Level: "viewer"})
	require.NoError(t, err)
	cancelled, _, _ := w.send(w.owner, "viewer")
	require.NoError(t, invite.Cancel(w.ctx, w.s, w.org.ID, w.owner.ID, cancelled.ID))
	partnersOnly, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer",
		Allow: access.SetOf(fixture.ManagePartners)})
	require.NoError(t, err)

	list := func(actor store.ID) (map[store.ID]invite.PendingInvitation, error) {
		got := map[store.ID]invite.PendingInvitation{}
		var ids []store.ID
		for p := (store.Page{Limit: 1}); ; {
			page, next, err := invite.ListPending(w.ctx, w.s, w.org.ID, actor, p)
			if err != nil {
				return nil, err
			}
			require.LessOrEqual(t, len(page), 1)
			for _, pi := range page {
				got[pi.ID] = pi
				ids = append(ids, pi.ID)
			}
			if next == "" {
				require.IsIncreasing(t, idStrings(ids), "ordered by ID")
				return got, nil
			}
			p.After = next
		}
	}
	for _, actor := range []store.Member{w.owner, w.admin} {
		got, err := list(actor.ID)
		require.NoError(t, err)
		require.Len(t, got, 3, "%s sees people's and partners' pending invitations, not the cancelled one", actor.Role)
		require.True(t, got[old.ID].Expired)
		require.Equal(t, store.ForMember, got[old.ID].Kind)
		require.False(t, got[fresh.ID].Expired)
		require.Equal(t, "editor", got[fresh.ID].Role)
		require.Equal(t, store.ForPartner, got[partner.ID].Kind, "a partner invitation, marked")
		require.Equal(t, "buyer@retail.example", got[partner.ID].Email)
		require.False(t, got[partner.ID].Expired)
	}
	got, err := list(w.manager.ID)
	require.NoError(t, err)
	require.Len(t, got, 2, "a manager invites people, not partners")
	require.Contains(t, got, old.ID)
	require.Contains(t, got, fresh.ID)
	got, err = list(partnersOnly.ID)
	require.NoError(t, err)
	require.Len(t, got, 1, "partners only")
	require.Contains(t, got, partner.ID)

	// Expired by the clock the rules judge by: the fresh one at its end.
	w.clock.Advance(7*24*time.Hour - time.Microsecond)
	got, err = list(w.owner.ID)
	require.NoError(t, err)
	require.False(t, got[fresh.ID].Expired)
	w.clock.Advance(time.Microsecond)
	got, err = list(w.owner.ID)
	require.NoError(t, err)
	require.True(t, got[fresh.ID].Expired)
	require.True(t, got[partner.ID].Expired)

	// The gate.
	_, err = list(w.viewer.ID)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = list(w.editor.ID)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, other := w.newOrg("Globex", 0)
	_, err = list(other.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "another organisation's owner")
	_, err = list(store.ID{})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID)
	require.NoError(t, err)
	_, err = list(w.manager.ID)
	require.ErrorIs(t, err, member.ErrInactive)
	_, _, err = invite.ListPending(w.ctx, w.s, store.ID{}, w.owner.ID, store.Page{})
	require.ErrorIs(t, err, store.ErrInvalid)
}
