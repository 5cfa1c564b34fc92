package storetest

import (
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

// partnerWorld is a world whose organisation grants a partnership to a
// retailer with two members.
type partnerWorld struct {
	*world
	retail                 store.Org
	rOwner, rBuyer, rClerk store.Member
	ps                     store.Partnership
}

func newPartnerWorld(t *testing.T, f Factory) *partnerWorld {
	w := &partnerWorld{world: newWorld(t, f)}
	w.retail, w.rOwner = w.newOrg("Retailer", 0)
	w.rBuyer = w.add(w.rOwner, "admin")
	w.rClerk = w.add(w.rOwner, "viewer")
	_, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.admin.ID, invite.NewPartner{
		Email: w.rBuyer.Email, Level: "editor", Scopes: access.MustScopes("market:de", "set:summer")})
	require.NoError(t, err)
	w.ps, err = invite.AcceptPartner(w.ctx, w.s, tok, w.retail.ID, w.rBuyer.ID)
	require.NoError(t, err)
	return w
}

func testPartners(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	require.Equal(t, w.org.ID, w.ps.Org)
	require.Equal(t, w.retail.ID, w.ps.Partner)
	require.Equal(t, store.PartnerActive, w.ps.Status)

	// Both organisations logged the acceptance.
	for _, org := range []store.ID{w.org.ID, w.retail.ID} {
		evs := w.events(org)
		last := evs[len(evs)-1]
		require.Equal(t, store.PartnerAccepted, last.Type)
		require.Equal(t, w.rBuyer.ID, last.Actor.Member)
		require.Equal(t, w.ps.ID, last.Object)
	}

	// A partner member is allowed exactly the level, within the scopes.
	g, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
	require.NoError(t, err)
	require.Equal(t, access.FromPartner, g.Source())
	require.True(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"))
	require.False(t, g.Can(fixture.EditProducts), "scope-limited: Can fails closed")
	require.False(t, g.CanIn(fixture.ManageBilling, "market:de", "set:summer"))
	require.True(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"))
	require.False(t, g.CanIn(fixture.EditProducts, "market:fr"))
	require.False(t, g.CanIn(fixture.EditProducts, "set:winter"))
	// Members of the granting organisation get their own grant from the same call.
	own, err := invite.Grant(w.ctx, w.s, w.org.ID, w.viewer.UserID)
	require.NoError(t, err)
	require.Equal(t, access.FromMember, own.Source())
	_, err = invite.Grant(w.ctx, w.s, w.org.ID, "stranger")
	require.ErrorIs(t, err, store.ErrNotFound)
	// The partner organisation gains nothing in reverse.
	_, err = invite.Grant(w.ctx, w.s, w.retail.ID, w.editor.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)

	// Only while the member is active in its own organisation.
	_, err = member.Deactivate(w.ctx, w.s, w.retail.ID, w.rOwner.ID, w.rClerk.ID)
	require.NoError(t, err)
	g, err = invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
	require.NoError(t, err)
	require.False(t, g.Can(fixture.ViewProducts))
	_, err = member.Reactivate(w.ctx, w.s, w.retail.ID, w.rOwner.ID, w.rClerk.ID)
	require.NoError(t, err)

	list, _, err := w.s.Partnerships(w.ctx, w.retail.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	list, _, err = w.s.Partnerships(w.ctx, w.org.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	// Partners take no seat.
	staff, _, err := w.s.Members(w.ctx, w.org.ID, store.Filter{Kind: store.Staff}, store.Page{})
	require.NoError(t, err)
	require.Len(t, staff, 5)
}

func testPartnerLifecycle(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	canEdit := func() bool {
		g, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
		require.NoError(t, err)
		return g.CanIn(fixture.EditProducts, "market:de")
	}
	both := func(typ store.EventType, op func() error) {
		t.Helper()
		n, m := len(w.events(w.org.ID)), len(w.events(w.retail.ID))
		require.NoError(t, op())
		a, b := w.events(w.org.ID), w.events(w.retail.ID)
		require.Len(t, a, n+1)
		require.Len(t, b, m+1)
		require.Equal(t, typ, a[n].Type)
		require.Equal(t, typ, b[m].Type)
	}
	level := "viewer"
	both(store.PartnerLevelChanged, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Level: &level})
		return err
	})
	require.False(t, canEdit())
	level = "editor"
	_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Level: &level})
	require.NoError(t, err)
	require.True(t, canEdit())

	scopes := access.MustScopes("market:fr")
	both(store.PartnerScopesChanged, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Scopes: &scopes})
		return err
	})
	require.False(t, canEdit())
	scopes = access.MustScopes("market:de", "set:summer")
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Scopes: &scopes})
	require.NoError(t, err)

	// Suspend: access stops at once; the settings are kept and come back.
	both(store.PartnerSuspendedEvent, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Status: store.PartnerSuspended})
		return err
	})
	require.False(t, canEdit())
	got, err := w.s.Partnership(w.ctx, w.retail.ID, w.ps.ID)
	require.NoError(t, err)
	require.Equal(t, store.PartnerSuspended, got.Status)
	require.Equal(t, "editor", got.Level)
	both(store.PartnerResumed, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Status: store.PartnerActive})
		return err
	})
	require.True(t, canEdit())
	got, err = w.s.Partnership(w.ctx, w.org.ID, w.ps.ID)
	require.NoError(t, err)
	require.True(t, got.Scopes.Equal(access.MustScopes("market:de", "set:summer")))

	// Refusals change nothing in either organisation.
	owner := "owner"
	w.refuse(w.org.ID, member.ErrOwnerProtected, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{Level: &owner})
		return err
	})
	w.refuse(w.org.ID, member.ErrForbidden, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.manager.ID, w.ps.ID, invite.PartnerChange{Status: store.PartnerSuspended})
		return err
	})
	w.refuse(w.org.ID, store.ErrInvalid, func() error {
		_, err := invite.ChangePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID, invite.PartnerChange{})
		return err
	})
	w.refuse(w.retail.ID, member.ErrForbidden, func() error { return invite.RevokePartner(w.ctx, w.s, w.retail.ID, w.rOwner.ID, w.ps.ID) })
	w.refuse(w.retail.ID, member.ErrForbidden, func() error { return invite.LeavePartner(w.ctx, w.s, w.retail.ID, w.rClerk.ID, w.ps.ID) })
	w.refuse(w.org.ID, store.ErrNotFound, func() error {
		return invite.RevokePartner(w.ctx, w.s, w.org.ID, w.admin.ID, uuid.Must(uuid.NewV7()))
	})

	// Revoke: gone.
	both(store.PartnerRevoked, func() error { return invite.RevokePartner(w.ctx, w.s, w.org.ID, w.admin.ID, w.ps.ID) })
	_, err = invite.Grant(w.ctx, w.s, w.org.ID, w.rClerk.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = w.s.Partnership(w.ctx, w.org.ID, w.ps.ID)
	require.ErrorIs(t, err, store.ErrNotFound)

	// Offered again, then left by the partner.
	_, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewPartner{Email: w.rOwner.Email, Level: "viewer"})
	require.NoError(t, err)
	ps, err := invite.AcceptPartner(w.ctx, w.s, tok, w.retail.ID, w.rOwner.ID)
	require.NoError(t, err)
	both(store.PartnerLeft, func() error { return invite.LeavePartner(w.ctx, w.s, w.retail.ID, w.rBuyer.ID, ps.ID) })
	_, err = invite.Grant(w.ctx, w.s, w.org.ID, w.rBuyer.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testPartnerRules(t *testing.T, f Factory) {
	w := newPartnerWorld(t, f)
	send := func(actor store.Member, n invite.NewPartner) func() error {
		return func() error { _, _, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, actor.ID, n); return err }
	}
	w.refuse(w.org.ID, member.ErrForbidden, send(w.manager, invite.NewPartner{Email: "p@x.io", Level: "viewer"}))
	w.refuse(w.org.ID, member.ErrOwnerProtected, send(w.admin, invite.NewPartner{Email: "p@x.io", Level: "owner"}))
	w.refuse(w.org.ID, store.ErrInvalid, send(w.admin, invite.NewPartner{Email: "p@x.io", Level: "pilot"}))
	w.refuse(w.org.ID, store.ErrInvalid, send(w.admin, invite.NewPartner{Email: "p@x.io"}))
	// Capped by what the actor holds: a partner manager scoped to one market
	// cannot offer another.
	scoped := w.add(w.owner, "admin")
	_, err := member.SetScopes(w.ctx, w.s, w.org.ID, w.owner.ID, scoped.ID, access.MustScopes("market:de"))
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrEscalation, send(scoped, invite.NewPartner{Email: "p@x.io", Level: "viewer", Scopes: access.MustScopes("market:us")}))
	// A partnership never carries lifecycle permissions: the admin level gives
	// a partner no gate.
	level := "admin"
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.owner.ID, w.ps.ID, invite.PartnerChange{Level: &level})
	require.NoError(t, err)
	g, err := invite.Grant(w.ctx, w.s, w.org.ID, w.rBuyer.UserID)
	require.NoError(t, err)
	require.True(t, g.CanIn(fixture.DeleteProducts, "market:de", "set:summer"))
	for _, a := range access.Actions() {
		require.False(t, g.CanDo(a), "a partner may not %s", a)
	}
	for p := range w.p.Lifecycle().All() {
		require.False(t, g.Can(p), "a partner holds no %s", w.p.Name(p))
		require.Equal(t, access.Lifecycle, g.Explain(p).Reason)
	}

	// Accepting: the partner's actor needs the partner gate; an organisation
	// cannot partner with itself or twice; single use.
	third, thirdOwner := w.newOrg("Distributor", 0)
	_, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewPartner{Email: w.rBuyer.Email, Level: "viewer"})
	require.NoError(t, err)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, w.retail.ID, w.rClerk.ID)
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, w.org.ID, w.owner.ID)
	require.ErrorIs(t, err, member.ErrSelf)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, w.retail.ID, w.rBuyer.ID)
	require.ErrorIs(t, err, store.ErrExists)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, w.retail.ID, w.owner.ID)
	require.ErrorIs(t, err, store.ErrNotFound, "the actor must be a member of the partner organisation")
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, third.ID, thirdOwner.ID)
	require.ErrorIs(t, err, invite.ErrEmailMismatch, "a token alone does not make a partner: the invited person accepts")
	_, err = invite.Accept(w.ctx, w.s, tok, w.user())
	require.ErrorIs(t, err, store.ErrNotFound, "a partner token is no member invitation")
	inv, tok, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewPartner{Email: thirdOwner.Email, Level: "viewer", TTL: time.Hour})
	require.NoError(t, err)
	w.clock.Advance(time.Hour)
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, third.ID, thirdOwner.ID)
	require.ErrorIs(t, err, invite.ErrExpired)
	_, tok, err = invite.Resend(w.ctx, w.s, w.org.ID, w.admin.ID, inv.ID)
	require.NoError(t, err)
	require.NoError(t, invite.DeclinePartner(w.ctx, w.s, tok, third.ID, thirdOwner.ID))
	_, err = invite.AcceptPartner(w.ctx, w.s, tok, third.ID, thirdOwner.ID)
	require.ErrorIs(t, err, invite.ErrDeclined)
	// Partner invitations are managed with the partner gate.
	inv2, _, err := invite.InvitePartner(w.ctx, w.s, w.org.ID, w.owner.ID, invite.NewPartner{Email: "q@x.io", Level: "viewer"})
	require.NoError(t, err)
	w.refuse(w.org.ID, member.ErrForbidden, func() error { return invite.Cancel(w.ctx, w.s, w.org.ID, w.manager.ID, inv2.ID) })
	require.NoError(t, invite.Cancel(w.ctx, w.s, w.org.ID, w.admin.ID, inv2.ID))

	// A custom role as level: its members' edits reach the partner.
	_, err = member.CreateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "catalogue", "", access.SetOf(fixture.ViewProducts))
	require.NoError(t, err)
	level = "catalogue"
	_, err = invite.ChangePartner(w.ctx, w.s, w.org.ID, w.owner.ID, w.ps.ID, invite.PartnerChange{Level: &level})
	require.NoError(t, err)
	g, _ = invite.Grant(w.ctx, w.s, w.org.ID, w.rBuyer.UserID)
	require.False(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"))
	_, err = member.UpdateRole(w.ctx, w.s, w.org.ID, w.owner.ID, "catalogue", "", access.SetOf(fixture.ViewProducts, fixture.EditProducts))
	require.NoError(t, err)
	g, _ = invite.Grant(w.ctx, w.s, w.org.ID, w.rBuyer.UserID)
	require.True(t, g.CanIn(fixture.EditProducts, "market:de", "set:summer"))
	require.ErrorIs(t, member.DeleteRole(w.ctx, w.s, w.org.ID, w.owner.ID, "catalogue"), member.ErrInUse)

	// IDs of other organisations are not found.
	_, err = w.s.Partnership(w.ctx, third.ID, w.ps.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	w.refuse(third.ID, store.ErrNotFound, func() error { return invite.RevokePartner(w.ctx, w.s, third.ID, thirdOwner.ID, w.ps.ID) })
}
