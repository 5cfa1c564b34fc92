package storetest

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/internal/fixture"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/require"
)

func testCreateOrg(t *testing.T, f Factory) {
	w := newWorld(t, f)
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, w.org, o)
	require.Equal(t, "Acme", o.Name)
	require.Equal(t, uuid.Version(7), o.ID.Version(), "organisation IDs are UUIDv7")

	owner := w.get(w.owner)
	require.True(t, owner.IsOwner())
	require.Equal(t, "owner", owner.Role)
	require.Equal(t, store.Active, owner.Status)
	require.Equal(t, "user.1@example.com", owner.Email, "e-mails are stored normalised")
	for p := range w.p.All().All() {
		require.True(t, owner.Can(p), "the owner holds %s", w.p.Name(p))
	}
	evs := w.events(w.org.ID)
	require.Equal(t, store.OrgCreated, evs[0].Type)
	require.Equal(t, owner.ID, evs[0].Actor.Member)

	// A refused creation leaves nothing behind.
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "", Owner: w.user()})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "X", Owner: member.NewUser{UserID: "u", Email: "not-an-email"}})
	require.ErrorIs(t, err, store.ErrInvalid)
	_, _, err = member.CreateOrg(w.ctx, w.s, member.NewOrg{Name: "X", SeatLimit: -1, Owner: w.user()})
	require.ErrorIs(t, err, store.ErrInvalid)

	orgs, _, err := w.s.UserOrgs(w.ctx, w.owner.UserID, store.Page{})
	require.NoError(t, err)
	require.Len(t, orgs, 1)
	require.Equal(t, w.org, orgs[0].Org)
}

func testOrgSettings(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.admin.ID, "Nope")
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, strings.Repeat("x", 201))
		return err
	})
	e := w.changes(w.org.ID, store.OrgRenamed, func() error {
		_, err := member.RenameOrg(w.ctx, w.s, w.org.ID, w.owner.ID, "Acme Ltd")
		return err
	})
	require.Equal(t, "Acme", e.Before.Name)
	require.Equal(t, "Acme Ltd", e.After.Name)

	// Seat limits: five staff members now.
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 4)
		return err
	})
	w.changes(w.org.ID, store.OrgSeatsChanged, func() error {
		_, err := member.SetSeatLimit(w.ctx, w.s, w.org.ID, 5)
		return err
	})
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, 5, o.SeatLimit)
	w.refuse(w.org.ID, member.ErrSeatLimit, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Role: "viewer"})
		return err
	})
	// External collaborators take no seat.
	w.changes(w.org.ID, store.MemberAdded, func() error {
		_, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
		return err
	})
}

func testTransfer(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID)
	})
	w.refuse(w.org.ID, member.ErrSelf, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.owner.ID)
	})
	ext, err := member.AddMember(w.ctx, w.s, w.org.ID, w.owner.ID, member.NewMember{NewUser: w.user(), Kind: store.External, Allow: access.SetOf(fixture.ViewProducts)})
	require.NoError(t, err)
	w.refuse(w.org.ID, store.ErrInvalid, func() error { return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, ext.ID) })
	_, err = member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID)
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrInactive, func() error { return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.viewer.ID) })

	_, err = member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID, access.MustScopes("site:a"))
	require.NoError(t, err)
	e := w.changes(w.org.ID, store.OwnerTransferred, func() error {
		return member.TransferOwnership(w.ctx, w.s, w.org.ID, w.owner.ID, w.editor.ID)
	})
	require.Equal(t, w.owner.ID, e.Actor.Member)
	require.Equal(t, w.editor.ID, e.Target.Member)
	newOwner, oldOwner := w.get(w.editor), w.get(w.owner)
	require.True(t, newOwner.IsOwner())
	require.True(t, newOwner.Scopes.IsZero(), "the owner is never scoped")
	require.Equal(t, w.p.DemoteOwnerTo().Name, oldOwner.Role)
	require.Equal(t, "admin", oldOwner.Role)
	require.False(t, oldOwner.Can(fixture.ManageBilling))
	owners, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Role: "owner"}, store.Page{})
	require.NoError(t, err)
	require.Len(t, owners, 1)
	// The previous owner is an ordinary admin now: the new owner may act on it.
	w.changes(w.org.ID, store.MemberRoleChanged, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.editor.ID, w.owner.ID, "viewer")
		return err
	})
}

