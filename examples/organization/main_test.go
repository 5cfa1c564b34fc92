package main

import (
	"context"
	"encoding/csv"
	"io"
	"os"
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

// team is an organisation with one member of each role, joined by
// invitation, and a clock the test moves.
type team struct {
	ctx                          context.Context
	db                           *memstore.Store
	now                          time.Time
	org                          store.Org
	owner, admin, editor, viewer store.Member
}

func newTeam(t *testing.T) *team {
	t.Helper()
	tm := &team{ctx: context.Background(), now: time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)}
	var err error
	tm.db, err = memstore.New(store.Env{Policy: policy, Now: func() time.Time { return tm.now }})
	require.NoError(t, err)
	tm.org, tm.owner, err = member.CreateOrg(tm.ctx, tm.db, member.NewOrg{Name: "Acme Goods", Owner: user("olga")})
	require.NoError(t, err)
	tm.admin = tm.join(t, tm.owner, "adam", "admin")
	tm.editor = tm.join(t, tm.admin, "eve", "editor")
	tm.viewer = tm.join(t, tm.admin, "vic", "viewer")
	return tm
}

func (tm *team) send(t *testing.T, by store.Member, name, role string) (store.Invitation, string) {
	t.Helper()
	inv, token, err := invite.Send(tm.ctx, tm.db, tm.org.ID, by.ID, invite.NewInvitation{Email: user(name).Email, Role: role})
	require.NoError(t, err)
	return inv, token
}

func (tm *team) join(t *testing.T, by store.Member, name, role string) store.Member {
	t.Helper()
	_, token := tm.send(t, by, name, role)
	a, err := invite.Accept(tm.ctx, tm.db, token, user(name))
	require.NoError(t, err)
	return a.Member
}

func (tm *team) load(t *testing.T, m store.Member) store.Member {
	t.Helper()
	got, err := tm.db.MemberByUser(tm.ctx, tm.org.ID, m.UserID)
	require.NoError(t, err)
	return got
}

func (tm *team) pending(t *testing.T) []invite.PendingInvitation {
	t.Helper()
	p, _, err := invite.ListPending(tm.ctx, tm.db, tm.org.ID, tm.owner.ID, store.Page{})
	require.NoError(t, err)
	return p
}

// TestPermissionMatrix checks seed 003's matrix cell by cell: 13
// permissions × 4 roles, on members loaded from the store.
func TestPermissionMatrix(t *testing.T) {
	rows := map[string]access.Permission{
		"View products":        ViewProducts,
		"Create products":      CreateProducts,
		"Edit products":        EditProducts,
		"Delete products":      DeleteProducts,
		"Enrich products":      EnrichProducts,
		"Export products":      ExportProducts,
		"Manage attributes":    ManageAttributes,
		"Manage product types": ManageProductTypes,
		"Invite members":       InviteMembers,
		"Remove members":       RemoveMembers,
		"Change member roles":  ChangeMemberRoles,
		"Manage billing":       ManageBilling,
		"Delete organization":  DeleteOrganization,
	}
	tm := newTeam(t)
	byRole := map[string]store.Member{}
	for _, m := range []store.Member{tm.owner, tm.admin, tm.editor, tm.viewer} {
		byRole[m.Role] = tm.load(t, m)
	}

	f, err := os.Open("testdata/003_organization_roles.csv")
	require.NoError(t, err)
	defer f.Close()
	table, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	header := table[0]
	require.Equal(t, []string{"permission", "owner", "admin", "editor", "viewer"}, header)

	cells := 0
	seen := map[access.Permission]bool{}
	for _, row := range table[1:] {
		perm, ok := rows[row[0]]
		require.True(t, ok, "row %q maps to no permission", row[0])
		require.Equal(t, row[0], policy.Label(perm), "the policy labels the permission as the seed does")
		seen[perm] = true
		for col := 1; col < len(header); col++ {
			m := byRole[header[col]]
			require.Contains(t, []string{"yes", "no"}, row[col])
			assert.Equal(t, row[col] == "yes", m.Can(perm), "%s / %s: %s", row[0], header[col], m.Explain(perm))
			cells++
		}
	}
	require.Equal(t, 13*4, cells)
	require.Len(t, seen, 13)
	require.Equal(t, policy.Len(), len(seen), "every permission is in the matrix")
}

