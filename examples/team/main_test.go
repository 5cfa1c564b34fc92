package main

import (
	"context"
	"io"
	"testing"

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

// company is a company with an owner, two managers and two members.
type company struct {
	ctx                      context.Context
	db                       *memstore.Store
	org                      store.Org
	owner, manager, manager2 store.Member
	member1, member2         store.Member
}

func newCompany(t *testing.T) *company {
	t.Helper()
	ctx := context.Background()
	db, err := memstore.New(store.Env{Policy: policy})
	require.NoError(t, err)
	c := &company{ctx: ctx, db: db}
	c.org, c.owner, err = member.CreateOrg(ctx, db, member.NewOrg{Name: "Brine & Co", Owner: user("olivia")})
	require.NoError(t, err)
	c.manager = c.join(t, c.owner, "mark", "manager")
	c.manager2 = c.join(t, c.manager, "maude", "manager")
	c.member1 = c.join(t, c.manager, "mia", "member")
	c.member2 = c.join(t, c.manager, "max", "member")
	return c
}

// join invites a user and accepts the invitation.
func (c *company) join(t *testing.T, by store.Member, name, role string) store.Member {
	t.Helper()
	u := user(name)
	_, token, err := invite.Send(c.ctx, c.db, c.org.ID, by.ID, invite.NewInvitation{Email: u.Email, Role: role})
	require.NoError(t, err)
	a, err := invite.Accept(c.ctx, c.db, token, u)
	require.NoError(t, err)
	return a.Member
}

func (c *company) load(t *testing.T, m store.Member) store.Member {
	t.Helper()
	got, err := c.db.MemberByUser(c.ctx, c.org.ID, m.UserID)
	require.NoError(t, err)
	return got
}

// TestKeyPermissions checks the key permissions of seed 001's roles, cell by
// cell: 9 permissions × 3 roles.
func TestKeyPermissions(t *testing.T) {
	const Y, N = true, false
	table := []struct {
		what                   string // the seed's wording
		perm                   access.Permission
		owner, manager, member bool
	}{
		{"Can view and search all products", ViewProducts, Y, Y, Y},
		{"Can create and edit scenario products", EditScenarios, Y, Y, Y},
		{"Can share inventory products", ShareInventory, Y, Y, Y},
		{"Can create and update all company data", EditCompanyData, Y, Y, N},
		{"Can create or delete products and company information (delete: Owner only)", DeleteCompanyData, Y, N, N},
		{"Cannot manage … company settings (Members)", ManageSettings, Y, Y, N},
		{"Can add … Members or Managers", AddMembers, Y, Y, N},
		{"Can … delete Members or Managers", RemoveMembers, Y, Y, N},
		{"Can assign roles to other team members / manage user roles", AssignRoles, Y, Y, N},
	}
	c := newCompany(t)
	roles := []store.Member{c.load(t, c.owner), c.load(t, c.manager), c.load(t, c.member1)}
	cells := 0
	for _, row := range table {
		for i, want := range []bool{row.owner, row.manager, row.member} {
			m := roles[i]
			assert.Equal(t, want, m.Can(row.perm), "%s / %s: %s", row.what, m.Role, m.Explain(row.perm))
			cells++
		}
	}
	require.Equal(t, 9*3, cells)
	require.Equal(t, policy.Len(), len(table), "every permission is in the table")
}

// There is one Owner; only the Owner sets another user as Owner.
func TestOneOwner(t *testing.T) {
	c := newCompany(t)
	_, err := member.ChangeRole(c.ctx, c.db, c.org.ID, c.owner.ID, c.manager.ID, "owner")
	require.ErrorIs(t, err, member.ErrOwnerProtected, "a role change never makes a second Owner")
	_, _, err = invite.Send(c.ctx, c.db, c.org.ID, c.owner.ID, invite.NewInvitation{Email: "new@brine.example", Role: "owner"})
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	require.ErrorIs(t, member.TransferOwnership(c.ctx, c.db, c.org.ID, c.manager.ID, c.manager2.ID), member.ErrForbidden)

	require.NoError(t, member.TransferOwnership(c.ctx, c.db, c.org.ID, c.owner.ID, c.manager.ID))
	assert.True(t, c.load(t, c.manager).IsOwner())
	assert.Equal(t, "manager", c.load(t, c.owner).Role, "the previous Owner becomes a Manager")
	team, _, err := c.db.Members(c.ctx, c.org.ID, store.Filter{Role: "owner"}, store.Page{})
	require.NoError(t, err)
	require.Len(t, team, 1)
}

// Managers add, remove and change the roles of Managers and Members, but
// cannot touch the Owner.
func TestManagersManageAllButOwner(t *testing.T) {
	c := newCompany(t)
	m, err := member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.member1.ID, "manager")
	require.NoError(t, err)
	assert.Equal(t, "manager", m.Role)
	_, err = member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.manager2.ID, "member")
	require.NoError(t, err)
	require.NoError(t, member.Remove(c.ctx, c.db, c.org.ID, c.manager.ID, c.member2.ID))
	require.NoError(t, member.Remove(c.ctx, c.db, c.org.ID, c.manager.ID, c.member1.ID), "a Manager removes a Manager")

	_, err = member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.owner.ID, "member")
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	require.ErrorIs(t, member.Remove(c.ctx, c.db, c.org.ID, c.manager.ID, c.owner.ID), member.ErrOwnerProtected)
	_, err = member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.manager2.ID, "owner")
	require.ErrorIs(t, err, member.ErrOwnerProtected)
}