func testTransferTwoStep(t *testing.T, f Factory) {
	w := newWorld(t, f)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.admin.ID) })
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.owner.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.admin.ID, w.editor.ID) })
	e := w.changes(w.org.ID, store.TransferProposed, func() error {
		return member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
	})
	require.Equal(t, w.admin.ID, e.Target.Member)
	o, err := w.s.Org(w.ctx, w.org.ID)
	require.NoError(t, err)
	require.Equal(t, w.admin.ID, o.PendingOwner)
	require.True(t, w.get(w.owner).IsOwner(), "a proposal changes no owner")

	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.editor.ID) })
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.editor.ID) })
	// Declined by the proposed owner.
	w.changes(w.org.ID, store.TransferCancelled, func() error { return member.CancelTransfer(w.ctx, w.s, w.org.ID, w.admin.ID) })
	// Proposed again, then the proposed member is deactivated, removed or
	// leaves: the proposal lapses, and that change's one event says so.
	lapses := func(what store.EventType, to store.Member, op func() error) {
		t.Helper()
		require.NoError(t, member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, to.ID))
		e := w.changes(w.org.ID, what, op)
		require.Equal(t, to.ID, e.Target.Member)
		require.True(t, e.Before.ProposedOwner, "%s of the proposed owner records the lapse", what)
		require.False(t, e.After.ProposedOwner)
		o, err := w.s.Org(w.ctx, w.org.ID)
		require.NoError(t, err)
		require.Equal(t, uuid.Nil, o.PendingOwner)
	}
	lapses(store.MemberDeactivated, w.admin, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
		return err
	})
	e = w.changes(w.org.ID, store.MemberReactivated, func() error {
		_, err := member.Reactivate(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID)
		return err
	})
	require.False(t, e.Before.ProposedOwner, "a reactivation does not bring the proposal back")
	spare := w.add(w.owner, "admin")
	lapses(store.MemberRemoved, spare, func() error { return member.Remove(w.ctx, w.s, w.org.ID, w.owner.ID, spare.ID) })
	spare = w.add(w.owner, "admin")
	lapses(store.MemberLeft, spare, func() error { return member.Leave(w.ctx, w.s, w.org.ID, spare.ID) })
	// A member to whom nothing was proposed leaves no such mark.
	spare = w.add(w.owner, "admin")
	e = w.changes(w.org.ID, store.MemberDeactivated, func() error {
		_, err := member.Deactivate(w.ctx, w.s, w.org.ID, w.owner.ID, spare.ID)
		return err
	})
	require.False(t, e.Before.ProposedOwner)

	require.NoError(t, member.ProposeTransfer(w.ctx, w.s, w.org.ID, w.owner.ID, w.manager.ID))
	e = w.changes(w.org.ID, store.OwnerTransferred, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.manager.ID) })
	require.Equal(t, w.manager.ID, e.Actor.Member)
	require.True(t, w.get(w.manager).IsOwner())
	require.Equal(t, "admin", w.get(w.owner).Role)
	o, _ = w.s.Org(w.ctx, w.org.ID)
	require.Equal(t, uuid.Nil, o.PendingOwner)
	w.refuse(w.org.ID, store.ErrNotFound, func() error { return member.AcceptTransfer(w.ctx, w.s, w.org.ID, w.manager.ID) })
}

func testDeleteOrg(t *testing.T, f Factory) {
	w := newWorld(t, f)
	_, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "k")
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return member.DeleteOrg(w.ctx, w.s, w.org.ID, w.admin.ID) })
	n := len(w.events(w.org.ID))
	require.NoError(t, member.DeleteOrg(w.ctx, w.s, w.org.ID, w.owner.ID))
	_, err = w.s.Org(w.ctx, w.org.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.MemberByUser(w.ctx, w.org.ID, w.admin.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	orgs, _, err := w.s.UserOrgs(w.ctx, w.admin.UserID, store.Page{})
	require.NoError(t, err)
	require.Empty(t, orgs)
	evs := w.events(w.org.ID)
	require.Len(t, evs, n+1, "the audit log outlives the organisation")
	require.Equal(t, store.OrgDeleted, evs[n].Type)
	_, err = member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, w.admin.ID, "viewer")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testIsolation(t *testing.T, f Factory) {
	w := newWorld(t, f)
	other, otherOwner := w.newOrg("Globex", 0)
	stranger := w.add(otherOwner, "admin")
	// IDs from another organisation are not found, whoever uses them.
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, w.owner.ID, stranger.ID, "viewer")
		return err
	})
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		_, err := member.ChangeRole(w.ctx, w.s, w.org.ID, otherOwner.ID, w.viewer.ID, "editor")
		return err
	})
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.Remove(w.ctx, w.s, other.ID, otherOwner.ID, w.viewer.ID) })
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.TransferOwnership(w.ctx, w.s, other.ID, otherOwner.ID, w.admin.ID) })
	_, err := w.s.Member(w.ctx, other.ID, w.admin.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.MemberByUser(w.ctx, other.ID, w.admin.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	k, _, err := member.IssueKey(w.ctx, w.s, w.org.ID, w.admin.ID, w.admin.ID, "k")
	require.NoError(t, err)
	w.refuse(other.ID, store.ErrNotFound, func() error { return member.RevokeKey(w.ctx, w.s, other.ID, otherOwner.ID, k.ID) })
	_, _, err = w.s.Keys(w.ctx, other.ID, w.admin.ID, store.Page{})
	require.ErrorIs(t, err, store.ErrNotFound, "another organisation's member has no keys here")

	// One user, two organisations: two memberships.
	both, err := member.AddMember(w.ctx, w.s, other.ID, otherOwner.ID, member.NewMember{
		NewUser: member.NewUser{UserID: w.editor.UserID, Email: w.editor.Email}, Role: "viewer"})
	require.NoError(t, err)
	orgs, _, err := w.s.UserOrgs(w.ctx, w.editor.UserID, store.Page{})
	require.NoError(t, err)
	require.Len(t, orgs, 2)
	got := map[store.ID]string{orgs[0].Org.ID: orgs[0].Member.Role, orgs[1].Org.ID: orgs[1].Member.Role}
	require.Equal(t, map[store.ID]string{w.org.ID: "editor", other.ID: "viewer"}, got)
	require.NotEqual(t, both.ID, w.editor.ID)
}