// Invitation links expire after 7 days.
func TestInvitationExpiry(t *testing.T) {
	tm := newTeam(t)
	inv, token := tm.send(t, tm.admin, "wes", "viewer")
	assert.Equal(t, 7*24*time.Hour, inv.Expires.Sub(inv.Sent))
	_, token2 := tm.send(t, tm.admin, "wyn", "viewer")

	tm.now = tm.now.Add(7*24*time.Hour - time.Second)
	_, err := invite.Accept(tm.ctx, tm.db, token2, user("wyn"))
	require.NoError(t, err, "valid until the seventh day ends")
	tm.now = tm.now.Add(time.Second)
	_, err = invite.Accept(tm.ctx, tm.db, token, user("wes"))
	require.ErrorIs(t, err, invite.ErrExpired)
}

// Resend sends a new link and resets the expiry; the old link stops.
func TestResend(t *testing.T) {
	tm := newTeam(t)
	inv, old := tm.send(t, tm.admin, "wes", "viewer")
	tm.now = tm.now.Add(8 * 24 * time.Hour)
	_, _, err := invite.Resend(tm.ctx, tm.db, tm.org.ID, tm.editor.ID, inv.ID)
	require.ErrorIs(t, err, member.ErrForbidden)
	re, token, err := invite.Resend(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, tm.now.Add(7*24*time.Hour), re.Expires)
	assert.Equal(t, 1, re.Resends)
	_, err = invite.Accept(tm.ctx, tm.db, old, user("wes"))
	require.ErrorIs(t, err, store.ErrNotFound, "the old link no longer works")
	_, err = invite.Accept(tm.ctx, tm.db, token, user("wes"))
	require.NoError(t, err)
}

// Cancel revokes an invitation before it is accepted.
func TestCancel(t *testing.T) {
	tm := newTeam(t)
	inv, token := tm.send(t, tm.admin, "wes", "viewer")
	require.ErrorIs(t, invite.Cancel(tm.ctx, tm.db, tm.org.ID, tm.viewer.ID, inv.ID), member.ErrForbidden)
	require.NoError(t, invite.Cancel(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, inv.ID))
	_, err := invite.Accept(tm.ctx, tm.db, token, user("wes"))
	require.ErrorIs(t, err, invite.ErrCancelled)
	require.Empty(t, tm.pending(t))
}

// The pending list shows e-mail, role, when sent, and expiry status.
func TestPendingList(t *testing.T) {
	tm := newTeam(t)
	sent := tm.now
	tm.send(t, tm.admin, "wes", "viewer")
	tm.now = tm.now.Add(6 * 24 * time.Hour)
	tm.send(t, tm.owner, "wyn", "admin")
	tm.now = tm.now.Add(2 * 24 * time.Hour)

	got := map[string]invite.PendingInvitation{}
	for _, p := range tm.pending(t) {
		got[p.Email] = p
	}
	require.Len(t, got, 2)
	wes, wyn := got["wes@acme.example"], got["wyn@acme.example"]
	assert.Equal(t, "viewer", wes.Role)
	assert.Equal(t, sent, wes.Sent)
	assert.True(t, wes.Expired)
	assert.Equal(t, "admin", wyn.Role)
	assert.Equal(t, sent.Add(6*24*time.Hour), wyn.Sent)
	assert.False(t, wyn.Expired)
	assert.Equal(t, tm.admin.ID, wes.InvitedBy.Member)
}

// Only Owners and Admins change roles; Admins cannot promote to Owner or
// change the Owner's role.
func TestChangeRoles(t *testing.T) {
	tm := newTeam(t)
	_, err := member.ChangeRole(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, tm.editor.ID, "owner")
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	_, err = member.ChangeRole(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, tm.owner.ID, "viewer")
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	_, _, err = invite.Send(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, invite.NewInvitation{Email: "new@acme.example", Role: "owner"})
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	_, err = member.ChangeRole(tm.ctx, tm.db, tm.org.ID, tm.editor.ID, tm.viewer.ID, "editor")
	require.ErrorIs(t, err, member.ErrForbidden)

	_, err = member.ChangeRole(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, tm.viewer.ID, "editor")
	require.NoError(t, err)
	assert.True(t, tm.load(t, tm.viewer).Grant().Can(EditProducts))
}

