package main

import (
	"context"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/rosterhq/roster/access"
	"github.com/rosterhq/roster/invite"
	"github.com/rosterhq/roster/member"
	"github.com/rosterhq/roster/memstore"
	"github.com/rosterhq/roster/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	require.NoError(t, run(context.Background(), io.Discard))
}

// workspace is a workspace with a member of each role, and a retailer
// organisation with an owner and a buyer.
type workspace struct {
	ctx                          context.Context
	db                           *memstore.Store
	now                          time.Time // the host's clock, which a test moves
	org, retail                  store.Org
	owner, admin, editor, viewer store.Member
	rOwner, rBuyer               store.Member
}

func newWorkspace(t *testing.T, linkKey []byte) *workspace {
	t.Helper()
	ctx := context.Background()
	ws := &workspace{ctx: ctx, now: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	db, err := memstore.New(store.Env{Policy: policy, LinkKey: linkKey, Now: func() time.Time { return ws.now }})
	require.NoError(t, err)
	ws.db = db
	ws.org, ws.owner, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Northwind", Owner: user("nora", "northwind")})
	require.NoError(t, err)
	ws.admin = ws.join(t, ws.owner, "ada", "admin", invite.NewInvitation{})
	ws.editor = ws.join(t, ws.admin, "ed", "editor", invite.NewInvitation{})
	ws.viewer = ws.join(t, ws.admin, "vi", "viewer", invite.NewInvitation{})
	ws.retail, ws.rOwner, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Alpine Retail", Owner: user("rita", "alpine")})
	require.NoError(t, err)
	ws.rBuyer, err = member.AddMember(ctx, db, ws.retail.ID, ws.rOwner.ID, member.NewMember{NewUser: user("rex", "alpine"), Role: "viewer"})
	require.NoError(t, err)
	return ws
}

// join sends n (completed with the user's e-mail and role) and accepts it.
func (ws *workspace) join(t *testing.T, by store.Member, name, role string, n invite.NewInvitation) store.Member {
	t.Helper()
	n.Email, n.Role = user(name, "northwind").Email, role
	_, token, err := invite.Send(ws.ctx, ws.db, ws.org.ID, by.ID, n)
	require.NoError(t, err)
	a, err := invite.Accept(ws.ctx, ws.db, token, user(name, "northwind"))
	require.NoError(t, err)
	return ws.load(t, a.Member)
}

func (ws *workspace) load(t *testing.T, m store.Member) store.Member {
	t.Helper()
	got, err := ws.db.MemberByUser(ws.ctx, ws.org.ID, m.UserID)
	require.NoError(t, err)
	return got
}

func (ws *workspace) grant(t *testing.T, user string) access.Grant {
	t.Helper()
	g, err := invite.Grant(ws.ctx, ws.db, ws.org.ID, user)
	require.NoError(t, err)
	return g
}

var modules = []access.Permission{ViewProducts, EditProducts, ViewAssets, EditAssets, ViewLinks, EditLinks}

// The baseline roles per module: admins and editors edit every module,
// viewers view them; only admins manage the team and the partners.
func TestBaselineRoles(t *testing.T) {
	ws := newWorkspace(t, nil)
	for _, m := range []store.Member{ws.admin, ws.editor, ws.viewer} {
		for _, p := range modules {
			want := m.Role != "viewer" || p == ViewProducts || p == ViewAssets || p == ViewLinks
			assert.Equal(t, want, m.Can(p), "%s / %s", m.Role, policy.Name(p))
		}
		for _, p := range []access.Permission{InviteMembers, ManageMembers, ManagePartners} {
			assert.Equal(t, m.Role == "admin", m.Can(p), "%s / %s", m.Role, policy.Name(p))
		}
	}
}

// An invitation sets Products, Assets and Share Links access separately,
// from the baseline role, and never beyond what the inviter holds.
func TestModuleAccess(t *testing.T) {
	ws := newWorkspace(t, nil)
	m := ws.join(t, ws.admin, "eli", "editor", invite.NewInvitation{Deny: access.SetOf(EditAssets, EditLinks)})
	assert.True(t, m.Can(EditProducts))
	assert.False(t, m.Can(EditAssets))
	assert.True(t, m.Can(ViewAssets))
	assert.False(t, m.Can(EditLinks))
	m = ws.join(t, ws.admin, "val", "viewer", invite.NewInvitation{Allow: access.SetOf(EditLinks)})
	assert.True(t, m.Can(EditLinks))
	assert.False(t, m.Can(EditProducts))

	_, _, err := invite.Send(ws.ctx, ws.db, ws.org.ID, ws.editor.ID, invite.NewInvitation{Email: "x@y.example", Role: "viewer"})
	require.ErrorIs(t, err, member.ErrForbidden, "only admins invite")
	_, _, err = invite.Send(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewInvitation{Email: "x@y.example", Role: "owner"})
	require.ErrorIs(t, err, member.ErrOwnerProtected)
}

// Access is scoped by market and, optionally, by set. A check on a scoped
// member names the request's scopes: without them, it fails closed.
func TestScopes(t *testing.T) {
	ws := newWorkspace(t, nil)
	m := ws.join(t, ws.admin, "eli", "editor", invite.NewInvitation{Scopes: access.MustScopes("market:de", "market:at", "set:summer")})
	assert.True(t, m.CanIn(EditProducts, "market:de", "set:summer"))
	assert.False(t, m.Can(EditProducts), "a check that names no scope fails closed")
	assert.Equal(t, access.ScopeLimited, m.Explain(EditProducts).Reason)
	assert.True(t, m.Explain(EditProducts, "market:de", "set:summer").Allowed)
	assert.True(t, m.Grant().Perms().IsEmpty(), "Perms is the set Can tests: empty for a scoped member")
	assert.Equal(t, editor, m.Grant().Held(), "Held is what it holds in its scopes")
	assert.True(t, m.CanIn(EditProducts, "market:at"))
	assert.False(t, m.CanIn(EditProducts, "market:fr"))
	assert.False(t, m.CanIn(EditProducts, "market:de", "set:winter"))
	m = ws.join(t, ws.admin, "mo", "editor", invite.NewInvitation{Scopes: access.MustScopes("market:de")})
	assert.True(t, m.CanIn(EditProducts, "market:de", "set:winter"), "no set scope: every set")

	// An admin scoped to Germany cannot give France.
	_, err := member.SetScopes(ws.ctx, ws.db, ws.org.ID, ws.owner.ID, ws.admin.ID, access.MustScopes("market:de"))
	require.NoError(t, err)
	_, _, err = invite.Send(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewInvitation{Email: "x@y.example", Role: "viewer",
		Scopes: access.MustScopes("market:fr")})
	require.ErrorIs(t, err, member.ErrEscalation)
}

// Pending invitations: the link can be copied again (with a link key), or
// the invitation cancelled.
func TestPendingInvitations(t *testing.T) {
	ws := newWorkspace(t, []byte("0123456789abcdef0123456789abcdef"))
	inv, token, err := invite.Send(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewInvitation{Email: "eli@northwind.example", Role: "editor"})
	require.NoError(t, err)
	pending, _, err := invite.ListPending(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, store.Page{})
	require.NoError(t, err)
	require.Len(t, pending, 1)
	require.Equal(t, inv.ID, pending[0].ID)

	_, err = invite.CopyLink(ws.ctx, ws.db, ws.org.ID, ws.viewer.ID, inv.ID, "https://app.example/join")
	require.ErrorIs(t, err, member.ErrForbidden)
	link, err := invite.CopyLink(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, inv.ID, "https://app.example/join")
	require.NoError(t, err)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, token, u.Query().Get("token"), "the copied link carries the same token")

	require.NoError(t, invite.Cancel(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, inv.ID))
	_, err = invite.CopyLink(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, inv.ID, "https://app.example/join")
	require.ErrorIs(t, err, invite.ErrCancelled)
	_, err = invite.Accept(ws.ctx, ws.db, token, user("eli", "northwind"))
	require.ErrorIs(t, err, invite.ErrCancelled)

	// Without a link key, only the token's hash is kept: resend instead.
	ws = newWorkspace(t, nil)
	inv, _, err = invite.Send(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewInvitation{Email: "eli@northwind.example", Role: "editor"})
	require.NoError(t, err)
	_, err = invite.CopyLink(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, inv.ID, "https://app.example/join")
	require.ErrorIs(t, err, invite.ErrNoLink)
}