// Members cannot change their own role, nor anyone's; nobody changes their
// own.
func TestMembersCannotChangeOwnRole(t *testing.T) {
	c := newCompany(t)
	_, err := member.ChangeRole(c.ctx, c.db, c.org.ID, c.member1.ID, c.member1.ID, "manager")
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.ChangeRole(c.ctx, c.db, c.org.ID, c.member1.ID, c.member2.ID, "manager")
	require.ErrorIs(t, err, member.ErrForbidden)
	_, err = member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.manager.ID, "member")
	require.ErrorIs(t, err, member.ErrSelf)
	assert.Equal(t, "member", c.load(t, c.member1).Role)
}

// A role change takes effect immediately.
func TestRoleChangeImmediate(t *testing.T) {
	c := newCompany(t)
	require.False(t, c.load(t, c.member1).Grant().Can(EditCompanyData))
	_, err := member.ChangeRole(c.ctx, c.db, c.org.ID, c.manager.ID, c.member1.ID, "manager")
	require.NoError(t, err)
	require.True(t, c.load(t, c.member1).Grant().Can(EditCompanyData))
}

// Only Owners and Managers remove; removal revokes access at once: the
// next load finds no member, its API keys stop, it can no longer act.
func TestRemovalRevokesAtOnce(t *testing.T) {
	c := newCompany(t)
	require.ErrorIs(t, member.Remove(c.ctx, c.db, c.org.ID, c.member1.ID, c.member2.ID), member.ErrForbidden)
	_, secret, err := member.IssueKey(c.ctx, c.db, c.org.ID, c.owner.ID, c.member1.ID, "sync")
	require.NoError(t, err)

	require.NoError(t, member.Remove(c.ctx, c.db, c.org.ID, c.manager.ID, c.member1.ID))
	_, err = c.db.MemberByUser(c.ctx, c.org.ID, c.member1.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = invite.Grant(c.ctx, c.db, c.org.ID, c.member1.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, _, err = member.Authenticate(c.ctx, c.db, secret)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = member.UpdateProfile(c.ctx, c.db, c.org.ID, c.member1.ID, c.member1.ID, "Mia", store.Profile{})
	require.ErrorIs(t, err, store.ErrNotFound)
}

// TestSupportTransfer: seed 001 transfers ownership "by contacting Pickler
// Support". Support runs the transfer as the system: at once, to the Owner
// it names, recorded as support's; it cannot touch the Owner otherwise, and
// nothing a user sends makes a request the system.
func TestSupportTransfer(t *testing.T) {
	c := newCompany(t)
	support := member.AsSystem(c.ctx, "support")

	// A user's request cannot pass as support: the zero ID is no actor.
	err := member.TransferOwnership(c.ctx, c.db, c.org.ID, member.System, c.manager.ID)
	require.ErrorIs(t, err, store.ErrInvalid)
	// Support cannot demote or remove the Owner, only transfer.
	err = member.Remove(support, c.db, c.org.ID, member.System, c.owner.ID)
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	_, err = member.ChangeRole(support, c.db, c.org.ID, member.System, c.owner.ID, "manager")
	require.ErrorIs(t, err, member.ErrOwnerProtected)

	require.NoError(t, member.TransferOwnership(support, c.db, c.org.ID, member.System, c.manager.ID))
	assert.True(t, c.load(t, c.manager).IsOwner())
	assert.Equal(t, "manager", c.load(t, c.owner).Role)
	evs, err := member.AuditLog(c.ctx, c.db, c.org.ID, c.manager.ID, 0, 0)
	require.NoError(t, err)
	last := evs[len(evs)-1]
	assert.Equal(t, store.OwnerTransferred, last.Type)
	assert.Equal(t, store.Party{System: "support"}, last.Actor)
	assert.Equal(t, c.manager.ID, last.Target.Member)
	assert.Equal(t, c.owner.Email, last.Before.Email)

	// The former Owner leaves the company: support removes the Owner only
	// with a successor, who becomes the Owner in the same step.
	err = member.Remove(support, c.db, c.org.ID, member.System, c.manager.ID)
	require.ErrorIs(t, err, member.ErrOwnerProtected)
	require.NoError(t, member.RemoveOwner(support, c.db, c.org.ID, member.System, c.manager2.ID))
	assert.True(t, c.load(t, c.manager2).IsOwner())
	_, err = c.db.MemberByUser(c.ctx, c.org.ID, c.manager.UserID)
	require.ErrorIs(t, err, store.ErrNotFound)
}