// Removed members lose access at once, and need a new invitation to
// rejoin; the audit log still names them.
func TestRemove(t *testing.T) {
	tm := newTeam(t)
	require.ErrorIs(t, member.Remove(tm.ctx, tm.db, tm.org.ID, tm.editor.ID, tm.viewer.ID), member.ErrForbidden)
	require.ErrorIs(t, member.Remove(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, tm.owner.ID), member.ErrOwnerProtected)
	require.NoError(t, member.Remove(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, tm.viewer.ID))
	_, err := tm.db.MemberByUser(tm.ctx, tm.org.ID, tm.viewer.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)

	events, err := tm.db.Events(tm.ctx, tm.org.ID, 0, 100)
	require.NoError(t, err)
	last := events[len(events)-1]
	assert.Equal(t, store.MemberRemoved, last.Type)
	assert.Equal(t, "vic", last.Target.Name)
	assert.Equal(t, "adam", last.Actor.Name)

	again := tm.join(t, tm.admin, "vic", "viewer")
	assert.NotEqual(t, tm.viewer.ID, again.ID)
}

// The plan sets a seat limit: members plus pending invitations.
func TestSeatLimit(t *testing.T) {
	tm := newTeam(t) // 4 members
	_, err := member.SetSeatLimit(tm.ctx, tm.db, tm.org.ID, 3)
	require.ErrorIs(t, err, member.ErrSeatLimit, "below the seats taken")
	_, err = member.SetSeatLimit(tm.ctx, tm.db, tm.org.ID, 5)
	require.NoError(t, err)
	inv, _ := tm.send(t, tm.admin, "wes", "viewer")
	_, _, err = invite.Send(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, invite.NewInvitation{Email: "wyn@acme.example", Role: "viewer"})
	require.ErrorIs(t, err, member.ErrSeatLimit)
	require.NoError(t, invite.Cancel(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, inv.ID), "cancelling frees the seat")
	tm.join(t, tm.admin, "wyn", "viewer")
}

// Every change is in the audit log, which only the Owner reads; billing and
// deleting the organisation are the Owner's too.
func TestOwnerOnly(t *testing.T) {
	tm := newTeam(t)
	for _, m := range []store.Member{tm.admin, tm.editor, tm.viewer} {
		assert.False(t, tm.load(t, m).Grant().CanDo(access.ReadAudit), m.Role)
	}
	assert.True(t, tm.load(t, tm.owner).Grant().CanDo(access.ReadAudit))
	events, err := tm.db.Events(tm.ctx, tm.org.ID, 0, 100)
	require.NoError(t, err)
	var types []store.EventType
	for _, e := range events {
		types = append(types, e.Type)
	}
	assert.Equal(t, []store.EventType{store.OrgCreated,
		store.InvitationSent, store.InvitationAccepted,
		store.InvitationSent, store.InvitationAccepted,
		store.InvitationSent, store.InvitationAccepted}, types)

	require.ErrorIs(t, member.DeleteOrg(tm.ctx, tm.db, tm.org.ID, tm.admin.ID), member.ErrForbidden)
	require.NoError(t, member.DeleteOrg(tm.ctx, tm.db, tm.org.ID, tm.owner.ID))
}

// TestSupportTransfer: seed 003's FAQ sends ownership transfers to "our
// support team". Support runs it as the system, at once, to the member it
// names; the organisation keeps exactly one Owner, Admins still cannot make
// one, and the audit log names support.
func TestSupportTransfer(t *testing.T) {
	tm := newTeam(t)
	support := member.AsSystem(tm.ctx, "support")

	_, err := member.ChangeRole(support, tm.db, tm.org.ID, member.System, tm.editor.ID, "owner")
	require.ErrorIs(t, err, member.ErrOwnerProtected, "support makes an Owner only by a transfer")
	err = member.TransferOwnership(support, tm.db, tm.org.ID, member.System, tm.viewer.ID)
	require.NoError(t, err)
	err = member.TransferOwnership(support, tm.db, tm.org.ID, member.System, tm.admin.ID)
	require.NoError(t, err)

	owners, _, err := tm.db.Members(tm.ctx, tm.org.ID, store.Filter{Role: "owner"}, store.Page{})
	require.NoError(t, err)
	require.Len(t, owners, 1)
	assert.Equal(t, tm.admin.ID, owners[0].ID)
	assert.Equal(t, policy.DemoteOwnerTo().Name, tm.load(t, tm.owner).Role)
	assert.True(t, tm.load(t, tm.admin).Grant().CanDo(access.ReadAudit), "the new Owner reads the audit log")

	events, err := member.AuditLog(tm.ctx, tm.db, tm.org.ID, tm.admin.ID, 0, 100)
	require.NoError(t, err)
	var bySupport []store.EventType
	for _, e := range events {
		if e.Actor.System == "support" {
			bySupport = append(bySupport, e.Type)
		}
	}
	assert.Equal(t, []store.EventType{store.OwnerTransferred, store.OwnerTransferred}, bySupport)
}