// Role, module access and market scope change without a new invitation,
// and take effect on the next load.
func TestAdjustMember(t *testing.T) {
	ws := newWorkspace(t, nil)
	_, err := member.SetScopes(ws.ctx, ws.db, ws.org.ID, ws.editor.ID, ws.viewer.ID, access.MustScopes("market:de"))
	require.ErrorIs(t, err, member.ErrForbidden)

	_, err = member.ChangeRole(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ws.viewer.ID, "editor")
	require.NoError(t, err)
	_, err = member.SetPermissions(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ws.viewer.ID, access.Set{}, access.SetOf(EditLinks))
	require.NoError(t, err)
	_, err = member.SetScopes(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ws.viewer.ID, access.MustScopes("market:de"))
	require.NoError(t, err)
	m := ws.load(t, ws.viewer)
	assert.True(t, m.CanIn(EditProducts, "market:de"))
	assert.False(t, m.CanIn(EditProducts, "market:fr"))
	assert.False(t, m.CanIn(EditLinks, "market:de"))
	assert.Equal(t, access.Withdrawn, m.Explain(EditLinks, "market:de").Reason)
	assert.True(t, m.CanIn(ViewLinks, "market:de"))
	assert.False(t, m.Can(ViewLinks), "now scoped: a check that names no market fails closed")
	assert.Equal(t, access.ScopeLimited, m.Explain(ViewLinks).Reason)
}

// Partner organisations: invited with a level and sets, accepted by the
// partner, then changed, suspended, resumed and revoked. Their members work
// in their own organisation and take no seat here.
func TestPartners(t *testing.T) {
	ws := newWorkspace(t, nil)
	scopes := access.MustScopes("market:de", "set:summer")
	_, _, err := invite.InvitePartner(ws.ctx, ws.db, ws.org.ID, ws.editor.ID, invite.NewPartner{Email: ws.rOwner.Email, Level: "viewer"})
	require.ErrorIs(t, err, member.ErrForbidden)
	_, _, err = invite.InvitePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewPartner{Email: ws.rOwner.Email, Level: "owner"})
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	_, token, err := invite.InvitePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewPartner{Email: ws.rOwner.Email, Level: "viewer", Scopes: scopes})
	require.NoError(t, err)
	_, err = invite.Grant(ws.ctx, ws.db, ws.org.ID, ws.rBuyer.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "no access before the partner accepts")
	_, err = invite.AcceptPartner(ws.ctx, ws.db, token, ws.retail.ID, ws.rBuyer.ID)
	require.ErrorIs(t, err, member.ErrForbidden, "the partner's viewer cannot accept for it")
	ps, err := invite.AcceptPartner(ws.ctx, ws.db, token, ws.retail.ID, ws.rOwner.ID)
	require.NoError(t, err)

	g := ws.grant(t, ws.rBuyer.UserID)
	assert.Equal(t, access.FromPartner, g.Source())
	assert.True(t, g.CanIn(ViewProducts, "market:de", "set:summer"))
	assert.False(t, g.CanIn(ViewProducts, "market:fr"))
	assert.False(t, g.CanIn(ViewProducts, "set:winter"))
	assert.False(t, g.Can(ViewProducts), "a check that names no scope fails closed")
	assert.Equal(t, access.ScopeLimited, g.Explain(ViewProducts).Reason)
	assert.False(t, g.CanIn(EditProducts, "market:de", "set:summer"))
	assert.Equal(t, access.NotGranted, g.Explain(EditProducts, "market:de", "set:summer").Reason)
	_, err = ws.db.MemberByUser(ws.ctx, ws.org.ID, ws.rBuyer.UserID)
	require.ErrorIs(t, err, store.ErrNotFound, "a partner's member is not a teammate")

	change := func(c invite.PartnerChange) {
		t.Helper()
		_, err := invite.ChangePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ps.ID, c)
		require.NoError(t, err)
	}
	// Level: even the admin level carries no team or partner management.
	level := "admin"
	change(invite.PartnerChange{Level: &level})
	g = ws.grant(t, ws.rBuyer.UserID)
	assert.True(t, g.CanIn(EditAssets, "market:de"))
	assert.False(t, g.CanIn(InviteMembers, "market:de"))
	assert.Equal(t, access.Lifecycle, g.Explain(InviteMembers, "market:de").Reason)
	assert.False(t, g.CanDo(access.ManagePartners))
	// Sets.
	winter := access.MustScopes("market:de", "set:summer", "set:winter")
	change(invite.PartnerChange{Scopes: &winter})
	assert.True(t, ws.grant(t, ws.rBuyer.UserID).CanIn(ViewProducts, "set:winter"))
	// Suspend: access stops, the connection and its settings are kept.
	change(invite.PartnerChange{Status: store.PartnerSuspended})
	off := ws.grant(t, ws.rBuyer.UserID)
	assert.False(t, off.CanIn(ViewProducts, "market:de", "set:summer"))
	assert.Equal(t, access.Inactive, off.Explain(ViewProducts, "market:de", "set:summer").Reason)
	kept, err := ws.db.Partnership(ws.ctx, ws.org.ID, ps.ID)
	require.NoError(t, err)
	assert.Equal(t, store.PartnerSuspended, kept.Status)
	assert.Equal(t, "admin", kept.Level)
	change(invite.PartnerChange{Status: store.PartnerActive})
	assert.True(t, ws.grant(t, ws.rBuyer.UserID).CanIn(EditAssets, "set:winter"), "resuming restores exactly")

	// Revoke: gone; only the granting organisation revokes.
	require.ErrorIs(t, invite.RevokePartner(ws.ctx, ws.db, ws.retail.ID, ws.rOwner.ID, ps.ID), member.ErrForbidden)
	require.ErrorIs(t, invite.RevokePartner(ws.ctx, ws.db, ws.org.ID, ws.editor.ID, ps.ID), member.ErrForbidden)
	require.NoError(t, invite.RevokePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ps.ID))
	_, err = invite.Grant(ws.ctx, ws.db, ws.org.ID, ws.rBuyer.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)

	staff, _, err := ws.db.Members(ws.ctx, ws.org.ID, store.Filter{}, store.Page{})
	require.NoError(t, err)
	assert.Len(t, staff, 4, "partners take no seat")
}

// Seed 004's partner until a contract date: the partnership (set when it is
// offered, or moved later by an admin only) grants nothing from its end on,
// on every read and with no job; the sweep logs it once in both
// workspaces; moving the end restores exactly what it granted.
func TestPartnerUntilContract(t *testing.T) {
	ws := newWorkspace(t, nil)
	scopes := access.MustScopes("market:de", "set:summer")
	contract := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	_, _, err := invite.InvitePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewPartner{Email: ws.rOwner.Email,
		Level: "viewer", Scopes: scopes, Until: ws.now})
	require.ErrorIs(t, err, store.ErrInvalid, "an end must come after now")
	_, token, err := invite.InvitePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, invite.NewPartner{Email: ws.rOwner.Email,
		Level: "viewer", Scopes: scopes, Until: contract})
	require.NoError(t, err)
	ps, err := invite.AcceptPartner(ws.ctx, ws.db, token, ws.retail.ID, ws.rOwner.ID)
	require.NoError(t, err)
	assert.Equal(t, contract, ps.Until)

	ws.now = contract.Add(-time.Microsecond)
	assert.True(t, ws.grant(t, ws.rBuyer.UserID).CanIn(ViewProducts, "market:de", "set:summer"))
	ws.now = contract
	g := ws.grant(t, ws.rBuyer.UserID)
	assert.False(t, g.CanIn(ViewProducts, "market:de", "set:summer"), "the contract ended")
	assert.Equal(t, access.Ended, g.Explain(ViewProducts, "market:de", "set:summer").Reason)

	n, err := member.ExpireDue(ws.ctx, ws.db, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = member.ExpireDue(ws.ctx, ws.db, 10)
	require.NoError(t, err)
	assert.Zero(t, n, "logged once")
	for _, o := range []store.ID{ws.org.ID, ws.retail.ID} {
		evs, err := ws.db.Events(ws.ctx, o, 0, store.MaxPageSize)
		require.NoError(t, err)
		assert.Equal(t, store.PartnerExpired, evs[len(evs)-1].Type)
	}

	renewed := contract.AddDate(1, 0, 0)
	_, err = invite.ChangePartner(ws.ctx, ws.db, ws.org.ID, ws.editor.ID, ps.ID, invite.PartnerChange{Until: &renewed})
	require.ErrorIs(t, err, member.ErrForbidden, "editors do not manage partners")
	_, err = invite.ChangePartner(ws.ctx, ws.db, ws.org.ID, ws.admin.ID, ps.ID, invite.PartnerChange{Until: &renewed})
	require.NoError(t, err)
	assert.True(t, ws.grant(t, ws.rBuyer.UserID).CanIn(ViewProducts, "market:de", "set:summer"), "renewed")
}
